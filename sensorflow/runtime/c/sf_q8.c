#include "sf_q8.h"

#include <string.h>

/* An int32 that orders like the float32 *v (as sf_tree_key). */
static int32_t key(const float *v)
{
    int32_t b;
    memcpy(&b, v, sizeof b);
    return b ^ (int32_t)((uint32_t)(b >> 31) >> 1);
}

void sf_q8_quantize(const float *x, const int32_t *bound_keys, int8_t *q, uint32_t n)
{
    uint32_t i, step, pos;
    for (i = 0; i < n; i++) {
        int32_t k = key(&x[i]);
        pos = 0u;
        for (step = 128u; step > 0u; step >>= 1) { /* binary search: pos = #(bounds <= k) */
            if (bound_keys[pos + step - 1u] <= k) {
                pos += step;
            }
        }
        q[i] = (int8_t)((int32_t)pos - 128);
    }
}

/* gemmlowp SaturatingRoundingDoublingHighMul: round(a * b / 2^31), saturating the one overflow. */
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

#if defined(SF_Q8_USE_DSP) && defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>
/* Cortex-M4/M7 (opt-in): two int8 pairs per SMLAD after SXTB16 sign-extends them to int16. */
static int32_t dot(const int8_t *x, const int8_t *w, uint32_t n)
{
    int32_t acc = 0;
    uint32_t i = 0;
    for (; i + 4u <= n; i += 4u) {
        uint32_t xa, wa;
        memcpy(&xa, &x[i], 4);
        memcpy(&wa, &w[i], 4);
        acc = __smlad(__sxtb16(xa), __sxtb16(wa), (uint32_t)acc);
        acc = __smlad(__sxtb16(__ror(xa, 8)), __sxtb16(__ror(wa, 8)), (uint32_t)acc);
    }
    for (; i < n; i++) {
        acc += (int32_t)x[i] * (int32_t)w[i];
    }
    return acc;
}
#else
/* Portable C (RV32, Xtensa, Cortex-M0+; GCC maps the multiply-add to SMLABB/MLA on Cortex-M). */
static int32_t dot(const int8_t *x, const int8_t *w, uint32_t n)
{
    int32_t acc = 0;
    uint32_t i;
    for (i = 0; i < n; i++) {
        acc += (int32_t)x[i] * (int32_t)w[i];
    }
    return acc;
}
#endif

void sf_q8_dense(const int8_t *x, const sf_q8_layer *layer, int8_t *y)
{
    uint32_t j, n_in = layer->n_in;
    for (j = 0; j < layer->n_out; j++) {
        y[j] = finish(layer->bias[j] + dot(x, &layer->w[j * n_in], n_in), layer, j);
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
