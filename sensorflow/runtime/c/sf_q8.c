#include "sf_q8.h"

#include <string.h>

#define SF_Q8_BIG 1024 /* saturates whatever the zero point */

#if defined(__ARM_FEATURE_SAT) && !defined(SF_Q8_PORTABLE)
#include <arm_acle.h>
#endif

/* clamp to [-128, 127]: one SSAT where the core has it (Armv7-M and up) */
static int32_t sat8(int32_t v)
{
#if defined(__ARM_FEATURE_SAT) && !defined(SF_Q8_PORTABLE)
    return __ssat(v, 8);
#else
    return v < -128 ? -128 : (v > 127 ? 127 : v);
#endif
}

/* The rare codes of sf_q8_quantize: inf/NaN, zero and subnormals, far below or above the range. */
static int32_t quantize_slow(uint32_t b, int32_t mult, int shift)
{
    uint32_t e = (b >> 23) & 0xFFu, m = b & 0x7FFFFFu;
    int sh;
    if (e == 0xFFu) {
        return SF_Q8_BIG; /* inf and NaN saturate by their sign */
    }
    if (e != 0u) {
        m |= 0x800000u;
    } else {
        e = 1u; /* subnormal */
    }
    /* |x| / scale = m * mult * 2^-sh; m * mult < 2^55 and, for a normal x, >= 2^53 */
    sh = 181 - (int)e - shift;
    if (m == 0u || sh >= 57) {
        return 0; /* below half a step */
    }
    if (sh <= 32) {
        return SF_Q8_BIG; /* >= 2^21 steps */
    }
    {
        uint32_t hi = (uint32_t)(((uint64_t)m * (uint32_t)mult) >> 32);
        return (int32_t)((hi + (1u << (sh - 33))) >> (sh - 32));
    }
}

void sf_q8_quantize(const float *x, int32_t mult, int shift, int zp, int8_t *q, uint32_t n)
{
    uint32_t i;
    int base;
#if defined(__GNUC__)
    x = (const float *)__builtin_assume_aligned(x, 4); /* else GCC copies byte by byte on RISC-V */
#endif
    base = 181 - shift;
    for (i = 0; i < n; i++) {
        uint32_t b;
        int32_t r, sign;
        int sh;
        memcpy(&b, &x[i], sizeof b); /* one load: x is a float array, so word aligned */
        sh = base - (int)((b >> 23) & 0xFFu);
        if ((uint32_t)(sh - 33) < 24u) {
            /* a normal x in range (33 <= sh <= 56): round half away from zero on the high word,
             * (P + 2^(sh-1)) >> sh, exact; hi < 2^23, so r < 2^22 and the clamp below saturates */
            uint32_t hi = (uint32_t)(((uint64_t)((b & 0x7FFFFFu) | 0x800000u) * (uint32_t)mult) >> 32);
            r = (int32_t)((hi + (1u << (sh - 33))) >> (sh - 32));
        } else {
            r = quantize_slow(b, mult, shift);
        }
        sign = -(int32_t)(b >> 31); /* 0 or -1 */
        q[i] = (int8_t)sat8(((r ^ sign) - sign) + zp);
    }
}

/* gemmlowp SaturatingRoundingDoublingHighMul: a * b / 2^31 to nearest, ties toward +inf,
 * saturating the one overflow (a == b == INT32_MIN). gemmlowp writes it (ab + nudge) / 2^31 with a
 * sign-dependent nudge and a truncating division; for an integer ab that is floor((ab + 2^30) / 2^31),
 * one arithmetic shift of the 64-bit sum (SMLAL and two shifts on Cortex-M4, no division). */
static int32_t srdhm(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    return (int32_t)(((int64_t)a * (int64_t)b + ((int64_t)1 << 30)) >> 31);
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

#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int32_t requantize(int32_t acc, int32_t mult, int shift)
{
    int32_t x = acc;
    if (shift > 0) {
        int64_t t = (int64_t)acc * ((int64_t)1 << shift);
        x = t > INT32_MAX ? INT32_MAX : (t < INT32_MIN ? INT32_MIN : (int32_t)t);
    }
    return rdbpot(srdhm(x, mult), shift > 0 ? 0 : -shift);
}

int32_t sf_q8_requantize(int32_t acc, int32_t mult, int shift)
{
    return requantize(acc, mult, shift);
}

/* requantize() out of line: the rare cases of the short paths (one copy of the code) */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static int32_t requantize_slow(int32_t acc, int32_t mult, int shift)
{
    return requantize(acc, mult, shift);
}

/* x fits the short path: |x| < 2^29 (then |srdhm(x, mult)| < 2^29 for any int32 mult) */
#define SF_Q8_SHORT(x) ((uint32_t)(x) + 0x20000000u < 0x40000000u)

/* The common case of requantize(), shift in [-30, 0] and |x| < 2^29, has a short exact form:
 * h = srdhm(x, mult) (no INT32_MIN operand there) and RoundingDivideByPOT(h, e) (round half away
 * from zero of h / 2^e) as that of 2h / 2^(e + 1): (2h + 2^e - (h < 0)) >> (e + 1), one formula for
 * every e >= 0 (rem > threshold <=> rem + 2^e - (h < 0) >= 2^(e + 1) for the even 2h; |2h| + 2^e <
 * 2^31, so no overflow). Anything else goes through requantize(). Same integers everywhere. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline void requantize2(int32_t xa, int32_t xb, int32_t mult, int shift, int32_t *ra, int32_t *rb)
{
    uint32_t e = (uint32_t)(-shift);
    if (e <= 30u && SF_Q8_SHORT(xa) && SF_Q8_SHORT(xb)) { /* 2^e and e + 1 once for both */
        int32_t rnd = (int32_t)(1u << e);
        int32_t ha = (int32_t)(((int64_t)xa * mult + ((int64_t)1 << 30)) >> 31);
        int32_t hb = (int32_t)(((int64_t)xb * mult + ((int64_t)1 << 30)) >> 31);
        *ra = (2 * ha + rnd + (ha >> 31)) >> (e + 1u);
        *rb = (2 * hb + rnd + (hb >> 31)) >> (e + 1u);
    } else {
        *ra = requantize_slow(xa, mult, shift);
        *rb = requantize_slow(xb, mult, shift);
    }
}

/* the code of a requantised value: clamp(v + zp, lo, 127), then the table if any */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int8_t out_code(int32_t v, int32_t zp, int32_t lo, const int8_t *lut)
{
    v = sat8(v + zp);
    v = v < lo ? lo : v;
    return lut != 0 ? lut[v + 128] : (int8_t)v;
}

/* requantize() of one accumulator, through the short path when it applies */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int32_t requantize1(int32_t x, int32_t mult, int shift)
{
    uint32_t e = (uint32_t)(-shift);
    if (e <= 30u && SF_Q8_SHORT(x)) {
        int32_t h = (int32_t)(((int64_t)x * mult + ((int64_t)1 << 30)) >> 31);
        return (2 * h + (int32_t)(1u << e) + (h >> 31)) >> (e + 1u);
    }
    return requantize_slow(x, mult, shift);
}

/* y[k] = clamp(zp + requantize(acc[k]), lo, 127) (then the table) for the n channels from j: the
 * kernels call this once per 2 or 4 outputs, so the requantisation is one copy of code and one call
 * per group. The layer's fields are read once into locals: the int8 stores may alias anything. */
static void finish_n(const int32_t *acc, const sf_q8_layer *L, uint32_t j, uint32_t n, int8_t *y)
{
    const int32_t *mult = &L->mult[j];
    const int8_t *shift = &L->shift[j], *lut = L->lut;
    int32_t zp = L->zp, lo = L->lo;
    uint32_t k;
    for (k = 0; k < n; k++) {
        y[k] = out_code(requantize1(acc[k], mult[k], shift[k]), zp, lo, lut);
    }
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

/* SXTB16 of the word rotated by 8 (bytes 1 and 3): one instruction. GCC 12 does not fold the
 * rotation into SXTB16's own ROR operand, so it is written as inline assembly with GCC/Clang. */
static uint32_t sxtb16_ror8(uint32_t v)
{
#if defined(__GNUC__)
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
    return r;
#else
    return __sxtb16((v >> 8) | (v << 24));
#endif
}

static int32_t mac4(int32_t acc, uint32_t x02, uint32_t x13, uint32_t w)
{
    acc = (int32_t)__smlad(x02, __sxtb16(w), (uint32_t)acc);
    return (int32_t)__smlad(x13, sxtb16_ror8(w), (uint32_t)acc);
}
#endif

#if defined(SF_Q8_SIMD) && defined(__GNUC__) && defined(__thumb2__)
#define SF_Q8_ASM 1
/* One group of 4 inputs of the 1 x 4 dense block: the input word (px) sign-extended once into
 * lane pairs, then per row its weight word, 2 SXTB16 and 2 SMLAD; every pointer advances by 4. */
#define SF_Q8_ROW(wk, ak) \
    "ldr %[w], [%[" wk "]], #4\n\t" \
    "sxtb16 %[w13], %[w], ror #8\n\t" \
    "sxtb16 %[w], %[w]\n\t" \
    "smlad %[" ak "], %[x], %[w], %[" ak "]\n\t" \
    "smlad %[" ak "], %[x13], %[w13], %[" ak "]\n\t"
#define SF_Q8_GROUP4 \
    "ldr %[x], [%[px]], #4\n\t" \
    "sxtb16 %[x13], %[x], ror #8\n\t" \
    "sxtb16 %[x], %[x]\n\t" SF_Q8_ROW("w0", "a0") SF_Q8_ROW("w1", "a1") SF_Q8_ROW("w2", "a2") SF_Q8_ROW("w3", "a3")
#define SF_Q8_GROUP4_OPERANDS \
    : [px] "+r"(px), [w0] "+r"(w0), [w1] "+r"(w1), [w2] "+r"(w2), [w3] "+r"(w3), [a0] "+r"(acc[0]), \
      [a1] "+r"(acc[1]), [a2] "+r"(acc[2]), [a3] "+r"(acc[3]), [x] "=&r"(xv), [x13] "=&r"(x13), [w] "=&r"(w), \
      [w13] "=&r"(w13)

/* acc[k] += row k . x over `groups` >= 1 groups of 4 inputs, in assembly: GCC's allocation of the C
 * loop spills (about 31 instructions per 16 multiply-accumulates, here 24.5). The "memory" clobber:
 * the loads read the codes and weights, so no store may move across them. */
static void mac1x4(const int8_t *px, const int8_t *w0, uint32_t n, uint32_t groups, int32_t *acc)
{
    uint32_t xv, x13, w, w13;
    const int8_t *w1 = w0 + n, *w2 = w1 + n, *w3 = w2 + n, *end = px + 4u * groups;
    if ((groups & 1u) != 0u) {
        __asm__(SF_Q8_GROUP4 SF_Q8_GROUP4_OPERANDS : : "memory");
    }
    if (groups >= 2u) {
        __asm__("1:\n\t" SF_Q8_GROUP4 SF_Q8_GROUP4 "ldr %[w], %[end]\n\t"
                "cmp %[px], %[w]\n\t"
                "bne 1b\n\t" SF_Q8_GROUP4_OPERANDS
                : [end] "m"(end)
                : "cc", "memory");
    }
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
#ifdef SF_Q8_ASM
        if (n_in >= 4u) {
            int32_t acc[4];
            acc[0] = a0;
            acc[1] = a1;
            acc[2] = a2;
            acc[3] = a3;
            mac1x4(x, w0, n_in, n_in / 4u, acc);
            a0 = acc[0];
            a1 = acc[1];
            a2 = acc[2];
            a3 = acc[3];
            i = n_in & ~3u;
        }
#elif defined(SF_Q8_SIMD)
        for (; i + 4u <= n_in; i += 4u) {
            uint32_t xv = load4(&x[i]), x02 = __sxtb16(xv), x13 = sxtb16_ror8(xv);
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
        {
            int32_t acc[4];
            acc[0] = a0;
            acc[1] = a1;
            acc[2] = a2;
            acc[3] = a3;
            finish_n(acc, layer, j, 4u, &y[j]);
        }
    }
    for (; j < n_out; j++) {
        const int8_t *w = &layer->w[j * n_in];
        int32_t a = layer->bias[j];
        i = 0;
#ifdef SF_Q8_SIMD
        for (; i + 4u <= n_in; i += 4u) {
            uint32_t xv = load4(&x[i]);
            a = mac4(a, __sxtb16(xv), sxtb16_ror8(xv), load4(&w[i]));
        }
#endif
        for (; i < n_in; i++) {
            a += (int32_t)x[i] * w[i];
        }
        finish_n(&a, layer, j, 1u, &y[j]);
    }
}

/* Two output steps x two filters per pass (the register blocking of CMSIS-NN's s8 kernels,
 * written here for this layout): each weight and patch byte loaded serves two products. On a
 * Cortex-M4 (Thumb-2 with the DSP extension) each weight word, sign-extended once into two int16
 * lanes, serves both patches and each patch word both filters: 4 loads, 8 SXTB16 and 8 SMLAD per
 * 16 multiply-accumulates, no int16 copy of the patch (no scratch). Elsewhere plain C, 4 bytes per
 * pass (rv32imc: 30% fewer instructions than one step per pass). Not on Xtensa: on the lx106 (16
 * visible registers, bytes loaded unsigned then sign-extended) the C block measured no faster
 * (wake word network 765 k -> 761 k, gesture_cnn 1.46 M -> 1.49 M), so it keeps one step per pass
 * (sf_q8_dense). Same int32 sums everywhere. */
#if defined(SF_Q8_ASM) || !defined(__XTENSA__)
#define SF_Q8_PAIRS 1
#endif
#ifdef SF_Q8_ASM
/* One group of 4 bytes of the 2 x 2 block: patch words u (pa), v (pb), weight words of filter 1
 * (w0 + n) and filter 0 (w0), each sign-extended once into lane pairs (SXTB16, SXTB16 ROR #8),
 * 8 SMLAD; pa, pb, w0 advance by 4. */
#define SF_Q8_GROUP \
    "ldr %[u], [%[pa]], #4\n\t" \
    "ldr %[v], [%[pb]], #4\n\t" \
    "ldr %[w], [%[w0], %[n]]\n\t" \
    "sxtb16 %[u13], %[u], ror #8\n\t" \
    "sxtb16 %[u], %[u]\n\t" \
    "sxtb16 %[v13], %[v], ror #8\n\t" \
    "sxtb16 %[v], %[v]\n\t" \
    "sxtb16 %[w13], %[w], ror #8\n\t" \
    "sxtb16 %[w], %[w]\n\t" \
    "smlad %[a1], %[u], %[w], %[a1]\n\t" \
    "smlad %[b1], %[v], %[w], %[b1]\n\t" \
    "smlad %[a1], %[u13], %[w13], %[a1]\n\t" \
    "smlad %[b1], %[v13], %[w13], %[b1]\n\t" \
    "ldr %[w], [%[w0]], #4\n\t" \
    "sxtb16 %[w13], %[w], ror #8\n\t" \
    "sxtb16 %[w], %[w]\n\t" \
    "smlad %[a0], %[u], %[w], %[a0]\n\t" \
    "smlad %[b0], %[v], %[w], %[b0]\n\t" \
    "smlad %[a0], %[u13], %[w13], %[a0]\n\t" \
    "smlad %[b0], %[v13], %[w13], %[b0]\n\t"
#define SF_Q8_GROUP_OPERANDS \
    : [pa] "+r"(pa), [pb] "+r"(pb), [w0] "+r"(w0), [a0] "+r"(acc[0]), [a1] "+r"(acc[1]), [b0] "+r"(acc[2]), \
      [b1] "+r"(acc[3]), [u] "=&r"(u), [u13] "=&r"(u13), [v] "=&r"(v), [v13] "=&r"(v13), [w] "=&r"(w), \
      [w13] "=&r"(w13)

/* acc (a0, a1, b0, b1) += the 2 x 2 block over `groups` >= 1 groups of 4 bytes, written in assembly:
 * GCC's allocation of the C loop spills two registers per group (25 instructions per 16
 * multiply-accumulates, here 21.5: two groups per pass, the end pointer read from the stack);
 * "memory" as in mac1x4. */
static void mac2x2(const int8_t *pa, const int8_t *pb, const int8_t *w0, uint32_t n, uint32_t groups, int32_t *acc)
{
    uint32_t u, u13, v, v13, w, w13;
    const int8_t *end = pa + 4u * groups;
    if ((groups & 1u) != 0u) {
        __asm__(SF_Q8_GROUP SF_Q8_GROUP_OPERANDS : [n] "r"(n) : "memory");
    }
    if (groups >= 2u) {
        __asm__("1:\n\t" SF_Q8_GROUP SF_Q8_GROUP "ldr %[w], %[end]\n\t"
                "cmp %[pa], %[w]\n\t"
                "bne 1b\n\t" SF_Q8_GROUP_OPERANDS
                : [n] "r"(n), [end] "m"(end)
                : "cc", "memory");
    }
}
#endif

#ifdef SF_Q8_ASM
/* One group of 4 inputs of the 2 x 2 block on patches widened once to int16 lane pairs (sf_q8_widen:
 * per 4 bytes the words (x0, x2), (x1, x3)): one LDRD per patch instead of LDR + 2 SXTB16; the
 * weights as in SF_Q8_GROUP. 16 instructions per 16 multiply-accumulates (20 on int8 patches). */
#define SF_Q8_GROUP16 \
    "ldrd %[u], %[u13], [%[pa]], #8\n\t" \
    "ldrd %[v], %[v13], [%[pb]], #8\n\t" \
    "ldr %[w], [%[w0], %[n]]\n\t" \
    "sxtb16 %[w13], %[w], ror #8\n\t" \
    "sxtb16 %[w], %[w]\n\t" \
    "smlad %[a1], %[u], %[w], %[a1]\n\t" \
    "smlad %[b1], %[v], %[w], %[b1]\n\t" \
    "smlad %[a1], %[u13], %[w13], %[a1]\n\t" \
    "smlad %[b1], %[v13], %[w13], %[b1]\n\t" \
    "ldr %[w], [%[w0]], #4\n\t" \
    "sxtb16 %[w13], %[w], ror #8\n\t" \
    "sxtb16 %[w], %[w]\n\t" \
    "smlad %[a0], %[u], %[w], %[a0]\n\t" \
    "smlad %[b0], %[v], %[w], %[b0]\n\t" \
    "smlad %[a0], %[u13], %[w13], %[a0]\n\t" \
    "smlad %[b0], %[v13], %[w13], %[b0]\n\t"

/* mac2x2 on widened patches pa, pb (word aligned, 2 words per group of 4 inputs) */
static void mac2x2_16(const int32_t *pa, const int32_t *pb, const int8_t *w0, uint32_t n, uint32_t groups, int32_t *acc)
{
    uint32_t u, u13, v, v13, w, w13;
    const int32_t *end = pa + 2u * groups;
    if ((groups & 1u) != 0u) {
        __asm__(SF_Q8_GROUP16 SF_Q8_GROUP_OPERANDS : [n] "r"(n) : "memory");
    }
    if (groups >= 2u) {
        __asm__("1:\n\t" SF_Q8_GROUP16 SF_Q8_GROUP16 "ldr %[w], %[end]\n\t"
                "cmp %[pa], %[w]\n\t"
                "bne 1b\n\t" SF_Q8_GROUP_OPERANDS
                : [n] "r"(n), [end] "m"(end)
                : "cc", "memory");
    }
}

/* The accumulators of m channels (m even) at the widened patches pa, pb, all in one assembly
 * block: per filter pair the biases (LDRD), the 2 x 2 loop over n / 4 (even) groups, the four sums
 * stored to buf as (x_a, x_b) per channel; the loop state between filter pairs lives in memory
 * (the inner loop takes all 14 registers). In C around mac2x2_16, GCC spilled ~44 instructions
 * per filter pair; here ~20. */
static void block16(const int32_t *pa0, const int32_t *pb0, const int8_t *w0, const int32_t *bias, uint32_t n,
                    uint32_t m, int32_t *buf)
{
    const int32_t *pa, *pb, *end = pa0 + n / 2u;
    int32_t a0, a1, b0, b1;
    uint32_t u, u13, v, v13, w, w13, pairs = m / 2u;
    __asm__("2:\n\t"
            "ldr %[w], %[bias]\n\t"
            "ldrd %[a0], %[a1], [%[w]], #8\n\t"
            "str %[w], %[bias]\n\t"
            "mov %[b0], %[a0]\n\t"
            "mov %[b1], %[a1]\n\t"
            "ldr %[pa], %[pa0]\n\t"
            "ldr %[pb], %[pb0]\n\t"
            "1:\n\t" SF_Q8_GROUP16 SF_Q8_GROUP16 "ldr %[w], %[end]\n\t"
            "cmp %[pa], %[w]\n\t"
            "bne 1b\n\t"
            "add %[w0], %[w0], %[n]\n\t" /* past filter j + 1's row: the next pair */
            "ldr %[w], %[buf]\n\t"
            "strd %[a0], %[b0], [%[w]], #8\n\t"
            "strd %[a1], %[b1], [%[w]], #8\n\t"
            "str %[w], %[buf]\n\t"
            "ldr %[w], %[pairs]\n\t"
            "subs %[w], %[w], #1\n\t"
            "str %[w], %[pairs]\n\t"
            "bne 2b\n\t"
            : [pa] "=&r"(pa), [pb] "=&r"(pb), [w0] "+r"(w0), [a0] "=&r"(a0), [a1] "=&r"(a1), [b0] "=&r"(b0),
              [b1] "=&r"(b1), [u] "=&r"(u), [u13] "=&r"(u13), [v] "=&r"(v), [v13] "=&r"(v13), [w] "=&r"(w),
              [w13] "=&r"(w13), [bias] "+m"(bias), [buf] "+m"(buf), [pairs] "+m"(pairs)
            : [n] "r"(n), [end] "m"(end), [pa0] "m"(pa0), [pb0] "m"(pb0)
            : "cc", "memory");
}

/* x (n bytes, n % 4 == 0) as int16 lane pairs in SXTB16's order: per 4 bytes (x0, x2), (x1, x3) */
static void sf_q8_widen(const int8_t *x, uint32_t n, int32_t *xw)
{
    uint32_t i;
    for (i = 0; i < n; i += 4u) {
        uint32_t v = load4(&x[i]);
        xw[i / 2u] = (int32_t)__sxtb16(v);
        xw[i / 2u + 1u] = (int32_t)sxtb16_ror8(v);
    }
}
#endif

#ifdef SF_Q8_ASM
/* The requantisation in assembly, per output channel (mult, shift loaded once for its outputs):
 * h = srdhm(x, mult) = SMMULR(2x, mult) ((2x mult + 2^31) >> 32, exact while |x| < 2^29), then
 * RoundingDivideByPOT and the zero point in one formula, (2h + (2 zp + 1) 2^e + (h < 0)) >> (e + 1)
 * with e = -shift (= rdbpot(h, e) + zp: the short path of requantize1 plus zp 2^(e+1); no overflow
 * while e <= 22), SSAT to int8, then max(v, zp) for relu layers (lo == zp). Every accumulator
 * x + 2^29 and every shift outside [-22, 0] is OR-ed into `bad`: the caller redoes the block
 * through requantize() when bad >= 2^30. About 12 instructions per output and 11 per channel. */
#define SF_Q8_RQ_CHANNEL \
    "ldr %[m], [%[mult]], #4\n\t" \
    "ldrsb %[e], [%[shift]], #1\n\t" \
    "rsb %[e], %[e], #0\n\t" \
    "cmp %[e], #22\n\t" \
    "it hi\n\t" \
    "orrhi %[bad], %[bad], #0x40000000\n\t" \
    "lsl %[c], %[z], %[e]\n\t" \
    "add %[e], %[e], #1\n\t"
#define SF_Q8_RQ_OUT(x, y, clamp) \
    "add %[t], %[" x "], #0x20000000\n\t" \
    "orr %[bad], %[bad], %[t]\n\t" \
    "lsl %[" x "], %[" x "], #1\n\t" \
    "smmulr %[" x "], %[" x "], %[m]\n\t" \
    "add %[t], %[c], %[" x "], lsl #1\n\t" \
    "add %[t], %[t], %[" x "], asr #31\n\t" \
    "asr %[t], %[t], %[e]\n\t" \
    "ssat %[t], #8, %[t]\n\t" clamp "strb %[t], [%[" y "]], #1\n\t"
#define SF_Q8_RELU "cmp %[t], %[z], asr #1\n\tit lt\n\tasrlt %[t], %[z], #1\n\t"

/* channels j .. j + m - 1 (m >= 1) at two positions: acc holds (x_a, x_b) per channel */
static uint32_t requant2_asm(const int32_t *acc, uint32_t m, const sf_q8_layer *L, uint32_t j, int8_t *ya, int8_t *yb,
                             int relu)
{
    const int32_t *mult = &L->mult[j], *end = acc + 2u * m;
    const int8_t *shift = &L->shift[j];
    int32_t z = 2 * (int32_t)L->zp + 1;
    uint32_t bad = 0, xa, xb, mv, e, c, t;
    ya += j;
    yb += j;
#define SF_Q8_RQ2_OPERANDS \
    : [acc] "+r"(acc), [mult] "+r"(mult), [shift] "+r"(shift), [ya] "+r"(ya), [yb] "+r"(yb), [bad] "+r"(bad), \
      [xa] "=&r"(xa), [xb] "=&r"(xb), [m] "=&r"(mv), [e] "=&r"(e), [c] "=&r"(c), [t] "=&r"(t) \
    : [z] "r"(z), [end] "m"(end) \
    : "cc", "memory"
    if (relu) {
        __asm__("1:\n\t"
                "ldrd %[xa], %[xb], [%[acc]], #8\n\t" SF_Q8_RQ_CHANNEL SF_Q8_RQ_OUT("xa", "ya", SF_Q8_RELU)
                    SF_Q8_RQ_OUT("xb", "yb", SF_Q8_RELU) "ldr %[t], %[end]\n\t"
                                                         "cmp %[acc], %[t]\n\t"
                                                         "bne 1b\n\t" SF_Q8_RQ2_OPERANDS);
    } else {
        __asm__("1:\n\t"
                "ldrd %[xa], %[xb], [%[acc]], #8\n\t" SF_Q8_RQ_CHANNEL SF_Q8_RQ_OUT("xa", "ya", "")
                    SF_Q8_RQ_OUT("xb", "yb", "") "ldr %[t], %[end]\n\t"
                                                 "cmp %[acc], %[t]\n\t"
                                                 "bne 1b\n\t" SF_Q8_RQ2_OPERANDS);
    }
    return bad;
}

/* the n channels of sums + bias at one position (sf_q8_requantize_sums) */
static uint32_t requant1_asm(const int32_t *sums, const int32_t *bias, uint32_t n, const sf_q8_layer *L, int8_t *y,
                             int relu)
{
    const int32_t *mult = L->mult, *end = sums + n;
    const int8_t *shift = L->shift;
    int32_t z = 2 * (int32_t)L->zp + 1;
    uint32_t bad = 0, x, mv, e, c, t;
#define SF_Q8_RQ1_OPERANDS \
    : [sums] "+r"(sums), [bias] "+r"(bias), [mult] "+r"(mult), [shift] "+r"(shift), [y] "+r"(y), [bad] "+r"(bad), \
      [x] "=&r"(x), [m] "=&r"(mv), [e] "=&r"(e), [c] "=&r"(c), [t] "=&r"(t) \
    : [z] "r"(z), [end] "m"(end) \
    : "cc", "memory"
#define SF_Q8_RQ1_LOAD \
    "ldr %[x], [%[sums]], #4\n\t" \
    "ldr %[t], [%[bias]], #4\n\t" \
    "add %[x], %[x], %[t]\n\t"
    if (relu) {
        __asm__("1:\n\t" SF_Q8_RQ1_LOAD SF_Q8_RQ_CHANNEL SF_Q8_RQ_OUT("x", "y", SF_Q8_RELU) "ldr %[t], %[end]\n\t"
                                                                                         "cmp %[sums], %[t]\n\t"
                                                                                         "bne 1b\n\t" SF_Q8_RQ1_OPERANDS);
    } else {
        __asm__("1:\n\t" SF_Q8_RQ1_LOAD SF_Q8_RQ_CHANNEL SF_Q8_RQ_OUT("x", "y", "") "ldr %[t], %[end]\n\t"
                                                                                 "cmp %[sums], %[t]\n\t"
                                                                                 "bne 1b\n\t" SF_Q8_RQ1_OPERANDS);
    }
    return bad;
}

/* the assembly applies: no table, lo = -128 (plain) or the zero point (relu) */
static int requant_asm_ok(const sf_q8_layer *L)
{
    return L->lut == 0 && (L->lo == -128 || L->lo == L->zp);
}
#define SF_Q8_RQ_BLOCK 8u /* channels per requantisation in conv_pair: 2 x 8 int32 on the stack */
#endif

void sf_q8_requantize_sums(const int32_t *sums, const int32_t *bias, const sf_q8_layer *L, int8_t *y)
{
    const int32_t *mult = L->mult;
    const int8_t *shift = L->shift, *lut = L->lut;
    int32_t zp = L->zp, lo = L->lo;
    uint32_t k, n = L->n_out;
#ifdef SF_Q8_ASM
    if (n > 0u && requant_asm_ok(L) && requant1_asm(sums, bias, n, L, y, L->lo == L->zp && L->lo != -128) < 0x40000000u) {
        return;
    }
#endif
    for (k = 0; k < n; k++) {
        y[k] = out_code(requantize1((int32_t)((uint32_t)bias[k] + (uint32_t)sums[k]), mult[k], shift[k]), zp, lo, lut);
    }
}

#if defined(SF_Q8_PAIRS) && !defined(SF_Q8_ASM)
/* The 2 x 2 block's outputs: channels j, j + 1 (acc[0], acc[1]) at one position into ya, the same
 * channels (acc[2], acc[3]) at the next into yb; each channel's fields read once for both. */
static void finish_2x2(const int32_t *acc, const sf_q8_layer *L, uint32_t j, int8_t *ya, int8_t *yb)
{
    const int8_t *lut = L->lut;
    int32_t zp = L->zp, lo = L->lo, r0, r1, r2, r3;
    requantize2(acc[0], acc[2], L->mult[j], L->shift[j], &r0, &r2);
    requantize2(acc[1], acc[3], L->mult[j + 1u], L->shift[j + 1u], &r1, &r3);
    ya[j] = out_code(r0, zp, lo, lut);
    ya[j + 1u] = out_code(r1, zp, lo, lut);
    yb[j] = out_code(r2, zp, lo, lut);
    yb[j + 1u] = out_code(r3, zp, lo, lut);
}
#endif

#if defined(SF_Q8_PAIRS) && !defined(SF_Q8_ASM)
/* acc (a0, a1, b0, b1) += the 2 x 2 block over n bytes, portable C: 4 bytes per pass (a RISC-V or
 * Xtensa core then needs one pointer increment per 4 loads). */
static void mac2x2_c(const int8_t *pa, const int8_t *pb, const int8_t *w0, const int8_t *w1, uint32_t n, int32_t *acc)
{
    int32_t a0 = acc[0], a1 = acc[1], b0 = acc[2], b1 = acc[3];
    const int8_t *end = pa + (n & ~3u);
    while (pa != end) {
        int32_t u0 = pa[0], u1 = pa[1], u2 = pa[2], u3 = pa[3], v0 = pb[0], v1 = pb[1], v2 = pb[2], v3 = pb[3];
        int32_t p0 = w0[0], p1 = w0[1], p2 = w0[2], p3 = w0[3], q0 = w1[0], q1 = w1[1], q2 = w1[2], q3 = w1[3];
        a0 += u0 * p0 + u1 * p1 + u2 * p2 + u3 * p3;
        b0 += v0 * p0 + v1 * p1 + v2 * p2 + v3 * p3;
        a1 += u0 * q0 + u1 * q1 + u2 * q2 + u3 * q3;
        b1 += v0 * q0 + v1 * q1 + v2 * q2 + v3 * q3;
        pa += 4;
        pb += 4;
        w0 += 4;
        w1 += 4;
    }
    for (n &= 3u; n > 0u; n--) {
        int32_t u = *pa++, v = *pb++, p = *w0++, q = *w1++;
        a0 += u * p;
        b0 += v * p;
        a1 += u * q;
        b1 += v * q;
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = b0;
    acc[3] = b1;
}
#endif

#ifdef SF_Q8_PAIRS
/* xw: NULL, or x widened by sf_q8_widen (the ASM build with n % 4 == 0 and dx % 4 == 0) */
static void conv_pair(const int8_t *xa, const int32_t *xw, uint32_t dx, const sf_q8_layer *L, int8_t *ya, int8_t *yb)
{
    uint32_t i, j = 0, n = L->n_in, n_out = L->n_out;
    const int8_t *xb = xa + dx;
#ifdef SF_Q8_ASM
    int32_t buf[2u * SF_Q8_RQ_BLOCK]; /* (x_a, x_b) per channel of the block */
    int fast = requant_asm_ok(L), relu = L->lo == L->zp && L->lo != -128;
    while (j + 2u <= n_out) {
        uint32_t j0 = j, m = 0, k;
        if (xw != 0 && n % 8u == 0u) { /* an even number of groups: all of the block in assembly */
            m = n_out - j < SF_Q8_RQ_BLOCK ? (n_out - j) & ~1u : SF_Q8_RQ_BLOCK;
            block16(xw, xw + dx / 2u, &L->w[j * n], &L->bias[j], n, m, buf);
            j += m;
        }
        for (; j + 2u <= n_out && m < SF_Q8_RQ_BLOCK; j += 2u, m += 2u) {
            const int8_t *w0 = &L->w[j * n], *w1 = w0 + n;
            int32_t acc[4];
            acc[0] = L->bias[j];
            acc[1] = L->bias[j + 1u];
            acc[2] = acc[0];
            acc[3] = acc[1];
            if (xw != 0) {
                mac2x2_16(xw, xw + dx / 2u, w0, n, n / 4u, acc);
            } else if (n >= 4u) {
                mac2x2(xa, xb, w0, n, n / 4u, acc);
            }
            for (i = n & ~3u; i < n; i++) {
                int32_t u = xa[i], v = xb[i];
                acc[0] += u * w0[i];
                acc[2] += v * w0[i];
                acc[1] += u * w1[i];
                acc[3] += v * w1[i];
            }
            buf[2u * m] = acc[0];
            buf[2u * m + 1u] = acc[2];
            buf[2u * m + 2u] = acc[1];
            buf[2u * m + 3u] = acc[3];
        }
        if (fast && requant2_asm(buf, m, L, j0, ya, yb, relu) < 0x40000000u) {
            continue;
        }
        for (k = 0; k < m; k++) { /* a value off the short path: this block through requantize() */
            int32_t zp = L->zp, lo = L->lo;
            ya[j0 + k] = out_code(requantize_slow(buf[2u * k], L->mult[j0 + k], L->shift[j0 + k]), zp, lo, L->lut);
            yb[j0 + k] = out_code(requantize_slow(buf[2u * k + 1u], L->mult[j0 + k], L->shift[j0 + k]), zp, lo, L->lut);
        }
    }
#else
    (void)xw;
    for (; j + 2u <= n_out; j += 2u) {
        const int8_t *w0 = &L->w[j * n], *w1 = w0 + n;
        int32_t acc[4];
        acc[0] = L->bias[j];
        acc[1] = L->bias[j + 1u];
        acc[2] = acc[0];
        acc[3] = acc[1];
        mac2x2_c(xa, xb, w0, w1, n, acc);
        finish_2x2(acc, L, j, ya, yb);
    }
#endif
    if (j < n_out) { /* an odd filter count: the last filter on both patches */
        const int8_t *w0 = &L->w[j * n];
        int32_t a0 = L->bias[j], b0 = a0;
        i = 0;
#ifdef SF_Q8_SIMD
        for (; i + 4u <= n; i += 4u) {
            uint32_t u = load4(&xa[i]), v = load4(&xb[i]), w = load4(&w0[i]);
            uint32_t w02 = __sxtb16(w), w13 = sxtb16_ror8(w);
            a0 = (int32_t)__smlad(__sxtb16(u), w02, (uint32_t)a0);
            a0 = (int32_t)__smlad(sxtb16_ror8(u), w13, (uint32_t)a0);
            b0 = (int32_t)__smlad(__sxtb16(v), w02, (uint32_t)b0);
            b0 = (int32_t)__smlad(sxtb16_ror8(v), w13, (uint32_t)b0);
        }
#endif
        for (; i < n; i++) {
            a0 += (int32_t)xa[i] * w0[i];
            b0 += (int32_t)xb[i] * w0[i];
        }
        finish_n(&a0, L, j, 1u, &ya[j]);
        finish_n(&b0, L, j, 1u, &yb[j]);
    }
}

#endif

void sf_q8_conv1d(const int8_t *x, uint32_t steps, uint32_t c_in, uint32_t kernel, uint32_t stride,
                  const sf_q8_layer *layer, int8_t *y)
{
    uint32_t t = 0, n_t = (steps - kernel) / stride + 1u, dx = stride * c_in;
#ifdef SF_Q8_PAIRS
    for (; t + 2u <= n_t; t += 2u) {
        conv_pair(&x[t * dx], 0, dx, layer, &y[t * layer->n_out], &y[(t + 1u) * layer->n_out]);
    }
#endif
    for (; t < n_t; t++) {
        sf_q8_dense(&x[t * dx], layer, &y[t * layer->n_out]);
    }
}

void sf_q8_conv1d_w16(const int8_t *x, uint32_t steps, uint32_t c_in, uint32_t kernel, uint32_t stride,
                      const sf_q8_layer *layer, int8_t *y, int32_t *xw)
{
#ifdef SF_Q8_ASM
    uint32_t t = 0, n_t = (steps - kernel) / stride + 1u, dx = stride * c_in;
    if (layer->n_in % 4u == 0u && dx % 4u == 0u && n_t >= 2u) {
        sf_q8_widen(x, steps * c_in - (steps * c_in) % 4u, xw);
        for (; t + 2u <= n_t; t += 2u) {
            conv_pair(&x[t * dx], &xw[t * dx / 2u], dx, layer, &y[t * layer->n_out], &y[(t + 1u) * layer->n_out]);
        }
        for (; t < n_t; t++) {
            sf_q8_dense(&x[t * dx], layer, &y[t * layer->n_out]);
        }
        return;
    }
#else
    (void)xw;
#endif
    sf_q8_conv1d(x, steps, c_in, kernel, stride, layer, y);
}

#ifdef SF_Q8_SIMD
static uint32_t sxtab16_ror8(uint32_t acc, uint32_t v)
{
#if defined(__GNUC__)
    uint32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(acc), "r"(v));
    return r;
#else
    return __sxtab16(acc, (v >> 8) | (v << 24));
#endif
}

/* sf_q8_centre_bias with c_in % 4 == 0 and steps <= 256: the channel totals as int16 lane pairs
 * (SXTAB16 adds four sign-extended bytes per instruction; |total| <= 256 * 128 fits a lane), in
 * SXTB16's lane order, so the weights meet them with SMLAD. Same integers as the portable loops. */
static void centre_bias_simd(const int8_t *x, uint32_t steps, uint32_t c_in, const sf_q8_layer *layer,
                             const int32_t *bias, int32_t mult, int shift, int32_t *totals, int32_t *out)
{
    uint32_t g = 0, t, f, i, n_in = layer->n_in;
    for (; g + 8u <= c_in; g += 8u) { /* two channel groups per pass over the steps */
        uint32_t s02 = 0, s13 = 0, r02 = 0, r13 = 0;
        const int8_t *p = &x[g];
        for (t = 0; t < steps; t++, p += c_in) {
            uint32_t v = load4(p), u = load4(p + 4);
            s02 = __sxtab16(s02, v);
            s13 = sxtab16_ror8(s13, v);
            r02 = __sxtab16(r02, u);
            r13 = sxtab16_ror8(r13, u);
        }
        totals[g / 2u] = (int32_t)s02; /* lanes (g, g + 2) */
        totals[g / 2u + 1u] = (int32_t)s13; /* lanes (g + 1, g + 3) */
        totals[g / 2u + 2u] = (int32_t)r02;
        totals[g / 2u + 3u] = (int32_t)r13;
    }
    for (; g < c_in; g += 4u) {
        uint32_t s02 = 0, s13 = 0;
        const int8_t *p = &x[g];
        for (t = 0; t < steps; t++, p += c_in) {
            uint32_t v = load4(p);
            s02 = __sxtab16(s02, v);
            s13 = sxtab16_ror8(s13, v);
        }
        totals[g / 2u] = (int32_t)s02;
        totals[g / 2u + 1u] = (int32_t)s13;
    }
    for (f = 0; f < layer->n_out; f++) {
        const int8_t *w = &layer->w[f * n_in];
        int32_t acc = 0;
        for (i = 0; i < n_in; i += c_in) { /* each tap: the totals repeat every c_in weights */
            const int8_t *wp = &w[i], *we = wp + c_in;
            const int32_t *tp = totals;
            for (; wp != we; wp += 4, tp += 2) {
                uint32_t wv = load4(wp);
                acc = (int32_t)__smlad((uint32_t)tp[0], __sxtb16(wv), (uint32_t)acc);
                acc = (int32_t)__smlad((uint32_t)tp[1], sxtb16_ror8(wv), (uint32_t)acc);
            }
        }
        out[f] = bias[f] - requantize1(acc, mult, shift);
    }
}
#endif

void sf_q8_centre_bias(const int8_t *x, uint32_t steps, uint32_t c_in, const sf_q8_layer *layer, const int32_t *bias,
                       int32_t mult, int shift, int32_t *totals, int32_t *out)
{
    uint32_t t, c, f, i;
#ifdef SF_Q8_SIMD
    if (c_in % 4u == 0u && steps <= 256u) {
        centre_bias_simd(x, steps, c_in, layer, bias, mult, shift, totals, out);
        return;
    }
#endif
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
        out[f] = bias[f] - requantize1(acc, mult, shift);
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

void sf_q8_avgpool(const int8_t *x, uint32_t steps, uint32_t n_c, uint32_t mult, int shift, int8_t *y)
{
    uint32_t t, c;
    for (c = 0; c < n_c; c++) {
        int32_t s = 0;
        uint32_t q;
        for (t = 0; t < steps; t++) {
            s += x[t * n_c + c];
        }
        if (mult == 0u) { /* one step */
            y[c] = (int8_t)s;
            continue;
        }
        q = (uint32_t)(s < 0 ? -s : s) + steps / 2u;
        q = (uint32_t)(((uint64_t)q * mult) >> 32) >> shift;
        y[c] = (int8_t)(s < 0 ? -(int32_t)q : (int32_t)q);
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

void sf_q8_dot4(const int8_t *x, const int8_t *w, uint32_t stride, uint32_t n, int32_t *acc)
{
    const int8_t *w0 = w, *w1 = w + stride, *w2 = w1 + stride, *w3 = w2 + stride;
    int32_t a0, a1, a2, a3;
    uint32_t c = 0;
#ifdef SF_Q8_ASM
    if (n >= 4u) { /* the dense layer's 1 x 4 block: 24.5 instructions per 16 multiply-accumulates */
        mac1x4(x, w, stride, n / 4u, acc);
        c = n & ~3u;
    }
#endif
    a0 = acc[0];
    a1 = acc[1];
    a2 = acc[2];
    a3 = acc[3];
    for (; c < n; c++) {
        int32_t u = x[c];
        a0 += u * w0[c];
        a1 += u * w1[c];
        a2 += u * w2[c];
        a3 += u * w3[c];
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}
