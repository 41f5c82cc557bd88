/* sf_window: multiply samples by a window table (e.g. scipy.signal.get_window / librosa's
 * periodic Hann), reading a strided source (interleaved channels). Header only. */
#ifndef SF_WINDOW_H
#define SF_WINDOW_H

#include <stdint.h>

/* dst[i] = src[i * stride] * window[i], i < n */
static inline void sf_window_apply_f32(const float *src, uint32_t stride, const float *window, float *dst, uint32_t n)
{
    uint32_t i;
    for (i = 0; i < n; i++) dst[i] = src[i * stride] * window[i];
}

/* Copy a strided channel into a contiguous buffer. */
static inline void sf_window_gather_f32(const float *src, uint32_t stride, float *dst, uint32_t n)
{
    uint32_t i;
    for (i = 0; i < n; i++) dst[i] = src[i * stride];
}

#endif /* SF_WINDOW_H */
