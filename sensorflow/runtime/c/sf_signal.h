/* sf_signal: per-sample pre-processing of interleaved signals ([t * n_channels + c]) and
 * feature scaling. Header only (static inline). Conventions are those of the reference
 * stages: scale (x * gain + offset), dc_remove (x - mean over the window), pre_emphasis
 * (scipy.signal.lfilter([1, -coef], [1], x) with x[-1] = 0 or x[0]), magnitude
 * (numpy.linalg.norm across channels), scaler (scikit-learn StandardScaler / MinMaxScaler). */
#ifndef SF_SIGNAL_H
#define SF_SIGNAL_H

#include <math.h>
#include <stdint.h>

#include "sf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* dst[t*C + c] = src[t*C + c] * gain[c] + offset[c] */
static inline void sf_scale_process_f32(const float *src, float *dst, uint32_t n, uint32_t C, const float *gain,
                                        const float *offset)
{
    uint32_t t, c;
    for (t = 0; t < n; t++)
        for (c = 0; c < C; c++) dst[t * C + c] = src[t * C + c] * gain[c] + offset[c];
}

/* Mean of src[i * stride], blocks of 32 so float32 rounding grows with 32 + n/32. */
static inline float sf_signal_mean_f32(const float *src, uint32_t stride, uint32_t n)
{
    float total = 0.0f;
    uint32_t b, i;
    for (b = 0; b < n; b += 32u) {
        uint32_t end = (n - b < 32u) ? n : b + 32u;
        float part = 0.0f;
        for (i = b; i < end; i++) part += src[i * stride];
        total += part;
    }
    return total / (float)n;
}

/* Per channel: dst = src - mean(src) over the n samples. */
static inline void sf_dc_remove_process_f32(const float *src, float *dst, uint32_t n, uint32_t C)
{
    uint32_t t, c;
    for (c = 0; c < C; c++) {
        float m = sf_signal_mean_f32(src + c, C, n);
        for (t = 0; t < n; t++) dst[t * C + c] = src[t * C + c] - m;
    }
}

/* Per channel: y[t] = x[t] - coef * x[t-1]; x[-1] = 0 (repeat_first = 0) or x[0] (1). */
static inline void sf_pre_emphasis_process_f32(const float *src, float *dst, uint32_t n, uint32_t C, float coef,
                                               int repeat_first)
{
    uint32_t t, c;
    for (c = 0; c < C; c++) {
        float prev = repeat_first ? src[c] : 0.0f;
        for (t = 0; t < n; t++) {
            float x = src[t * C + c];
            dst[t * C + c] = x - coef * prev;
            prev = x;
        }
    }
}

/* Euclidean norm of the channels listed in idx (k of them) at every sample, scaled so that
 * huge values do not overflow: |v| = m * sqrt(sum (v/m)^2), m = max |v_i|. */
static inline float sf_magnitude_of_f32(const float *frame, const uint8_t *idx, uint32_t k)
{
    uint32_t i;
    float m = 0.0f, acc = 0.0f;
    for (i = 0; i < k; i++) {
        float a = fabsf(frame[idx[i]]);
        if (a > m) m = a;
    }
    if (m == 0.0f || m < 1e18f) { /* ordinary range: the plain formula, as numpy computes it */
        for (i = 0; i < k; i++) acc += frame[idx[i]] * frame[idx[i]];
        return sqrtf(acc);
    }
    for (i = 0; i < k; i++) {
        float v = frame[idx[i]] / m;
        acc += v * v;
    }
    return m * sqrtf(acc);
}

/* Standard scaling (x - mean) / scale, as sklearn's StandardScaler.transform. */
static inline void sf_scaler_standard_f32(const float *src, float *dst, uint32_t n, const float *mean,
                                          const float *scale)
{
    uint32_t i;
    for (i = 0; i < n; i++) dst[i] = (src[i] - mean[i]) / scale[i];
}

/* Min-max scaling x * scale + min, optionally clipped to [lo, hi] (MinMaxScaler(clip=True)). */
static inline void sf_scaler_minmax_f32(const float *src, float *dst, uint32_t n, const float *scale,
                                        const float *min, int clip, float lo, float hi)
{
    uint32_t i;
    for (i = 0; i < n; i++) {
        float v = src[i] * scale[i] + min[i];
        if (clip) v = (v < lo) ? lo : ((v > hi) ? hi : v);
        dst[i] = v;
    }
}

#ifdef __cplusplus
}
#endif

#endif /* SF_SIGNAL_H */
