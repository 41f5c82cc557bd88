#include "sf_q8.h"

#include <string.h>

#define SF_Q8_BIG 1024 /* saturates whatever the zero point */

void sf_q8_quantize(const float *x, int32_t mult, int shift, int zp, int8_t *q, uint32_t n)
{
    uint32_t i;
    for (i = 0; i < n; i++) {
        uint32_t b, e, m;
        int32_t r;
        memcpy(&b, &x[i], sizeof b);
        e = (b >> 23) & 0xFFu;
        m = b & 0x7FFFFFu;
        if (e == 0xFFu) {
            r = SF_Q8_BIG; /* inf and NaN saturate by their sign */
        } else {
            int sh;
            if (e != 0u) {
                m |= 0x800000u;
            } else {
                e = 1u; /* subnormal */
            }
            /* |x| / scale = m * mult * 2^-sh; m * mult < 2^55 and, for a normal x, >= 2^53 */
            sh = 181 - (int)e - shift;
            if (m == 0u || sh >= 57) {
                r = 0; /* below half a step */
            } else if (sh <= 32) {
                r = SF_Q8_BIG; /* >= 2^21 steps */
            } else {
                /* round half away from zero on the high word: (P + 2^(sh-1)) >> sh, exact */
                uint32_t hi = (uint32_t)(((uint64_t)m * (uint32_t)mult) >> 32);
                hi = (hi + (1u << (sh - 33))) >> (sh - 32);
                r = hi > (uint32_t)SF_Q8_BIG ? SF_Q8_BIG : (int32_t)hi;
            }
        }
        r = ((b >> 31) != 0u ? -r : r) + zp;
        q[i] = (int8_t)(r < -128 ? -128 : (r > 127 ? 127 : r));
    }
}

/* gemmlowp SaturatingRoundingDoublingHighMul: a * b / 2^31 to nearest (ties toward +inf),
 * saturating the one overflow. */
static int32_t srdhm(int32_t a, int32_t b)
{
    int64_t ab = (int64_t)a * (int64_t)b;
    int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* gemmlowp RoundingDivideByPOT: x / 2^e to nearest, ties away from zero (arithmetic >> of a
 * negative int32: what GCC and Clang define it to be). */
static int32_t rdbpot(int32_t x, int e)
{
    int32_t mask = (int32_t)(((int64_t)1 << e) - 1);
    int32_t rem = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> e) + (rem > threshold ? 1 : 0);
}

int32_t sf_q8_requantize(int32_t acc, int32_t mult, int shift)
{
    int32_t x = acc;
    if (shift > 0) {
        int64_t t = (int64_t)acc * ((int64_t)1 << shift);
        x = t > INT32_MAX ? INT32_MAX : (t < INT32_MIN ? INT32_MIN : (int32_t)t);
    }
    return rdbpot(srdhm(x, mult), shift > 0 ? 0 : -shift);
}

static int8_t finish(int32_t acc, const sf_q8_layer *L, uint32_t j)
{
    int32_t v = sf_q8_requantize(acc, L->mult[j], L->shift[j]) + L->zp;
    v = v < L->lo ? L->lo : (v > 127 ? 127 : v);
    return L->lut != 0 ? L->lut[v + 128] : (int8_t)v;
}

#if defined(__ARM_FEATURE_DSP) && !defined(SF_Q8_PORTABLE)
#include <arm_acle.h>
/* Cortex-M4/M7/M33 with the DSP extension: SXTB16 sign-extends bytes 0, 2 (and, rotated, 1, 3)
 * of four int8 to two int16 lanes; SMLAD multiplies both lane pairs and adds them to the sum:
 * two multiply-accumulates per instruction. Same sums as the portable loop (exact int32).
 * -DSF_Q8_PORTABLE forces the portable C. */
#define SF_Q8_SIMD 1
static uint32_t load4(const int8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4); /* one LDR: Cortex-M4 loads unaligned words */
    return v;
}

static uint32_t ror8(uint32_t v)
{
    return (v >> 8) | (v << 24); /* one ROR (GCC 12's arm_acle.h has no __ror) */
}

static int32_t mac4(int32_t acc, uint32_t x02, uint32_t x13, uint32_t w)
{
    acc = (int32_t)__smlad(x02, __sxtb16(w), (uint32_t)acc);
    return (int32_t)__smlad(x13, __sxtb16(ror8(w)), (uint32_t)acc);
}
#endif

/* Four outputs per pass: each input load serves four weight rows (as sf_dense_f32). */
void sf_q8_dense(const int8_t *x, const sf_q8_layer *layer, int8_t *y)
{
    uint32_t i, j = 0, n_in = layer->n_in, n_out = layer->n_out;
    for (; j + 4u <= n_out; j += 4u) {
        const int8_t *w0 = &layer->w[j * n_in], *w1 = w0 + n_in, *w2 = w1 + n_in, *w3 = w2 + n_in;
        int32_t a0 = layer->bias[j], a1 = layer->bias[j + 1u], a2 = layer->bias[j + 2u], a3 = layer->bias[j + 3u];
        i = 0;
#ifdef SF_Q8_SIMD
        for (; i + 4u <= n_in; i += 4u) {
            uint32_t xv = load4(&x[i]), x02 = __sxtb16(xv), x13 = __sxtb16(ror8(xv));
            a0 = mac4(a0, x02, x13, load4(&w0[i]));
            a1 = mac4(a1, x02, x13, load4(&w1[i]));
            a2 = mac4(a2, x02, x13, load4(&w2[i]));
            a3 = mac4(a3, x02, x13, load4(&w3[i]));
        }
#endif
        for (; i < n_in; i++) {
            int32_t u = x[i];
            a0 += u * w0[i];
            a1 += u * w1[i];
            a2 += u * w2[i];
            a3 += u * w3[i];
        }
        y[j] = finish(a0, layer, j);
        y[j + 1u] = finish(a1, layer, j + 1u);
        y[j + 2u] = finish(a2, layer, j + 2u);
        y[j + 3u] = finish(a3, layer, j + 3u);
    }
    for (; j < n_out; j++) {
        const int8_t *w = &layer->w[j * n_in];
        int32_t a = layer->bias[j];
        i = 0;
#ifdef SF_Q8_SIMD
        for (; i + 4u <= n_in; i += 4u) {
            uint32_t xv = load4(&x[i]);
            a = mac4(a, __sxtb16(xv), __sxtb16(ror8(xv)), load4(&w[i]));
        }
#endif
        for (; i < n_in; i++) {
            a += (int32_t)x[i] * w[i];
        }
        y[j] = finish(a, layer, j);
    }
}

void sf_q8_conv1d(const int8_t *x, uint32_t steps, uint32_t c_in, uint32_t kernel, uint32_t stride,
                  const sf_q8_layer *layer, int8_t *y)
{
    uint32_t t, n_t = (steps - kernel) / stride + 1u;
    for (t = 0; t < n_t; t++) {
        sf_q8_dense(&x[t * stride * c_in], layer, &y[t * layer->n_out]);
    }
}

void sf_q8_centre_bias(const int8_t *x, uint32_t steps, uint32_t c_in, const sf_q8_layer *layer, const int32_t *bias,
                       int32_t mult, int shift, int32_t *totals, int32_t *out)
{
    uint32_t t, c, f, i;
    for (c = 0; c < c_in; c++) {
        int32_t total = 0;
        for (t = 0; t < steps; t++) {
            total += x[t * c_in + c];
        }
        totals[c] = total;
    }
    for (f = 0; f < layer->n_out; f++) {
        const int8_t *w = &layer->w[f * layer->n_in];
        int32_t acc = 0;
        for (i = 0; i < layer->n_in; i += c_in) { /* each tap */
            for (c = 0; c < c_in; c++) {
                acc += (int32_t)w[i + c] * totals[c];
            }
        }
        out[f] = bias[f] - sf_q8_requantize(acc, mult, shift);
    }
}

void sf_q8_maxpool(const int8_t *x, uint32_t steps, uint32_t n_c, int8_t *y)
{
    uint32_t t, c;
    for (c = 0; c < n_c; c++) {
        y[c] = x[c];
    }
    for (t = 1; t < steps; t++) {
        for (c = 0; c < n_c; c++) {
            y[c] = x[t * n_c + c] > y[c] ? x[t * n_c + c] : y[c];
        }
    }
}

int sf_q8_argmax(const int8_t *z, uint32_t n, int8_t zp)
{
    uint32_t i;
    int best = 0;
    if (n == 1u) {
        return z[0] > zp ? 1 : 0;
    }
    for (i = 1; i < n; i++) {
        if (z[i] > z[best]) {
            best = (int)i;
        }
    }
    return best;
}

void sf_q8_scores(const int8_t *z, uint32_t n, const float *table, float *scores)
{
    uint32_t c;
    if (n == 1u) {
        scores[1] = table[z[0] + 128];
        scores[0] = 1.0f - scores[1];
    } else {
        int32_t top = z[sf_q8_argmax(z, n, 0)];
        float sum = 0.0f;
        for (c = 0; c < n; c++) {
            scores[c] = table[top - z[c]];
            sum += scores[c];
        }
        for (c = 0; c < n; c++) {
            scores[c] /= sum;
        }
    }
}
