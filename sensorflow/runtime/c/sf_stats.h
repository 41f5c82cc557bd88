/* sf_stats: time-domain statistics of one channel of a window, float32, numerically careful:
 * three passes (range; mean; central moments of x - mean with the corrected two-pass
 * formula), all on x / max|x| so nothing overflows or underflows, every sum accumulated in blocks of 32 samples so rounding error grows with
 * 32 + n/32 instead of n.
 *
 * Conventions (those of the reference `stats` stage): var/std population (numpy ddof=0);
 * skew = m3 / m2^1.5 and kurtosis = m4 / m2^2 - 3 (scipy.stats defaults: biased, Fisher), both
 * 0 when the channel is constant (std <= 1e-5 * max|x|); zero_crossing_rate = sign changes
 * between neighbours / n with |x| <= 1e-10 counted as zero and zero as positive
 * (librosa.feature.zero_crossing_rate over the whole window); rms = sqrt(mean(x^2));
 * energy = sum(x^2); crest = max|x| / rms (0 for an all-zero channel). */
#ifndef SF_STATS_H
#define SF_STATS_H

#include <stdint.h>

#include "sf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    float mean, var, min, max, abs_mean, max_abs;
    float scale;                /* moments below are of x / scale (scale = max|x|, or 1) */
    float var_s, m3_s, m4_s, ms_s;
    uint32_t zero_crossings;
    uint32_t n;
} sf_stats_result_f32;

/* src[i * stride], i < n (n >= 1). */
void sf_stats_compute_f32(const float *src, uint32_t stride, uint32_t n, sf_stats_result_f32 *out);

/* Ids of the statistics, in the order of sf_stats_select_f32's id list. */
enum {
    SF_STAT_MEAN = 0,
    SF_STAT_STD,
    SF_STAT_VAR,
    SF_STAT_RMS,
    SF_STAT_MIN,
    SF_STAT_MAX,
    SF_STAT_PTP,
    SF_STAT_ABS_MEAN,
    SF_STAT_SKEW,
    SF_STAT_KURTOSIS,
    SF_STAT_ZCR,
    SF_STAT_CREST,
    SF_STAT_ENERGY,
    SF_STAT_COUNT
};

/* Value of statistic `id` (SF_STAT_*) from the moments; never NaN for finite input. */
float sf_stats_value_f32(const sf_stats_result_f32 *m, int id);

#ifdef __cplusplus
}
#endif

#endif /* SF_STATS_H */
