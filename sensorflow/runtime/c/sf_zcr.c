/* sf_zcr: zero-crossing rate per frame (see sf_zcr.h). Counts only: results are exact. */
#include "sf_zcr.h"

#include <math.h>

/* 1 if sample j of the padded signal is negative beyond the threshold */
static int sf_zcr_negative(const float *src, uint32_t stride, uint32_t length, uint32_t pad, uint32_t j,
                           float threshold)
{
    uint32_t i = (j < pad) ? 0u : j - pad;
    float v;
    if (i >= length) i = length - 1u;
    v = src[i * stride];
    return (v < 0.0f) && !(fabsf(v) <= threshold);
}

void sf_zcr_process_f32(const float *src, uint32_t stride, uint32_t length, uint32_t pad, uint32_t frame_length,
                        uint32_t hop_length, uint32_t n_frames, float threshold, float *dst)
{
    uint32_t t, k;
    for (t = 0; t < n_frames; t++) {
        uint32_t start = t * hop_length, count = 0;
        int prev = sf_zcr_negative(src, stride, length, pad, start, threshold);
        for (k = 1; k < frame_length; k++) {
            int neg = sf_zcr_negative(src, stride, length, pad, start + k, threshold);
            count += (uint32_t)(neg != prev);
            prev = neg;
        }
        dst[t] = (float)count / (float)frame_length;
    }
}
