/* sf_pad.h: one window from a recording of any length (window.pad), header-only.
 * The reference is sensorflow.windowing.to_window; the same float32 operations in the same
 * order, so host and device give the same bits. C99, no malloc. */
#ifndef SF_PAD_H
#define SF_PAD_H

#include "sf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { SF_PAD_RESAMPLE = 0, SF_PAD_EDGE = 1, SF_PAD_ZERO = 2, SF_PAD_VALID = 3 } sf_pad_mode;

/* dst = length interleaved frames of `channels` values from src's n frames (n >= 1): the first
 * `length` frames when n >= length, else the n frames padded (EDGE: the last frame repeated,
 * ZERO and VALID: zeros; VALID features read only the first min(n, length) frames) or resampled (RESAMPLE: output i at position i (n - 1) / (length - 1), linear
 * interpolation; the integer part and remainder are kept exactly, no division in the loop).
 * src and dst must not overlap. Returns SF_OK, SF_ERR_NULL or SF_ERR_ARG. */
static inline int sf_to_window_f32(const float *src, int n, uint32_t length, uint32_t channels,
                                    sf_pad_mode mode, float *dst)
{
    uint32_t i, c, un;
    if (src == NULL || dst == NULL) {
        return SF_ERR_NULL;
    }
    if (n < 1 || length < 1u || channels < 1u) {
        return SF_ERR_ARG;
    }
    un = (uint32_t)n;
    if (un >= length || mode != SF_PAD_RESAMPLE) {
        uint32_t copy = un < length ? un : length;
        for (i = 0; i < copy * channels; i++) {
            dst[i] = src[i];
        }
        for (i = copy; i < length; i++) {
            for (c = 0; c < channels; c++) {
                dst[i * channels + c] = mode == SF_PAD_EDGE ? src[(un - 1u) * channels + c] : 0.0f;
            }
        }
        return SF_OK;
    }
    if (un == 1u) {
        for (i = 0; i < length; i++) {
            for (c = 0; c < channels; c++) {
                dst[i * channels + c] = src[c];
            }
        }
        return SF_OK;
    }
    {
        const uint32_t den = length - 1u, step = un - 1u;
        const float fden = (float)den;
        uint32_t j = 0, r = 0; /* position of output i: j + r / den */
        for (i = 0; i < length; i++) {
            const float w = (float)r / fden;
            const uint32_t j1 = j + 1u < un ? j + 1u : un - 1u;
            for (c = 0; c < channels; c++) {
                const float a = src[j * channels + c];
                const float d = src[j1 * channels + c] - a; /* separate statements: never fused */
                const float p = w * d;
                dst[i * channels + c] = a + p;
            }
            r += step;
            while (r >= den) {
                r -= den;
                j++;
            }
        }
    }
    return SF_OK;
}

#ifdef __cplusplus
}
#endif

#endif /* SF_PAD_H */
