/* sf_stats: two-pass blocked statistics (see sf_stats.h). */
#include "sf_stats.h"

#include <math.h>

#define SF_STATS_BLOCK 32u

void sf_stats_compute_f32(const float *src, uint32_t stride, uint32_t n, sf_stats_result_f32 *out)
{
    float sum = 0.0f, sumsq = 0.0f, sumabs = 0.0f, mn = src[0], mx = src[0];
    float mean, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f, s4 = 0.0f, inv_n = 1.0f / (float)n;
    uint32_t i, b, zc = 0, prev_neg = (src[0] < 0.0f);

    for (b = 0; b < n; b += SF_STATS_BLOCK) {
        uint32_t end = (n - b < SF_STATS_BLOCK) ? n : b + SF_STATS_BLOCK;
        float bs = 0.0f, bq = 0.0f, ba = 0.0f;
        for (i = b; i < end; i++) {
            float x = src[i * stride];
            uint32_t neg = (x < 0.0f);
            bs += x;
            bq += x * x;
            ba += fabsf(x);
            if (x < mn) mn = x;
            if (x > mx) mx = x;
            zc += neg ^ prev_neg;
            prev_neg = neg;
        }
        sum += bs;
        sumsq += bq;
        sumabs += ba;
    }
    mean = sum * inv_n;
    for (b = 0; b < n; b += SF_STATS_BLOCK) {
        uint32_t end = (n - b < SF_STATS_BLOCK) ? n : b + SF_STATS_BLOCK;
        float b1 = 0.0f, b2 = 0.0f, b3 = 0.0f, b4 = 0.0f;
        for (i = b; i < end; i++) {
            float d = src[i * stride] - mean, d2 = d * d;
            b1 += d;
            b2 += d2;
            b3 += d2 * d;
            b4 += d2 * d2;
        }
        s1 += b1;
        s2 += b2;
        s3 += b3;
        s4 += b4;
    }
    out->n = n;
    out->mean = mean;
    /* corrected two-pass (Chan, Golub & LeVeque): removes the residual of a rounded mean */
    out->var = (s2 - s1 * s1 * inv_n) * inv_n;
    if (out->var < 0.0f) out->var = 0.0f;
    out->m3 = s3 * inv_n;
    out->m4 = s4 * inv_n;
    out->min = mn;
    out->max = mx;
    out->abs_mean = sumabs * inv_n;
    out->sumsq = sumsq;
    out->max_abs = (fabsf(mn) > fabsf(mx)) ? fabsf(mn) : fabsf(mx);
    out->zero_crossings = zc;
}

float sf_stats_value_f32(const sf_stats_result_f32 *m, int id, float zcr_denominator, float energy_scale)
{
    float var = m->var;
    switch (id) {
    case SF_STAT_MEAN: return m->mean;
    case SF_STAT_STD: return sqrtf(var);
    case SF_STAT_VAR: return var;
    case SF_STAT_RMS: return sqrtf(m->sumsq / (float)m->n);
    case SF_STAT_MIN: return m->min;
    case SF_STAT_MAX: return m->max;
    case SF_STAT_PTP: return m->max - m->min;
    case SF_STAT_ABS_MEAN: return m->abs_mean;
    case SF_STAT_SKEW: return (var > 0.0f) ? m->m3 / (var * sqrtf(var)) : 0.0f;
    case SF_STAT_KURTOSIS: return (var > 0.0f) ? m->m4 / (var * var) - 3.0f : 0.0f;
    case SF_STAT_ZCR: return (float)m->zero_crossings / zcr_denominator;
    case SF_STAT_CREST: {
        float rms = sqrtf(m->sumsq / (float)m->n);
        return (rms > 0.0f) ? m->max_abs / rms : 0.0f;
    }
    case SF_STAT_ENERGY: return m->sumsq * energy_scale;
    default: return 0.0f;
    }
}
