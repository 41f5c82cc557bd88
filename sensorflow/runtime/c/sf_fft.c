/* sf_fft: radix-2^2 DIF complex FFT and the real FFT built on it (see sf_fft.h). */
#include "sf_fft.h"

SF_FP_CONTRACT_FAST /* float results within tolerance of numpy: see sf_common.h */

#include <math.h>

void sf_fft_make_twiddle_f32(uint32_t n, float *twiddle)
{
    /* Angles reduced to the first octant (|a| <= pi/4) so float rounding of the angle stays
     * below 4e-8; the rest follows by symmetry. */
    uint32_t k, count = n / 2u, quarter = n / 4u;
    float step = 6.28318530717958647692f / (float)n;
    for (k = 0; k < count; k++) {
        uint32_t q = quarter ? k / quarter : 0u, r = quarter ? k % quarter : k;
        float c, s, t;
        if (2u * r <= quarter) {
            c = cosf(step * (float)r);
            s = sinf(step * (float)r);
        } else {
            c = sinf(step * (float)(quarter - r));
            s = cosf(step * (float)(quarter - r));
        }
        for (; q > 0u; q--) { /* rotate by 90 degrees */
            t = c;
            c = -s;
            s = t;
        }
        twiddle[2u * k] = c;
        twiddle[2u * k + 1u] = s;
    }
}

void sf_fft_make_bitrev(uint32_t m, uint16_t *bitrev)
{
    uint32_t bits = 0, i;
    while ((1u << bits) < m) bits++;
    for (i = 0; i < m; i++) {
        uint32_t r = 0, v = i, b;
        for (b = 0; b < bits; b++) {
            r = (r << 1) | (v & 1u);
            v >>= 1;
        }
        bitrev[i] = (uint16_t)r;
    }
}

void sf_cfft_init_f32(sf_cfft_inst_f32 *S, uint16_t n, const float *twiddle, const uint16_t *bitrev)
{
    S->n = n;
    S->tw_stride = 1;
    S->twiddle = twiddle;
    S->bitrev = bitrev;
}

/* Two fused radix-2 DIF passes over groups of L = 4q points. */
SF_NOINLINE static void radix4_pass(float *x, uint32_t n, uint32_t q, const float *tw, uint32_t ts)
{
    uint32_t j, g, L = 4u * q;
    for (g = 0; g < n; g += L) { /* j = 0: every twiddle is 1 */
        float *p0 = x + 2u * g, *p1 = p0 + 2u * q, *p2 = p1 + 2u * q, *p3 = p2 + 2u * q;
        float x0r = p0[0], x0i = p0[1], x1r = p1[0], x1i = p1[1];
        float x2r = p2[0], x2i = p2[1], x3r = p3[0], x3i = p3[1];
        float a02r = x0r + x2r, a02i = x0i + x2i, d02r = x0r - x2r, d02i = x0i - x2i;
        float a13r = x1r + x3r, a13i = x1i + x3i, d13r = x1r - x3r, d13i = x1i - x3i;
        p0[0] = a02r + a13r;
        p0[1] = a02i + a13i;
        p1[0] = a02r - a13r;
        p1[1] = a02i - a13i;
        p2[0] = d02r + d13i;
        p2[1] = d02i - d13r;
        p3[0] = d02r - d13i;
        p3[1] = d02i + d13r;
    }
    for (j = 1; j < q; j++) {
        const float *t1 = tw + 2u * (j * ts);
        const float *t2 = tw + 2u * (2u * j * ts);
        float c1 = t1[0], s1 = t1[1], c2 = t2[0], s2 = t2[1];
        float c3 = c1 * c2 - s1 * s2, s3 = s1 * c2 + c1 * s2; /* W^3j = W^j W^2j */
        for (g = j; g < n; g += L) {
            float *p0 = x + 2u * g, *p1 = p0 + 2u * q, *p2 = p1 + 2u * q, *p3 = p2 + 2u * q;
            float x0r = p0[0], x0i = p0[1], x1r = p1[0], x1i = p1[1];
            float x2r = p2[0], x2i = p2[1], x3r = p3[0], x3i = p3[1];
            float a02r = x0r + x2r, a02i = x0i + x2i, d02r = x0r - x2r, d02i = x0i - x2i;
            float a13r = x1r + x3r, a13i = x1i + x3i, d13r = x1r - x3r, d13i = x1i - x3i;
            float yr, yi;
            p0[0] = a02r + a13r;
            p0[1] = a02i + a13i;
            /* multiply by W^m = cos - i sin */
            yr = a02r - a13r;
            yi = a02i - a13i;
            p1[0] = yr * c2 + yi * s2;
            p1[1] = yi * c2 - yr * s2;
            yr = d02r + d13i;
            yi = d02i - d13r;
            p2[0] = yr * c1 + yi * s1;
            p2[1] = yi * c1 - yr * s1;
            yr = d02r - d13i;
            yi = d02i + d13r;
            p3[0] = yr * c3 + yi * s3;
            p3[1] = yi * c3 - yr * s3;
        }
    }
}

/* Last radix-4 pass (L = 4): no twiddles. */
SF_NOINLINE static void radix4_last(float *x, uint32_t n)
{
    float *p = x, *end = x + 2u * n;
    for (; p < end; p += 8) {
        float x0r = p[0], x0i = p[1], x1r = p[2], x1i = p[3];
        float x2r = p[4], x2i = p[5], x3r = p[6], x3i = p[7];
        float a02r = x0r + x2r, a02i = x0i + x2i, d02r = x0r - x2r, d02i = x0i - x2i;
        float a13r = x1r + x3r, a13i = x1i + x3i, d13r = x1r - x3r, d13i = x1i - x3i;
        p[0] = a02r + a13r;
        p[1] = a02i + a13i;
        p[2] = a02r - a13r;
        p[3] = a02i - a13i;
        p[4] = d02r + d13i;
        p[5] = d02i - d13r;
        p[6] = d02r - d13i;
        p[7] = d02i + d13r;
    }
}

/* The last two passes for L = 16 then L = 4 fused: each 16-point group is loaded once. The
 * L = 16 twiddles are the constants W_16^k. */
static inline void bf4(float *v, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    float x0r = v[2u * a], x0i = v[2u * a + 1u], x1r = v[2u * b], x1i = v[2u * b + 1u];
    float x2r = v[2u * c], x2i = v[2u * c + 1u], x3r = v[2u * d], x3i = v[2u * d + 1u];
    float a02r = x0r + x2r, a02i = x0i + x2i, d02r = x0r - x2r, d02i = x0i - x2i;
    float a13r = x1r + x3r, a13i = x1i + x3i, d13r = x1r - x3r, d13i = x1i - x3i;
    v[2u * a] = a02r + a13r;
    v[2u * a + 1u] = a02i + a13i;
    v[2u * b] = a02r - a13r;
    v[2u * b + 1u] = a02i - a13i;
    v[2u * c] = d02r + d13i;
    v[2u * c + 1u] = d02i - d13r;
    v[2u * d] = d02r - d13i;
    v[2u * d + 1u] = d02i + d13r;
}

static inline void twiddle_mul(float *v, uint32_t i, float c, float s)
{
    float re = v[2u * i], im = v[2u * i + 1u];
    v[2u * i] = re * c + im * s;
    v[2u * i + 1u] = im * c - re * s;
}

SF_NOINLINE static void radix16_last(float *x, uint32_t n)
{
    const float c1 = 0.923879533f, s1 = 0.382683432f, r2 = 0.707106781f;
    float *p = x, *end = x + 2u * n;
    for (; p < end; p += 32) {
        /* L = 16 pass: butterflies on (j, j+4, j+8, j+12), then twiddles W^j, W^2j, W^3j on
         * outputs 1, 2, 3 of butterfly j (outputs at j+4, j+8, j+12) */
        bf4(p, 0, 4, 8, 12);
        bf4(p, 1, 5, 9, 13);
        bf4(p, 2, 6, 10, 14);
        bf4(p, 3, 7, 11, 15);
        /* bf4 leaves a02+a13 at 0, (a02-a13) at 1 [W^2j], (d02 - i d13) at 2 [W^j], (d02 + i d13) at 3 [W^3j] */
        twiddle_mul(p, 5, r2, r2);    /* j=1: W^2 */
        twiddle_mul(p, 9, c1, s1);    /* j=1: W^1 */
        twiddle_mul(p, 13, s1, c1);   /* j=1: W^3 */
        twiddle_mul(p, 6, 0.0f, 1.0f); /* j=2: W^4 = -i */
        twiddle_mul(p, 10, r2, r2);   /* j=2: W^2 */
        twiddle_mul(p, 14, -r2, r2);  /* j=2: W^6 */
        twiddle_mul(p, 7, -r2, r2);   /* j=3: W^6 */
        twiddle_mul(p, 11, s1, c1);   /* j=3: W^3 */
        twiddle_mul(p, 15, -c1, -s1); /* j=3: W^9 */
        /* L = 4 pass */
        bf4(p, 0, 1, 2, 3);
        bf4(p, 4, 5, 6, 7);
        bf4(p, 8, 9, 10, 11);
        bf4(p, 12, 13, 14, 15);
    }
}

/* The last two passes for L = 8 then L = 2 fused (constant twiddles W_8^k). */
static inline void bf2(float *v, uint32_t a, uint32_t b)
{
    float ar = v[2u * a], ai = v[2u * a + 1u], br = v[2u * b], bi = v[2u * b + 1u];
    v[2u * a] = ar + br;
    v[2u * a + 1u] = ai + bi;
    v[2u * b] = ar - br;
    v[2u * b + 1u] = ai - bi;
}

SF_NOINLINE static void radix8_last(float *x, uint32_t n)
{
    const float r2 = 0.707106781f;
    float *p = x, *end = x + 2u * n;
    for (; p < end; p += 16) {
        bf4(p, 0, 2, 4, 6);
        bf4(p, 1, 3, 5, 7);
        twiddle_mul(p, 3, 0.0f, 1.0f); /* j=1: W^2 = -i */
        twiddle_mul(p, 5, r2, r2);     /* j=1: W^1 */
        twiddle_mul(p, 7, -r2, r2);    /* j=1: W^3 */
        bf2(p, 0, 1);
        bf2(p, 2, 3);
        bf2(p, 4, 5);
        bf2(p, 6, 7);
    }
}

/* Last radix-2 pass (L = 2): no twiddles. */
SF_NOINLINE static void radix2_last(float *x, uint32_t n)
{
    float *p = x, *end = x + 2u * n;
    for (; p < end; p += 4) {
        float ar = p[0], ai = p[1], br = p[2], bi = p[3];
        p[0] = ar + br;
        p[1] = ai + bi;
        p[2] = ar - br;
        p[3] = ai - bi;
    }
}

/* The passes of the DIF FFT from group length L (twiddle step ts) down. */
static void dif_from(float *buf, uint32_t n, uint32_t L, uint32_t ts, const float *twiddle)
{
    while (L >= 8u) {
        if (L == 16u) {
            radix16_last(buf, n);
            return;
        }
        if (L == 8u) {
            radix8_last(buf, n);
            return;
        }
        radix4_pass(buf, n, L / 4u, twiddle, ts);
        L /= 4u;
        ts *= 4u;
    }
    if (L == 4u) {
        radix4_last(buf, n);
    } else if (L == 2u) {
        radix2_last(buf, n);
    }
}

void sf_cfft_dif_f32(const sf_cfft_inst_f32 *S, float *buf)
{
    dif_from(buf, S->n, S->n, S->tw_stride, S->twiddle);
}

void sf_cfft_f32(const sf_cfft_inst_f32 *S, float *buf, float *dst)
{
    uint32_t k, n = S->n;
    sf_cfft_dif_f32(S, buf);
    for (k = 0; k < n; k++) {
        uint32_t r = S->bitrev[k];
        dst[2u * k] = buf[2u * r];
        dst[2u * k + 1u] = buf[2u * r + 1u];
    }
}

void sf_rfft_init_f32(sf_rfft_inst_f32 *S, uint16_t n, const float *twiddle, const uint16_t *bitrev)
{
    S->n = n;
    S->twiddle = twiddle;
    S->cfft.n = (uint16_t)(n / 2u);
    S->cfft.tw_stride = 2;
    S->cfft.twiddle = twiddle;
    S->cfft.bitrev = bitrev;
}

void sf_rfft_process_f32(const sf_rfft_inst_f32 *S, float *src, float *dst)
{
    uint32_t m = S->cfft.n, k;
    const uint16_t *rev = S->cfft.bitrev;
    const float *tw = S->twiddle;
    float z0r, z0i;

    sf_cfft_dif_f32(&S->cfft, src);
    z0r = src[0];
    z0i = src[1];
    dst[0] = z0r + z0i;
    dst[1] = z0r - z0i;
    for (k = 1; 2u * k < m; k++) {
        const float *a = src + 2u * rev[k];
        const float *b = src + 2u * rev[m - k];
        float c = tw[2u * k], s = tw[2u * k + 1u];
        float ar = a[0], ai = a[1], br = b[0], bi = b[1];
        float er = 0.5f * (ar + br), ei = 0.5f * (ai - bi);
        float or_ = 0.5f * (ai + bi), oi = -0.5f * (ar - br);
        /* t = W_n^k * odd, W = cos - i sin */
        float tr = c * or_ + s * oi, ti = c * oi - s * or_;
        dst[2u * k] = er + tr;
        dst[2u * k + 1u] = ei + ti;
        dst[2u * (m - k)] = er - tr;
        dst[2u * (m - k) + 1u] = ti - ei;
    }
    if (m >= 2u) {
        /* k = m/2: W = -i, X = conj(Z[m/2]) */
        const float *a = src + 2u * rev[m / 2u];
        dst[m] = a[0];
        dst[m + 1u] = -a[1];
    }
}

void sf_dft_power_f32(const float *x, uint32_t n, const float *twiddle, float *power)
{
    uint32_t k, t, nb = n / 2u + 1u;
    for (k = 0; k < nb; k++) {
        float re = 0.0f, im = 0.0f;
        uint32_t idx = 0;
        for (t = 0; t < n; t++) {
            re += x[t] * twiddle[2u * idx];
            im -= x[t] * twiddle[2u * idx + 1u];
            idx += k;
            if (idx >= n) idx -= n;
        }
        power[k] = re * re + im * im;
    }
}

/* First radix-4 pass of the real FFT S (S->cfft.n = n complex points), reading the real
 * samples src[t * stride] * window[t] (t = 2m: real part, t = 2m + 1: imaginary part) into x.
 * Pointers step through the four quarters so few values are live at once (small frame). */
SF_NOINLINE static void radix4_first_windowed(const sf_rfft_inst_f32 *S, const float *src, uint32_t stride,
                                              const float *w, float *x)
{
    uint32_t j, n = S->cfft.n, q = n / 4u, ts = S->cfft.tw_stride;
    uint32_t xq = 2u * q, sq = xq * stride; /* floats between quarters in x / w and in src */
    const float *tw = S->twiddle;
    for (j = 0; j < q; j++, src += 2u * stride, w += 2u, x += 2u) {
        const float *t1 = tw + 2u * (j * ts);
        const float *t2 = tw + 2u * (2u * j * ts);
        float x0r = src[0] * w[0], x0i = src[stride] * w[1];
        float x2r = src[2u * sq] * w[2u * xq], x2i = src[2u * sq + stride] * w[2u * xq + 1u];
        float a02r = x0r + x2r, a02i = x0i + x2i, d02r = x0r - x2r, d02i = x0i - x2i;
        float x1r = src[sq] * w[xq], x1i = src[sq + stride] * w[xq + 1u];
        float x3r = src[3u * sq] * w[3u * xq], x3i = src[3u * sq + stride] * w[3u * xq + 1u];
        float a13r = x1r + x3r, a13i = x1i + x3i, d13r = x1r - x3r, d13i = x1i - x3i;
        float c1 = t1[0], s1 = t1[1], c2 = t2[0], s2 = t2[1], yr, yi;
        float c3 = c1 * c2 - s1 * s2, s3 = s1 * c2 + c1 * s2; /* W^3j = W^j W^2j */
        x[0] = a02r + a13r;
        x[1] = a02i + a13i;
        yr = a02r - a13r;
        yi = a02i - a13i;
        x[xq] = yr * c2 + yi * s2;
        x[xq + 1u] = yi * c2 - yr * s2;
        yr = d02r + d13i;
        yi = d02i - d13r;
        x[2u * xq] = yr * c1 + yi * s1;
        x[2u * xq + 1u] = yi * c1 - yr * s1;
        yr = d02r - d13i;
        yi = d02i + d13r;
        x[3u * xq] = yr * c3 + yi * s3;
        x[3u * xq + 1u] = yi * c3 - yr * s3;
    }
}

/* Split step writing |X[k]|^2 directly. */
static void split_power(const sf_rfft_inst_f32 *S, const float *z, float *power)
{
    uint32_t m = S->cfft.n, k;
    const uint16_t *rev = S->cfft.bitrev;
    const float *tw = S->twiddle;
    float z0r = z[0], z0i = z[1], dc = z0r + z0i, ny = z0r - z0i;
    power[0] = dc * dc;
    power[m] = ny * ny;
    for (k = 1; 2u * k < m; k++) {
        const float *a = z + 2u * rev[k];
        const float *b = z + 2u * rev[m - k];
        float c = tw[2u * k], s = tw[2u * k + 1u];
        float ar = a[0], ai = a[1], br = b[0], bi = b[1];
        /* twice the even / odd parts; the factor 4 comes out of the squares */
        float er = ar + br, ei = ai - bi, or_ = ai + bi, oi = br - ar;
        float tr = c * or_ + s * oi, ti = c * oi - s * or_;
        float pr = er + tr, pi = ei + ti, qr = er - tr, qi = ti - ei;
        power[k] = 0.25f * (pr * pr + pi * pi);
        power[m - k] = 0.25f * (qr * qr + qi * qi);
    }
    if (m >= 2u) {
        const float *a = z + 2u * rev[m / 2u];
        power[m / 2u] = a[0] * a[0] + a[1] * a[1];
    }
}

void sf_rfft_power_process_f32(const sf_rfft_inst_f32 *S, float *buf, float *power)
{
    sf_cfft_dif_f32(&S->cfft, buf);
    split_power(S, buf, power);
}

/* buf = the complex FFT (bit-reversed, as sf_cfft_dif_f32 leaves it) of src[i * stride] * window[i],
 * the window applied inside the first radix-4 pass when the size allows */
static void windowed_transform(const sf_rfft_inst_f32 *S, const float *src, uint32_t stride, const float *window,
                               float *buf)
{
    uint32_t m = S->cfft.n, i;
    if (m >= 8u) {
        radix4_first_windowed(S, src, stride, window, buf);
        dif_from(buf, m, m / 4u, S->cfft.tw_stride * 4u, S->twiddle);
    } else {
        for (i = 0; i < S->n; i++) buf[i] = src[i * stride] * window[i];
        sf_cfft_dif_f32(&S->cfft, buf);
    }
}

void sf_rfft_power_windowed_f32(const sf_rfft_inst_f32 *S, const float *src, uint32_t stride, const float *window,
                                float *buf, float *power)
{
    windowed_transform(S, src, stride, window, buf);
    split_power(S, buf, power);
}

/* acc->dst[slot of bin k] += |X[k]|^2 or |X[k]| (see sf_fft_accum_f32) */
static inline void accumulate_bin(const sf_fft_accum_f32 *acc, uint32_t k, float power)
{
    uint32_t j = acc->slot ? acc->slot[k] : k;
    if (j != SF_FFT_NO_SLOT) acc->dst[j] += acc->magnitude ? sqrtf(power) : power;
}

/* split_power's spectrum added to acc instead of stored (out of line, like the FFT passes, so
 * the callers' stack frames stay small: the deepest path is one pass, not all of them). */
SF_NOINLINE static void split_accumulate(const sf_rfft_inst_f32 *S, const float *z, const sf_fft_accum_f32 *acc)
{
    uint32_t m = S->cfft.n, k;
    const uint16_t *rev = S->cfft.bitrev;
    const float *tw = S->twiddle;
    float z0r = z[0], z0i = z[1], dc = z0r + z0i, ny = z0r - z0i;
    accumulate_bin(acc, 0u, dc * dc);
    for (k = 1; 2u * k < m; k++) {
        const float *a = z + 2u * rev[k];
        const float *b = z + 2u * rev[m - k];
        float c = tw[2u * k], s = tw[2u * k + 1u];
        float ar = a[0], ai = a[1], br = b[0], bi = b[1];
        float er = ar + br, ei = ai - bi, or_ = ai + bi, oi = br - ar;
        float tr = c * or_ + s * oi, ti = c * oi - s * or_;
        float pr = er + tr, pi = ei + ti, qr = er - tr, qi = ti - ei;
        accumulate_bin(acc, k, 0.25f * (pr * pr + pi * pi));
        accumulate_bin(acc, m - k, 0.25f * (qr * qr + qi * qi));
    }
    if (m >= 2u) {
        const float *a = z + 2u * rev[m / 2u];
        accumulate_bin(acc, m / 2u, a[0] * a[0] + a[1] * a[1]);
    }
    accumulate_bin(acc, m, ny * ny);
}

void sf_rfft_power_accumulate_windowed_f32(const sf_rfft_inst_f32 *S, const float *src, uint32_t stride,
                                           const float *window, float *buf, const sf_fft_accum_f32 *acc)
{
    windowed_transform(S, src, stride, window, buf);
    split_accumulate(S, buf, acc);
}

void sf_dft_power_accumulate_f32(const float *x, uint32_t n, const float *twiddle, const sf_fft_accum_f32 *acc)
{
    uint32_t k, t, nb = n / 2u + 1u;
    for (k = 0; k < nb; k++) {
        float re = 0.0f, im = 0.0f;
        uint32_t idx = 0;
        for (t = 0; t < n; t++) {
            re += x[t] * twiddle[2u * idx];
            im -= x[t] * twiddle[2u * idx + 1u];
            idx += k;
            if (idx >= n) idx -= n;
        }
        accumulate_bin(acc, k, re * re + im * im);
    }
}
