/* sf_stats: time-domain statistics of one channel of a window, float32, numerically careful:
 * two passes (mean first, then central moments of x - mean with the corrected two-pass
 * formula), every sum accumulated in blocks of 32 samples so rounding error grows with
 * 32 + n/32 instead of n.
 *
 * Conventions: var/std are population (numpy ddof=0); skew = m3 / m2^1.5 and kurtosis =
 * m4 / m2^2 - 3 (scipy.stats.skew / kurtosis defaults: biased, Fisher); both are 0 for a
 * constant window. zero crossings count sign-bit changes between neighbours (a sample equal
 * to zero counts as positive, as librosa.feature.zero_crossing_rate with zero_pos=True). */
#ifndef SF_STATS_H
#define SF_STATS_H

#include <stdint.h>

typedef struct {
    float mean, var, min, max, abs_mean, sumsq, m3, m4, max_abs;
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

/* Value of statistic `id` from the moments; zcr_denominator and energy_scale carry the
 * reference's normalisation (e.g. n - 1 and 1/n); a zero divisor gives 0, not NaN. */
float sf_stats_value_f32(const sf_stats_result_f32 *m, int id, float zcr_denominator, float energy_scale);

#endif /* SF_STATS_H */
