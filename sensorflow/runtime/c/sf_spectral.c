/* sf_spectral: spectrum shape features and Hilbert envelope (see sf_spectral.h). */
#include "sf_spectral.h"

SF_FP_CONTRACT_FAST /* float results within tolerance of numpy: see sf_common.h */

#include <math.h>

float sf_spectral_sum_f32(const float *spec, uint32_t n_bins)
{
    float total = 0.0f;
    uint32_t k;
    for (k = 0; k < n_bins; k++) total += spec[k];
    return total;
}

float sf_spectral_centroid_f32(const float *spec, uint32_t n_bins, float df)
{
    float num = 0.0f, den = 0.0f;
    uint32_t k;
    for (k = 0; k < n_bins; k++) {
        num += (float)k * spec[k];
        den += spec[k];
    }
    return (den > 0.0f) ? df * (num / den) : 0.0f;
}

float sf_spectral_bandwidth_f32(const float *spec, uint32_t n_bins, float df, float centroid)
{
    float num = 0.0f, den = 0.0f, c = centroid / df;
    uint32_t k;
    for (k = 0; k < n_bins; k++) {
        float d = (float)k - c;
        num += d * d * spec[k];
        den += spec[k];
    }
    return (den > 0.0f) ? df * sqrtf(num / den) : 0.0f;
}

float sf_spectral_rolloff_f32(const float *spec, uint32_t n_bins, float df, float fraction)
{
    float total = sf_spectral_sum_f32(spec, n_bins), thr, acc = 0.0f;
    uint32_t k;
    if (!(total > 0.0f)) return 0.0f;
    thr = fraction * total;
    for (k = 0; k < n_bins; k++) {
        acc += spec[k];
        if (acc >= thr) return df * (float)k;
    }
    return df * (float)(n_bins - 1u);
}

float sf_spectral_flatness_f32(const float *spec, uint32_t n_bins, float amin, int square)
{
    float log_sum = 0.0f, sum = 0.0f, inv = 1.0f / (float)n_bins, mean;
    uint32_t k;
    for (k = 0; k < n_bins; k++) {
        float v = square ? spec[k] * spec[k] : spec[k];
        v = (v > amin) ? v : amin;
        log_sum += logf(v);
        sum += v;
    }
    mean = sum * inv;
    return expf(log_sum * inv) / mean;
}

uint32_t sf_spectral_top_k_f32(const float *spec, uint32_t n_bins, uint32_t first_bin, uint32_t k, uint16_t *idx,
                               float *val)
{
    uint32_t found = 0, b, j;
    if (k == 0u) return 0;
    for (b = first_bin; b < n_bins; b++) {
        float v = spec[b];
        /* insertion into the sorted list; strict > keeps the earlier bin first on ties */
        if (found == k && !(v > val[k - 1u])) continue;
        j = (found < k) ? found++ : k - 1u;
        while (j > 0u && v > val[j - 1u]) {
            val[j] = val[j - 1u];
            idx[j] = idx[j - 1u];
            j--;
        }
        val[j] = v;
        idx[j] = (uint16_t)b;
    }
    return found;
}

void sf_envelope_process_f32(const sf_rfft_inst_f32 *rfft, const sf_cfft_inst_f32 *cfft, float *x, float *work,
                             float *env)
{
    uint32_t n = rfft->n, half = n / 2u, k;
    float *packed = work + 2u * n; /* n floats */
    float *z = work;               /* 2n floats: conj(h * X) */
    float inv_n = 1.0f / (float)n;
    sf_rfft_process_f32(rfft, x, packed);
    /* ifft(Y) = conj(fft(conj(Y))) / n; only the modulus is kept, so the outer conj drops */
    z[0] = packed[0];
    z[1] = 0.0f;
    for (k = 1; k < half; k++) {
        z[2u * k] = 2.0f * packed[2u * k];
        z[2u * k + 1u] = -2.0f * packed[2u * k + 1u];
    }
    z[2u * half] = packed[1];
    z[2u * half + 1u] = 0.0f;
    for (k = half + 1u; k < n; k++) {
        z[2u * k] = 0.0f;
        z[2u * k + 1u] = 0.0f;
    }
    sf_cfft_dif_f32(cfft, z);
    for (k = 0; k < n; k++) {
        uint32_t r = cfft->bitrev[k];
        float re = z[2u * r], im = z[2u * r + 1u];
        env[k] = sqrtf(re * re + im * im) * inv_n;
    }
}

uint32_t sf_spectral_peaks_f32(const float *spec, uint32_t n_bins, uint32_t k, uint16_t *idx, float *val)
{
    uint32_t found = 0, b, j;
    if (k == 0u || n_bins < 3u) return 0;
    for (b = 1; b + 1u < n_bins; b++) {
        float v = spec[b];
        if (!(spec[b - 1u] < v && v >= spec[b + 1u] && v > 0.0f)) continue;
        if (found == k && !(v > val[k - 1u])) continue;
        j = (found < k) ? found++ : k - 1u;
        while (j > 0u && v > val[j - 1u]) {
            val[j] = val[j - 1u];
            idx[j] = idx[j - 1u];
            j--;
        }
        val[j] = v;
        idx[j] = (uint16_t)b;
    }
    return found;
}

void sf_spectrum_process_f32(const sf_spectrum_config_f32 *c, const float *src, float *work, float *dst)
{
    uint32_t n = c->n_fft, f, k, t;
    sf_fft_accum_f32 acc;
    acc.dst = dst;
    acc.slot = c->slot;
    acc.magnitude = (uint8_t)(c->power == 1u);
    for (k = 0; k < c->n_out; k++) dst[k] = 0.0f;
    for (f = 0; f < c->n_frames; f++) {
        const float *x = src + (uint32_t)f * c->hop * c->src_stride;
        if (c->use_fft) {
            sf_rfft_power_accumulate_windowed_f32(&c->fft, x, c->src_stride, c->window, work, &acc);
        } else {
            for (t = 0; t < n; t++) work[t] = x[t * c->src_stride] * c->window[t];
            sf_dft_power_accumulate_f32(work, n, c->twiddle, &acc);
        }
    }
    if (c->n_frames > 1u) {
        float inv = 1.0f / (float)c->n_frames;
        for (k = 0; k < c->n_out; k++) dst[k] *= inv;
    }
}

void sf_spectral_max_in_ranges_f32(const float *spec, const uint16_t *lo, const uint16_t *hi, uint32_t n, float *out)
{
    uint32_t k, b;
    for (k = 0; k < n; k++) {
        float m = spec[lo[k]];
        for (b = lo[k] + 1u; b < hi[k]; b++)
            if (spec[b] > m) m = spec[b];
        out[k] = m;
    }
}

void sf_spectral_db_f32(float *x, uint32_t n)
{
    uint32_t k;
    for (k = 0; k < n; k++) {
        float e = x[k];
        x[k] = 4.3429446f * logf(e > 1e-10f ? e : 1e-10f); /* 10 / ln 10 */
    }
}
