/* sf_stats: two-pass blocked statistics (see sf_stats.h). */
#include "sf_stats.h"

#include <math.h>

#define SF_STATS_BLOCK 32u

void sf_stats_compute_f32(const float *src, uint32_t stride, uint32_t n, sf_stats_result_f32 *out)
{
    /* pass 1: range and zero crossings; the later passes work on x / max|x| so that neither
     * huge values overflow nor tiny ones underflow in the higher moments */
    float mn = src[0], mx = src[0], peak, inv, mean_s, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f, s4 = 0.0f;
    float sum = 0.0f, sumsq = 0.0f, sumabs = 0.0f, inv_n = 1.0f / (float)n, scale, mean;
    int wide;
    uint32_t i, b, zc = 0, prev_neg = (src[0] < -1e-10f);
    for (i = 0; i < n; i++) {
        float x = src[i * stride];
        uint32_t neg = (x < -1e-10f); /* |x| <= 1e-10 counts as zero, zero as positive */
        if (x < mn) mn = x;
        if (x > mx) mx = x;
        zc += neg ^ prev_neg;
        prev_neg = neg;
    }
    peak = (fabsf(mn) > fabsf(mx)) ? fabsf(mn) : fabsf(mx);
    inv = (peak > 0.0f) ? 1.0f / peak : 1.0f;
    scale = (peak > 0.0f) ? peak : 1.0f;
    if (!(inv < INFINITY)) { /* denormal peak: scale by 2^100 instead */
        inv = 1.26765060e30f;
        scale = 7.88860905e-31f;
    }
    /* pass 2: mean, mean square, mean |x| (blocks of 32) */
    for (b = 0; b < n; b += SF_STATS_BLOCK) {
        uint32_t end = (n - b < SF_STATS_BLOCK) ? n : b + SF_STATS_BLOCK;
        float bs = 0.0f, bq = 0.0f, ba = 0.0f;
        for (i = b; i < end; i++) {
            float x = src[i * stride] * inv;
            bs += x;
            bq += x * x;
            ba += fabsf(x);
        }
        sum += bs;
        sumsq += bq;
        sumabs += ba;
    }
    mean_s = sum * inv_n;
    mean = mean_s * scale;
    /* pass 3: central moments of (x - mean) / scale; the difference is taken first (exact
     * for nearby values, so a large offset costs no precision) unless max - min overflows */
    wide = !(mx - mn < INFINITY);
    for (b = 0; b < n; b += SF_STATS_BLOCK) {
        uint32_t end = (n - b < SF_STATS_BLOCK) ? n : b + SF_STATS_BLOCK;
        float b1 = 0.0f, b2 = 0.0f, b3 = 0.0f, b4 = 0.0f;
        for (i = b; i < end; i++) {
            float x = src[i * stride];
            float d = wide ? x * inv - mean_s : (x - mean) * inv, d2 = d * d;
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
    out->scale = scale;
    /* moments about the rounded mean, shifted to the true mean (the corrected two-pass
     * formula of Chan, Golub & LeVeque, extended to the third and fourth moments) */
    {
        float u1 = s1 * inv_n, u2 = s2 * inv_n, u3 = s3 * inv_n, u4 = s4 * inv_n, u1s = u1 * u1;
        out->var_s = u2 - u1s;
        out->m3_s = u3 - 3.0f * u1 * u2 + 2.0f * u1s * u1;
        out->m4_s = u4 - 4.0f * u1 * u3 + 6.0f * u1s * u2 - 3.0f * u1s * u1s;
        out->mean = mean + u1 * scale;
    }
    if (out->var_s < 0.0f) out->var_s = 0.0f;
    out->var = out->var_s * scale * scale;
    out->min = mn;
    out->max = mx;
    out->abs_mean = sumabs * inv_n * out->scale;
    out->ms_s = sumsq * inv_n;
    out->max_abs = peak;
    out->zero_crossings = zc;
}

float sf_stats_value_f32(const sf_stats_result_f32 *m, int id)
{
    float vs = m->var_s, rms = sqrtf(m->ms_s) * m->scale;
    int constant = !(sqrtf(m->var) > 1e-5f * m->max_abs) || !(vs > 0.0f);
    switch (id) {
    case SF_STAT_MEAN: return m->mean;
    case SF_STAT_STD: return sqrtf(vs) * m->scale;
    case SF_STAT_VAR: return m->var;
    case SF_STAT_RMS: return rms;
    case SF_STAT_MIN: return m->min;
    case SF_STAT_MAX: return m->max;
    case SF_STAT_PTP: return m->max - m->min;
    case SF_STAT_ABS_MEAN: return m->abs_mean;
    case SF_STAT_SKEW: return constant ? 0.0f : m->m3_s / (vs * sqrtf(vs));
    case SF_STAT_KURTOSIS: return constant ? 0.0f : m->m4_s / (vs * vs) - 3.0f;
    case SF_STAT_ZCR: return (float)m->zero_crossings / (float)m->n;
    case SF_STAT_CREST: return (rms > 0.0f) ? m->max_abs / rms : 0.0f;
    case SF_STAT_ENERGY: return m->ms_s * (float)m->n * m->scale * m->scale;
    default: return 0.0f;
    }
}
