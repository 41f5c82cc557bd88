/* sf_q15: fixed-point front end (see sf_q15.h; numpy reference sensorflow/dsp/fixed.py). */
#include "sf_q15.h"

#include <string.h>

static int16_t sf_q15_count(float v, int32_t k)
{
    uint32_t u, e, m;
    int32_t shift;
    uint32_t a;
    memcpy(&u, &v, sizeof u);
    e = (u >> 23) & 0xFFu;
    m = u & 0x7FFFFFu;
    if (e == 0xFFu) {
        if (m != 0u) return 0; /* NaN */
        a = 32768u;            /* +-inf saturate */
    } else {
        if (e == 0u) {
            e = 1u; /* subnormal: no implicit bit */
        } else {
            m |= 0x800000u;
        }
        shift = 150 - k - (int32_t)e; /* |v| * 2^k = m * 2^-shift */
        if (shift <= 0) {
            a = (shift < -8) ? 32768u : m << (uint32_t)(-shift);
            if (a > 32768u) a = 32768u;
        } else if (shift > 24) {
            a = 0u;
        } else {
            a = (m + (1u << (uint32_t)(shift - 1))) >> (uint32_t)shift;
            if (a > 32768u) a = 32768u;
        }
    }
    if (u >> 31) return (int16_t)(-(int32_t)a);
    return (int16_t)(a > 32767u ? 32767u : a);
}

void sf_q15_quantize(const float *src, uint32_t stride, uint32_t n, int32_t k, int16_t *dst)
{
    uint32_t i;
    for (i = 0; i < n; i++) dst[i] = sf_q15_count(src[i * stride], k);
}

void sf_q15_stats_sums(const int16_t *x, uint32_t n, sf_q15_sums *s)
{
    uint32_t i;
    int32_t sum = 0, abs_sum = 0, lo = x[0], hi = x[0];
    int64_t sq = 0;
    uint32_t cross = 0;
    int prev = x[0] < 0;
    for (i = 0; i < n; i++) {
        int32_t v = x[i];
        int neg = v < 0;
        sum += v;
        abs_sum += neg ? -v : v;
        sq += (int64_t)(v * v);
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        cross += (uint32_t)(neg != prev);
        prev = neg;
    }
    s->sum = sum;
    s->abs_sum = abs_sum;
    s->min = lo;
    s->max = hi;
    s->sum_sq = sq;
    s->crossings = cross;
    s->n = n;
}

uint32_t sf_q15_isqrt64(uint64_t v)
{
    uint64_t r = 0, bit = (uint64_t)1 << 62;
    while (bit > v) bit >>= 2;
    while (bit != 0u) {
        if (v >= r + bit) {
            v -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
        bit >>= 2;
    }
    return (uint32_t)r;
}

int64_t sf_q15_stat_code(const sf_q15_sums *s, uint32_t id)
{
    int64_t n = (int64_t)s->n, var = n * s->sum_sq - (int64_t)s->sum * s->sum;
    switch (id) {
    case 0u: return s->sum;
    case 1u: return sf_q15_isqrt64((uint64_t)var);
    case 2u: return var;
    case 3u: return sf_q15_isqrt64((uint64_t)(n * s->sum_sq));
    case 4u: return s->min;
    case 5u: return s->max;
    case 6u: return (int64_t)s->max - s->min;
    case 7u: return s->abs_sum;
    case 10u: return s->crossings;
    case 12u: return s->sum_sq;
    default: return 0;
    }
}

void sf_q15_fft(int32_t *re, int32_t *im, uint32_t n, const int16_t *wr, const int16_t *wi)
{
    uint32_t half, i, j;
    for (half = 1u; half < n; half <<= 1) {
        uint32_t step = n / (2u * half);
        for (i = 0; i < n; i += 2u * half) { /* twiddle 1: exact, no multiply */
            uint32_t b = i + half;
            int32_t ar = re[i], ai = im[i], tr = re[b], ti = im[b];
            re[i] = (ar + tr) >> 1;
            im[i] = (ai + ti) >> 1;
            re[b] = (ar - tr) >> 1;
            im[b] = (ai - ti) >> 1;
        }
        for (j = 1u; j < half; j++) {
            int32_t c = wr[j * step], s = wi[j * step];
            for (i = j; i < n; i += 2u * half) {
                uint32_t b = i + half;
                int32_t ar = re[i], ai = im[i];
                int32_t tr = (re[b] * c - im[b] * s) >> 15, ti = (re[b] * s + im[b] * c) >> 15;
                re[i] = (ar + tr) >> 1;
                im[i] = (ai + ti) >> 1;
                re[b] = (ar - tr) >> 1;
                im[b] = (ai - ti) >> 1;
            }
        }
    }
}

void sf_q15_band_energy(const sf_q15_bands_config *cfg, const int16_t *x, int32_t *work, uint64_t *bands)
{
    uint32_t h = cfg->n_fft / 2u, t, i;
    int32_t *re = work, *im = work + h;
    for (i = 0; i < cfg->n_bands; i++) bands[i] = 0u;
    for (t = 0; t < cfg->n_frames; t++) {
        const int16_t *f = x + t * cfg->hop;
        for (i = 0; i < h; i++) {
            uint32_t j = 2u * cfg->bitrev[i];
            re[i] = ((int32_t)f[j] * cfg->window[j] + 16384) >> 15;
            im[i] = ((int32_t)f[j + 1u] * cfg->window[j + 1u] + 16384) >> 15;
        }
        sf_q15_fft(re, im, h, cfg->wr, cfg->wi);
        for (i = 0; i <= h; i++) {
            uint32_t b = cfg->band_of_bin[i], k = (i == h) ? 0u : i, m = (i == 0u) ? 0u : h - i;
            int32_t zr = re[k], zi = im[k], yr = re[m], yi = im[m], xr, xi;
            if (b == 0xFFFFu) continue;
            /* |Z| <= 46341 and |A|, |B| <= 1 in q15: each complex product fits int32 */
            xr = (((zr * cfg->ar[i] - zi * cfg->ai[i]) >> 1) + ((yr * cfg->br[i] + yi * cfg->bi[i]) >> 1)) >> 15;
            xi = (((zr * cfg->ai[i] + zi * cfg->ar[i]) >> 1) + ((yr * cfg->bi[i] - yi * cfg->br[i]) >> 1)) >> 15;
            bands[b] += (uint64_t)((uint32_t)(xr * xr) + (uint32_t)(xi * xi));
        }
    }
}

float sf_q15_feature(int64_t code, float fscale)
{
    if (code >= INT32_MIN && code <= INT32_MAX) return (float)(int32_t)code * fscale;
    return (float)code * fscale;
}
