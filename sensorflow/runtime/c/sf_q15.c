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

#if defined(__ARM_FP) && (__ARM_FP & 4) && defined(__ARM_FEATURE_SAT) && defined(__GNUC__) && !defined(SF_Q15_PORTABLE)
#include <arm_acle.h>
/* VCVT.S32.F32 #10: trunc(x 2^10) toward zero, saturating to int32, NaN -> 0 (defined for every
 * input, unlike a C conversion, hence the assembly; #fbits is an immediate) */
static int32_t vcvt_q10(float x)
{
    float r = x;
    int32_t v;
    __asm__("vcvt.s32.f32 %0, %0, #10" : "+t"(r));
    memcpy(&v, &r, sizeof v);
    return v;
}

/* the count of u = trunc(v 2^(k + 1)): half away from zero is (u + 1) >> 1 for u >= 0 and
 * u >> 1 (floor) for u < 0, i.e. (u + 1 + (u >> 31)) >> 1, after SSAT #18 (no overflow) */
static int16_t count_of_twice(int32_t u)
{
    int32_t c = __ssat(u, 18);
    return (int16_t)__ssat((c + 1 + (c >> 31)) >> 1, 16);
}

/* Single-precision FPU (Cortex-M4F/M7/M33F): v 2^(k - 9) is exact (a power of two; what
 * overflows saturates the same, what underflows is far under half a count), then one
 * fixed-point VCVT #10 gives u = trunc(v 2^(k + 1)) (inf: saturated by sign, NaN: 0), whose
 * count_of_twice is round(v 2^k) half away from zero, saturated: the counts of sf_q15_count in
 * a few instructions instead of the bit decoding (k = 9, 2^-9 units: no multiply). */
void sf_q15_quantize(const float *src, uint32_t stride, uint32_t n, int32_t k, int16_t *dst)
{
    uint32_t i, bits = (uint32_t)(127 + k - 9) << 23;
    const float *p = src;
    float sc;
    if (k == 9) {
        for (i = 0; i + 2u <= n; i += 2u, p += 2u * stride) { /* two a pass: one loop test per two */
            int16_t c0 = count_of_twice(vcvt_q10(p[0])), c1 = count_of_twice(vcvt_q10(p[stride]));
            dst[i] = c0;
            dst[i + 1u] = c1;
        }
        if (i < n) dst[i] = count_of_twice(vcvt_q10(*p));
        return;
    }
    if (k - 9 < -126 || k - 9 > 127) {
        for (i = 0; i < n; i++) dst[i] = sf_q15_count(src[i * stride], k);
        return;
    }
    memcpy(&sc, &bits, sizeof sc);
    for (i = 0; i < n; i++, p += stride) dst[i] = count_of_twice(vcvt_q10(*p * sc));
}
#else
void sf_q15_quantize(const float *src, uint32_t stride, uint32_t n, int32_t k, int16_t *dst)
{
    uint32_t i;
    for (i = 0; i < n; i++) dst[i] = sf_q15_count(src[i * stride], k);
}
#endif

#if defined(__ARM_FP) && (__ARM_FP & 4) && defined(__GNUC__) && !defined(SF_Q15_PORTABLE)
/* Single-precision FPU: r = VCVT.U32(VSQRT(float(v))) is within a few units of floor(sqrt(v))
 * (float(v) rounds v to 24 bits), and the integer steps below make it exact for every v. */
uint32_t sf_q15_isqrt64(uint64_t v)
{
    float f = (float)(uint32_t)(v >> 32) * 4294967296.0f + (float)(uint32_t)v, r;
    uint32_t q;
    uint64_t q1;
    __asm__("vsqrt.f32 %0, %1" : "=t"(r) : "t"(f));
    __asm__("vcvt.u32.f32 %0, %0" : "+t"(r)); /* saturating: sqrt(2^64) -> 0xFFFFFFFF */
    memcpy(&q, &r, sizeof q);
    while ((uint64_t)q * q > v) q--;
    for (q1 = (uint64_t)q + 1u; q1 <= 0xFFFFFFFFu && q1 * q1 <= v; q1++) q = (uint32_t)q1;
    return q;
}
#else
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
#endif

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

/* radix-2 DIT butterflies, each stage halved; twiddle j of a stage at wr/wi[j * step * stride]
 * (stride 1: separate cos/sin tables, 2: interleaved pairs) */
static void fft_radix2(int32_t *re, int32_t *im, uint32_t n, const int16_t *wr, const int16_t *wi, uint32_t stride)
{
    uint32_t half, i, j;
    for (half = 1u; half < n; half <<= 1) {
        uint32_t step = n / (2u * half) * stride;
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

void sf_q15_fft(int32_t *re, int32_t *im, uint32_t n, const int16_t *wr, const int16_t *wi)
{
    fft_radix2(re, im, n, wr, wi, 1u);
}

/* round(log2(1 + i / 256) * 65536), i = 0..256 */
static const int32_t sf_q15_log2_table[257] = {
    0, 369, 736, 1102, 1466, 1829, 2190, 2551, 2909, 3267, 3623, 3978,
    4331, 4683, 5034, 5384, 5732, 6079, 6425, 6769, 7112, 7454, 7795, 8134,
    8473, 8810, 9146, 9480, 9814, 10146, 10477, 10807, 11136, 11464, 11791, 12116,
    12440, 12764, 13086, 13407, 13727, 14046, 14363, 14680, 14996, 15310, 15624, 15937,
    16248, 16559, 16868, 17177, 17484, 17791, 18096, 18401, 18704, 19007, 19308, 19609,
    19909, 20207, 20505, 20802, 21098, 21393, 21687, 21980, 22272, 22564, 22854, 23144,
    23433, 23720, 24007, 24293, 24579, 24863, 25146, 25429, 25711, 25992, 26272, 26551,
    26830, 27108, 27384, 27660, 27936, 28210, 28484, 28757, 29029, 29300, 29571, 29840,
    30109, 30378, 30645, 30912, 31178, 31443, 31707, 31971, 32234, 32496, 32758, 33019,
    33279, 33538, 33797, 34055, 34312, 34569, 34825, 35080, 35334, 35588, 35841, 36094,
    36346, 36597, 36847, 37097, 37346, 37595, 37842, 38090, 38336, 38582, 38827, 39072,
    39316, 39559, 39802, 40044, 40286, 40527, 40767, 41006, 41246, 41484, 41722, 41959,
    42196, 42432, 42667, 42902, 43137, 43370, 43603, 43836, 44068, 44300, 44530, 44761,
    44990, 45220, 45448, 45676, 45904, 46131, 46357, 46583, 46809, 47034, 47258, 47482,
    47705, 47928, 48150, 48372, 48593, 48813, 49034, 49253, 49472, 49691, 49909, 50127,
    50344, 50560, 50776, 50992, 51207, 51422, 51636, 51850, 52063, 52276, 52488, 52700,
    52911, 53122, 53332, 53542, 53751, 53960, 54169, 54377, 54584, 54791, 54998, 55204,
    55410, 55615, 55820, 56025, 56229, 56432, 56635, 56838, 57040, 57242, 57443, 57644,
    57845, 58045, 58245, 58444, 58643, 58841, 59039, 59237, 59434, 59631, 59827, 60023,
    60219, 60414, 60609, 60803, 60997, 61190, 61384, 61576, 61769, 61961, 62152, 62343,
    62534, 62725, 62915, 63104, 63294, 63483, 63671, 63859, 64047, 64234, 64421, 64608,
    64794, 64980, 65166, 65351, 65536
};

int32_t sf_q15_log2_q16(uint64_t v)
{
    /* on 32-bit words: a 64-bit variable shift is a libcall-sized sequence on rv32/Cortex-M */
    uint32_t hi = (uint32_t)(v >> 32), lo = (uint32_t)v, x = hi != 0u ? hi : lo, e = hi != 0u ? 32u : 0u;
    uint32_t b, y, f, i, r, sh;
    if (v == 0u) return 0;
#if defined(__ARM_FEATURE_CLZ) && defined(__GNUC__)
    (void)b;
    e += 31u - (uint32_t)__builtin_clz(x); /* one CLZ */
#else
    for (b = 16u; b != 0u; b >>= 1) {
        if ((x >> b) != 0u) {
            x >>= b;
            e += b;
        }
    }
#endif
    if (e <= 31u) {
        y = lo << (31u - e);
    } else {
        sh = e - 31u; /* 1 .. 32 */
        y = sh == 32u ? hi : (hi << (32u - sh)) | (lo >> sh);
    }
    f = y - 0x80000000u;
    i = f >> 23;
    r = (f >> 7) & 0xFFFFu;
    return (int32_t)(e << 16) + sf_q15_log2_table[i] +
           (((sf_q15_log2_table[i + 1u] - sf_q15_log2_table[i]) * (int32_t)r) >> 16);
}

#if defined(__ARM_FEATURE_DSP) && !defined(SF_Q15_PORTABLE)
#include <arm_acle.h>
#define SF_Q15_SIMD 1

static int32_t load_pair(const int16_t *p)
{
    int32_t v;
    memcpy(&v, p, 4); /* one LDR: Cortex-M4 loads unaligned words */
    return v;
}

/* (hi & 0xFFFF0000) | ((lo >> 15 or 16) & 0xFFFF): one PKHTB each (GCC 12 does not form it from C) */
static int32_t pkhtb15(int32_t hi, int32_t lo)
{
#if defined(__GNUC__)
    int32_t r;
    __asm__("pkhtb %0, %1, %2, asr #15" : "=r"(r) : "r"(hi), "r"(lo));
    return r;
#else
    return (int32_t)(((uint32_t)hi & 0xFFFF0000u) | (((uint32_t)lo >> 15) & 0xFFFFu));
#endif
}

static int32_t pkhtb16(int32_t hi, int32_t lo)
{
#if defined(__GNUC__)
    int32_t r;
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(hi), "r"(lo));
    return r;
#else
    return (int32_t)(((uint32_t)hi & 0xFFFF0000u) | ((uint32_t)lo >> 16));
#endif
}

/* a - b W and a + b W, both halved (one radix-2 butterfly; twiddle W = (c, s) lanes) */
#define SF_BFLY(a, b, wv)                                                                           \
    do {                                                                                            \
        int32_t t_ = pkhtb15((int32_t)((uint32_t)__smuadx(b, wv) << 1), __smusd(b, wv));           \
        b = __shsub16(a, t_);                                                                       \
        a = __shadd16(a, t_);                                                                       \
    } while (0)
#define SF_BFLY1(a, b) /* twiddle 1: exact */                                                       \
    do {                                                                                            \
        int32_t t_ = b;                                                                             \
        b = __shsub16(a, t_);                                                                       \
        a = __shadd16(a, t_);                                                                       \
    } while (0)

/* Two radix-2 stages (half = H, then 2H) per pass, in registers: for each j < H and block of
 * 4H points, p0..p3 = j, j + H, j + 2H, j + 3H; stage H: (p0, p1), (p2, p3) by W(j, H); stage
 * 2H: (p0, p2) by W(j, 2H), (p1, p3) by W(j + H, 2H). The same butterflies in the same order
 * per point as one stage at a time: the same integers, half the loads and stores. */
void sf_q15_fft16(int32_t *z, uint32_t n, const int16_t *w)
{
    uint32_t H = 1u, j;
    int32_t *p, *end = z + n;
    if (n >= 4u) { /* the first pass: W(0, 1) = W(0, 2) = 1, W(1, 2) = (0, -32768) = -j exactly */
        for (p = z; p < end; p += 4) {
            int32_t a0 = p[0], a1 = p[1], a2 = p[2], a3 = p[3], t;
            SF_BFLY1(a0, a1);
            SF_BFLY1(a2, a3);
            SF_BFLY1(a0, a2);
            t = __ssax(0, a3); /* (br, bi) -> (bi, -br): the products' exact values, one SSAX */
            a3 = __shsub16(a1, t);
            a1 = __shadd16(a1, t);
            p[0] = a0;
            p[1] = a1;
            p[2] = a2;
            p[3] = a3;
        }
        H = 4u;
    }
    for (; 4u * H <= n; H *= 4u) {
        uint32_t step = n / H, q = H; /* W(j, H) = w[j * step] (pairs); W(j, 2H) = w[j * step / 2] */
        int32_t wb1 = load_pair(&w[H * (step / 2u)]);
        for (p = z; p < end; p += 4u * q) { /* j = 0: W(0, H) = W(0, 2H) = 1 */
            int32_t a0 = p[0], a1 = p[q], a2 = p[2u * q], a3 = p[3u * q];
            SF_BFLY1(a0, a1);
            SF_BFLY1(a2, a3);
            SF_BFLY1(a0, a2);
            SF_BFLY(a1, a3, wb1);
            p[0] = a0;
            p[q] = a1;
            p[2u * q] = a2;
            p[3u * q] = a3;
        }
        if (4u * H == n) { /* one block (the last pass): one group of 4 points per j, twiddles by pointer */
            const int16_t *pa = &w[step], *pb = &w[step / 2u], *pc = &w[(1u + H) * (step / 2u)];
            for (p = z + 1; p < z + H; p++, pa += step, pb += step / 2u, pc += step / 2u) {
                int32_t wa = load_pair(pa), wb = load_pair(pb), wc = load_pair(pc);
                int32_t a0 = p[0], a1 = p[q], a2 = p[2u * q], a3 = p[3u * q];
                SF_BFLY(a0, a1, wa);
                SF_BFLY(a2, a3, wa);
                SF_BFLY(a0, a2, wb);
                SF_BFLY(a1, a3, wc);
                p[0] = a0;
                p[q] = a1;
                p[2u * q] = a2;
                p[3u * q] = a3;
            }
            continue;
        }
        for (j = 1u; j < H; j++) {
            int32_t wa = load_pair(&w[j * step]), wb = load_pair(&w[j * (step / 2u)]);
            int32_t wc = load_pair(&w[(j + H) * (step / 2u)]);
            for (p = z + j; p < end; p += 4u * q) {
                int32_t a0 = p[0], a1 = p[q], a2 = p[2u * q], a3 = p[3u * q];
                SF_BFLY(a0, a1, wa);
                SF_BFLY(a2, a3, wa);
                SF_BFLY(a0, a2, wb);
                SF_BFLY(a1, a3, wc);
                p[0] = a0;
                p[q] = a1;
                p[2u * q] = a2;
                p[3u * q] = a3;
            }
        }
    }
    if (H < n) { /* n = 2 * 4^m: one radix-2 stage left (half = H = n / 2) */
        uint32_t step = n / H;
        for (j = 0; j < H; j++) {
            int32_t a = z[j], b = z[j + H];
            if (j == 0u) {
                SF_BFLY1(a, b);
            } else {
                int32_t wv = load_pair(&w[j * step]);
                SF_BFLY(a, b, wv);
            }
            z[j] = a;
            z[j + H] = b;
        }
    }
}

/* Two samples a word: SMLAD sums both lanes (and the negative ones, for sum |x|), SMLALD their
 * squares in 64 bits, SSUB16 + SEL the per-lane max, min and negative values, and the sign bits
 * (15 and 31) give the crossings inside the pair and with the pair before; the same integers as
 * the C below. */
void sf_q15_stats_sums(const int16_t *x, uint32_t n, sf_q15_sums *s)
{
    uint32_t i, abs_sum, cross = 0;
    int32_t sum = 0, neg = 0, hi = (int32_t)(((uint32_t)(uint16_t)x[0] << 16) | (uint16_t)x[0]), lo = hi;
    uint32_t prev = (uint32_t)(uint16_t)x[0] << 16; /* bit 31: the sign of the sample before */
    uint64_t sq = 0;
    const int16_t *p = x, *end = x + (n & ~1u);
    for (; p < end; p += 2) {
        int32_t v = load_pair(p), a;
        uint32_t t = (uint32_t)v << 16;
        sum = __smlad(v, 0x00010001, sum);
        sq = (uint64_t)__smlald(v, v, (int64_t)sq);
        (void)__ssub16(v, hi);
        hi = __sel(v, hi);
        (void)__ssub16(lo, v);
        lo = __sel(v, lo);
        (void)__ssub16(0, v); /* GE per lane: v <= 0 */
        a = __sel(v, 0);
        neg = __smlad(a, 0x00010001, neg);
        cross += ((t ^ prev) >> 31) + ((t ^ (uint32_t)v) >> 31);
        prev = (uint32_t)v;
    }
    i = n & ~1u;
    abs_sum = (uint32_t)sum - 2u * (uint32_t)neg; /* sum |x| = sum x - 2 sum of the negative x, exact mod 2^32 */
    {
        int32_t h0 = (int16_t)hi, h1 = hi >> 16, l0 = (int16_t)lo, l1 = lo >> 16;
        hi = h0 > h1 ? h0 : h1;
        lo = l0 < l1 ? l0 : l1;
    }
    if (i < n) { /* an odd length: the last sample */
        int32_t v = x[i];
        sum += v;
        abs_sum += (uint32_t)(v < 0 ? -v : v);
        sq += (uint64_t)(int64_t)(v * v);
        hi = v > hi ? v : hi;
        lo = v < lo ? v : lo;
        cross += (((uint32_t)v << 16) ^ prev) >> 31;
    }
    s->sum = sum;
    s->abs_sum = (int32_t)abs_sum;
    s->min = lo;
    s->max = hi;
    s->sum_sq = (int64_t)sq;
    s->crossings = cross;
    s->n = n;
}

/* power of X[i] from Z = z[i], Y = z[h - i] (arm_rfft_q15's split, both products halved) */
static uint32_t split_power(int32_t zz, int32_t yy, int32_t a, int32_t b)
{
    int32_t xr = ((__smusd(zz, a) >> 1) + (__smuad(yy, b) >> 1)) >> 15;
    int32_t xi = ((__smuadx(zz, a) >> 1) + (__smusdx(yy, b) >> 1)) >> 15;
    return (uint32_t)(xr * xr) + (uint32_t)(xi * xi);
}

/* per int16 lane: *hi = max(*hi, v), *lo = min(*lo, v) (SSUB16 sets the GE flags SEL reads) */
static void lane_max_min(int32_t v, int32_t *hi, int32_t *lo)
{
    (void)__ssub16(v, *hi);
    *hi = __sel(v, *hi);
    (void)__ssub16(*lo, v);
    *lo = __sel(v, *lo);
}

static uint32_t peak_of(const int16_t *x, uint32_t n)
{
    int32_t hi = 0, lo = 0;
    uint32_t i, a, b;
    for (i = 0; i + 8u <= n; i += 8u) { /* four words per pass */
        int32_t v = load_pair(&x[i]), u = load_pair(&x[i + 2u]), q = load_pair(&x[i + 4u]), r = load_pair(&x[i + 6u]);
        lane_max_min(v, &hi, &lo);
        lane_max_min(u, &hi, &lo);
        lane_max_min(q, &hi, &lo);
        lane_max_min(r, &hi, &lo);
    }
    for (; i < n; i += 2u)
        lane_max_min(load_pair(&x[i]), &hi, &lo);
    a = (uint32_t)(hi >> 16) > (uint32_t)(int16_t)hi ? (uint32_t)(hi >> 16) : (uint32_t)(int16_t)hi;
    b = (uint32_t)(-(lo >> 16)) > (uint32_t)(-(int16_t)lo) ? (uint32_t)(-(lo >> 16)) : (uint32_t)(-(int16_t)lo);
    return a > b ? a : b;
}
#else
void sf_q15_fft16(int32_t *work, uint32_t n, const int16_t *w)
{
    fft_radix2(work, work + n, n, w, w + 1, 2u);
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

/* power of X[i] from Z[i] and Z[h - i] (arm_rfft_q15's split, both products halved) */
static uint32_t split_power(int32_t zr, int32_t zi, int32_t yr, int32_t yi, const int16_t *a, const int16_t *b)
{
    int32_t xr = (((zr * a[0] - zi * a[1]) >> 1) + ((yr * b[0] + yi * b[1]) >> 1)) >> 15;
    int32_t xi = (((zr * a[1] + zi * a[0]) >> 1) + ((yr * b[1] - yi * b[0]) >> 1)) >> 15;
    return (uint32_t)(xr * xr) + (uint32_t)(xi * xi);
}

static uint32_t peak_of(const int16_t *x, uint32_t n)
{
    int32_t hi = 0, lo = 0;
    uint32_t i;
    for (i = 0; i < n; i++) {
        int32_t v = x[i];
        hi = v > hi ? v : hi;
        lo = v < lo ? v : lo;
    }
    return (uint32_t)(hi > -lo ? hi : -lo);
}
#endif

void sf_q15_logmel(const sf_q15_logmel_config *cfg, const int16_t *frame, int32_t *work, int32_t *db)
{
    uint32_t n = cfg->n_fft, h = n / 2u, i, j, k, peak = peak_of(frame, n), bits = 0, s = 0, pos = 0;
    uint32_t *power = (uint32_t *)work; /* h + 1 words over the FFT buffer, written once read */
#ifdef SF_Q15_SIMD
    int32_t rnd;
#else
    int32_t scale;
#endif
    if (peak != 0u) {
        uint32_t p = peak;
        while (p > 1u) {
            p >>= 1;
            bits++;
        }
        s = bits < 14u ? 14u - bits : 0u;
    }
    /* block floating point: q << s never leaves int16 */
#ifdef SF_Q15_SIMD
    rnd = (int32_t)1 << (15u - s);
    { /* sample pair t to work[bitrev[t]] (the bit reversal is its own inverse); a pair of zero taps
       * gives ((q 0 + 2^(15 - s)) << s) >> 16 = 0, so the pairs outside [lo, hi) are zeros */
        const uint16_t *rev = cfg->bitrev;
        uint32_t lo = cfg->win_hi != 0u ? cfg->win_lo : 0u, hi = cfg->win_hi != 0u ? cfg->win_hi : h;
        for (i = 0; i < lo; i++) work[rev[i]] = 0;
        for (i = hi; i < h; i++) work[rev[i]] = 0;
        for (i = lo; i < hi; i++) { /* ((q w + 2^(15 - s)) << s) >> 16 = ((q << s) w + 2^15) >> 16, both samples */
            int32_t f = load_pair(&frame[2u * i]), wv = load_pair(&cfg->window[2u * i]);
            uint32_t p0 = (uint32_t)__smlabb(f, wv, rnd) << s, p1 = (uint32_t)__smlatt(f, wv, rnd) << s;
            work[rev[i]] = pkhtb16((int32_t)p1, (int32_t)p0);
        }
    }
    sf_q15_fft16(work, h, cfg->w);
    { /* bins 0 and h read z[0]; bins i and h - i only z[i] and z[h - i] */
        int32_t z0 = work[0];
        uint32_t p0 = split_power(z0, z0, load_pair(&cfg->a[0]), load_pair(&cfg->b[0]));
        power[h] = split_power(z0, z0, load_pair(&cfg->a[2u * h]), load_pair(&cfg->b[2u * h]));
        power[0] = p0;
    }
    for (i = 1u; i <= h / 2u; i++) {
        int32_t zi = work[i], zm = work[h - i];
        uint32_t pa = split_power(zi, zm, load_pair(&cfg->a[2u * i]), load_pair(&cfg->b[2u * i]));
        uint32_t pb = split_power(zm, zi, load_pair(&cfg->a[2u * (h - i)]), load_pair(&cfg->b[2u * (h - i)]));
        power[i] = pa;
        power[h - i] = pb;
    }
#else
    {
        int32_t *re = work, *im = work + h;
        scale = (int32_t)1 << s;
        for (i = 0; i < h; i++) {
            uint32_t t = 2u * cfg->bitrev[i];
            re[i] = (frame[t] * cfg->window[t] * scale + 32768) >> 16;
            im[i] = (frame[t + 1u] * cfg->window[t + 1u] * scale + 32768) >> 16;
        }
        sf_q15_fft16(work, h, cfg->w);
        for (i = 0; i <= h / 2u; i++) { /* bins i and h - i read only re/im[i] and [h - i] (0 and h: [0]) */
            uint32_t m = i == 0u ? 0u : h - i;
            int32_t zr = re[i], zi = im[i], yr = re[m], yi = im[m]; /* bin h's Z[h] is Z[0] */
            uint32_t pa = split_power(zr, zi, yr, yi, &cfg->a[2u * i], &cfg->b[2u * i]);
            uint32_t pb = split_power(yr, yi, zr, zi, &cfg->a[2u * (h - i)], &cfg->b[2u * (h - i)]);
            power[i] = pa;
            power[h - i] = pb;
        }
    }
#endif
    for (j = 0; j < cfg->n_mels; j++) {
        uint64_t acc = 0;
        for (k = 0; k < cfg->mel_len[j]; k++) acc += (uint64_t)power[cfg->mel_start[j] + k] * (uint16_t)cfg->mel_w[pos + k];
        pos += cfg->mel_len[j];
        db[j] = (int32_t)(((int64_t)(sf_q15_log2_q16(acc) + cfg->offset_q16 - (int32_t)(s << 17)) * 98642) >> 15);
    }
}

/* s that brings the peak to [2^14, 2^15] (0 for silence): fixed.headroom */
static uint32_t headroom_of(uint32_t peak)
{
    uint32_t bits = 0;
    if (peak == 0u) return 0u;
#if defined(__ARM_FEATURE_CLZ) && defined(__GNUC__)
    bits = 31u - (uint32_t)__builtin_clz(peak);
#else
    while (peak > 1u) {
        peak >>= 1;
        bits++;
    }
#endif
    return bits < 14u ? 14u - bits : 0u;
}

/* the pair of frames fa, fb (fb NULL: zeros) shifted left by s, q15 window and a halving, as the
 * complex points fa + j fb in bit-reversed order (work), then their scaled n-point FFT */
static void pair_fft(const sf_q15_bands_config *cfg, const int16_t *fa, const int16_t *fb, uint32_t s, int32_t *work)
{
    uint32_t n = cfg->n_fft, i;
    const uint16_t *rev = cfg->bitrev;
#ifdef SF_Q15_SIMD
    int32_t rnd = (int32_t)1 << (15u - s); /* ((q w + 2^(15 - s)) << s) >> 16 = ((q << s) w + 2^15) >> 16 */
    if (fb != 0) {
        for (i = 0; i < n; i += 2u) {
            int32_t a = load_pair(&fa[i]), b = load_pair(&fb[i]), wv = load_pair(&cfg->window[i]);
            uint32_t a0 = (uint32_t)__smlabb(a, wv, rnd) << s, b0 = (uint32_t)__smlabb(b, wv, rnd) << s;
            uint32_t a1 = (uint32_t)__smlatt(a, wv, rnd) << s, b1 = (uint32_t)__smlatt(b, wv, rnd) << s;
            work[rev[i]] = pkhtb16((int32_t)b0, (int32_t)a0);
            work[rev[i + 1u]] = pkhtb16((int32_t)b1, (int32_t)a1);
        }
    } else {
        for (i = 0; i < n; i += 2u) {
            int32_t a = load_pair(&fa[i]), wv = load_pair(&cfg->window[i]);
            uint32_t a0 = (uint32_t)__smlabb(a, wv, rnd) << s, a1 = (uint32_t)__smlatt(a, wv, rnd) << s;
            work[rev[i]] = (int32_t)(a0 >> 16);
            work[rev[i + 1u]] = (int32_t)(a1 >> 16);
        }
    }
#else
    int32_t *re = work, *im = work + n, scale = (int32_t)1 << s;
    for (i = 0; i < n; i++) {
        uint32_t t = rev[i];
        re[i] = (fa[t] * scale * cfg->window[t] + 32768) >> 16;
        im[i] = fb != 0 ? (fb[t] * scale * cfg->window[t] + 32768) >> 16 : 0;
    }
#endif
    sf_q15_fft16(work, n, cfg->w);
}

/* sum over bins k of |Z_k|^2 + |Z_{n-k}|^2 (at most ~2^30: Parseval, |x| <= 2^14) */
static uint32_t band_power(const int32_t *work, uint32_t n, uint32_t lo, uint32_t len)
{
    uint32_t k;
#ifdef SF_Q15_SIMD
    int32_t sum = 0;
    for (k = lo; k < lo + len; k++) {
        int32_t z = work[k], y = work[(n - k) & (n - 1u)];
        sum = __smlad(z, z, sum);
        sum = __smlad(y, y, sum);
    }
    return (uint32_t)sum;
#else
    const int32_t *re = work, *im = work + n;
    uint32_t sum = 0;
    for (k = lo; k < lo + len; k++) {
        uint32_t m = (n - k) & (n - 1u);
        sum += (uint32_t)(re[k] * re[k] + im[k] * im[k]) + (uint32_t)(re[m] * re[m] + im[m] * im[m]);
    }
    return sum;
#endif
}

void sf_q15_band_energy(const sf_q15_bands_config *cfg, const int16_t *x, int32_t *work, uint64_t *bands)
{
    uint32_t t, b, n = cfg->n_fft;
    for (b = 0; b < cfg->n_bands; b++) bands[b] = 0u;
    for (t = 0; t < cfg->n_frames; t += 2u) { /* frames two at a time: fa + j fb, one FFT */
        const int16_t *fa = x + t * cfg->hop, *fb = t + 1u < cfg->n_frames ? fa + cfg->hop : 0;
        uint32_t peak, s;
        if (fb == 0) {
            peak = peak_of(fa, n);
        } else if (cfg->hop <= n && (cfg->hop & 1u) == 0u) { /* overlapping frames: one scan of both */
            peak = peak_of(fa, cfg->hop + n);
        } else {
            uint32_t pa = peak_of(fa, n), pb = peak_of(fb, n);
            peak = pb > pa ? pb : pa;
        }
        s = headroom_of(peak);
        pair_fft(cfg, fa, fb, s, work);
        for (b = 0; b < cfg->n_bands; b++) { /* << 1 >> 2s: to |FFT(q w) / n|^2 units */
            uint32_t sum = band_power(work, n, cfg->band_lo[b], cfg->band_len[b]);
            bands[b] += s != 0u ? (uint64_t)(sum >> (2u * s - 1u)) : (uint64_t)sum << 1;
        }
    }
}

void sf_q15_dct(const int16_t *d, uint32_t n_out, uint32_t n_in, const int32_t *x, int32_t *out)
{
    uint32_t i, j;
    for (i = 0; i < n_out; i++) {
        int64_t acc = 0;
        for (j = 0; j < n_in; j++) acc += (int64_t)d[i * n_in + j] * x[j];
        out[i] = (int32_t)(acc >> 15);
    }
}

int32_t sf_q15_rint(float w)
{
    int32_t c = (int32_t)w; /* toward zero */
    float d = w - (float)c; /* exact */
    if (d > 0.5f || (d == 0.5f && (c & 1))) c++;
    else if (d < -0.5f || (d == -0.5f && (c & 1))) c--;
    return c;
}

float sf_q15_feature(int64_t code, float fscale)
{
    if (code >= INT32_MIN && code <= INT32_MAX) return (float)(int32_t)code * fscale;
    return (float)code * fscale;
}
