/* Compiler run-time helpers that Debian's lx106 libgcc leaves out because the ESP8266 ROM
 * provides them: integer division (__udivsi3, __umodsi3, __divsi3, 64-bit __udivdi3,
 * __umoddi3, __divdi3, __muldi3) and IEEE 754 binary32 arithmetic (__addsf3, __subsf3,
 * __mulsf3, __floatsisf, __floatunsisf, __fixunssfsi, and the conversions __truncdfsf2 and
 * __extendsfdf2 that picolibc's logf/powf/log2f/log10f/exp2f reference). Float results are correctly rounded
 * (round to nearest, ties to even) with subnormals, infinities and signed zeros, so they
 * equal a host FPU's bit for bit; a NaN operand gives that NaN made quiet, an invalid
 * operation the default NaN 0x7FC00000. Division by zero gives quotient 0 and remainder n (the C
 * standard leaves it undefined). The libgcc names and signatures are the GCC internals
 * manual's ("Soft float library routines", "Integer library routines").
 * RT_FN renames them so the host can test this file against its own FPU. */
#include <stdint.h>

#ifndef RT_FN
#define RT_FN(name) name
#endif

/* ---- integers ---------------------------------------------------------------------- */

static uint32_t udivmod32(uint32_t n, uint32_t d, uint32_t *rem)
{
    if (d == 0u) {
        *rem = n;
        return 0u;
    }
    if (n < d) {
        *rem = n;
        return 0u;
    }
    int shift = __builtin_clz(d) - __builtin_clz(n); /* align d's top bit with n's */
    uint32_t q = 0u;
    d <<= shift;
    for (; shift >= 0; shift--) {
        q <<= 1;
        if (n >= d) {
            n -= d;
            q |= 1u;
        }
        d >>= 1;
    }
    *rem = n;
    return q;
}

uint32_t RT_FN(__udivsi3)(uint32_t n, uint32_t d);
uint32_t RT_FN(__umodsi3)(uint32_t n, uint32_t d);
int32_t RT_FN(__divsi3)(int32_t n, int32_t d);
uint64_t RT_FN(__muldi3)(uint64_t a, uint64_t b);
uint64_t RT_FN(__udivdi3)(uint64_t n, uint64_t d);
uint64_t RT_FN(__umoddi3)(uint64_t n, uint64_t d);
int64_t RT_FN(__divdi3)(int64_t n, int64_t d);
float RT_FN(__addsf3)(float a, float b);
float RT_FN(__subsf3)(float a, float b);
float RT_FN(__mulsf3)(float a, float b);
float RT_FN(__floatsisf)(int32_t i);
float RT_FN(__floatunsisf)(uint32_t u);
uint32_t RT_FN(__fixunssfsi)(float a);
float RT_FN(__truncdfsf2)(double d);
double RT_FN(__extendsfdf2)(float f);

uint32_t RT_FN(__udivsi3)(uint32_t n, uint32_t d)
{
    uint32_t r;
    return udivmod32(n, d, &r);
}

uint32_t RT_FN(__umodsi3)(uint32_t n, uint32_t d)
{
    uint32_t r;
    (void)udivmod32(n, d, &r);
    return r;
}

int32_t RT_FN(__divsi3)(int32_t n, int32_t d)
{
    uint32_t un = n < 0 ? 0u - (uint32_t)n : (uint32_t)n;
    uint32_t ud = d < 0 ? 0u - (uint32_t)d : (uint32_t)d;
    uint32_t r;
    uint32_t q = udivmod32(un, ud, &r);
    return (int32_t)(((n < 0) != (d < 0)) ? 0u - q : q);
}

/* 32 x 32 -> 64 from 16-bit halves (lx106 has MULL but no high-part multiply). */
static uint64_t mul32x32(uint32_t a, uint32_t b)
{
    uint32_t al = a & 0xFFFFu, ah = a >> 16, bl = b & 0xFFFFu, bh = b >> 16;
    uint32_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint32_t mid = (ll >> 16) + (lh & 0xFFFFu) + (hl & 0xFFFFu);
    uint32_t lo = (ll & 0xFFFFu) | (mid << 16);
    uint32_t hi = hh + (lh >> 16) + (hl >> 16) + (mid >> 16);
    return ((uint64_t)hi << 32) | lo;
}

uint64_t RT_FN(__muldi3)(uint64_t a, uint64_t b)
{
    uint32_t al = (uint32_t)a, ah = (uint32_t)(a >> 32), bl = (uint32_t)b, bh = (uint32_t)(b >> 32);
    return mul32x32(al, bl) + ((uint64_t)(al * bh + ah * bl) << 32);
}

static uint64_t udivmod64(uint64_t n, uint64_t d, uint64_t *rem)
{
    if (d == 0u || n < d) {
        *rem = n;
        return 0u;
    }
    uint32_t dh = (uint32_t)(d >> 32), nh = (uint32_t)(n >> 32);
    int lz_d = dh ? __builtin_clz(dh) : 32 + __builtin_clz((uint32_t)d);
    int lz_n = nh ? __builtin_clz(nh) : 32 + __builtin_clz((uint32_t)n);
    int shift = lz_d - lz_n;
    uint64_t q = 0u;
    d <<= shift;
    for (; shift >= 0; shift--) {
        q <<= 1;
        if (n >= d) {
            n -= d;
            q |= 1u;
        }
        d >>= 1;
    }
    *rem = n;
    return q;
}

uint64_t RT_FN(__udivdi3)(uint64_t n, uint64_t d)
{
    uint64_t r;
    return udivmod64(n, d, &r);
}

uint64_t RT_FN(__umoddi3)(uint64_t n, uint64_t d)
{
    uint64_t r;
    (void)udivmod64(n, d, &r);
    return r;
}

int64_t RT_FN(__divdi3)(int64_t n, int64_t d)
{
    uint64_t un = n < 0 ? 0u - (uint64_t)n : (uint64_t)n;
    uint64_t ud = d < 0 ? 0u - (uint64_t)d : (uint64_t)d;
    uint64_t r;
    uint64_t q = udivmod64(un, ud, &r);
    return (int64_t)(((n < 0) != (d < 0)) ? 0u - q : q);
}

/* ---- binary32 ---------------------------------------------------------------------- */

#define F_SIGN 0x80000000u
#define F_INF 0x7F800000u
#define F_QNAN 0x00400000u
#define F_DEFAULT_NAN 0x7FC00000u

typedef union {
    float f;
    uint32_t u;
} fbits;

static uint32_t bits_of(float f)
{
    fbits b;
    b.f = f;
    return b.u;
}

static float float_of(uint32_t u)
{
    fbits b;
    b.u = u;
    return b.f;
}

static int is_nan(uint32_t u) { return (u & 0x7FFFFFFFu) > F_INF; }

/* Shift right, OR-ing every bit shifted out into bit 0 (the sticky bit). */
static uint32_t shift_right_jam(uint32_t x, int n)
{
    if (n <= 0) {
        return x;
    }
    if (n >= 31) {
        return x != 0u;
    }
    return (x >> n) | ((x << (32 - n)) != 0u);
}

/* The value sig * 2^(exp - 157), sig != 0 with its top bit at bit 30 (7 bits below the
 * binary32 LSB), rounded to nearest even and packed; exp is the biased exponent. */
static uint32_t round_pack(uint32_t sign, int exp, uint32_t sig)
{
    int subnormal = 0;
    if (exp >= 0xFF) {
        return sign | F_INF;
    }
    if (exp < 1) {
        sig = shift_right_jam(sig, 1 - exp);
        subnormal = 1;
    }
    uint32_t round_bits = sig & 0x7Fu;
    sig = (sig + 0x40u) >> 7;
    if (round_bits == 0x40u) {
        sig &= ~1u; /* a tie: to even */
    }
    if (subnormal) {
        return sign | sig; /* a carry into bit 23 is the smallest normal number, as it should be */
    }
    /* (exp - 1) << 23 plus the significand with its leading 1 at bit 23 adds that 1 to the
     * exponent; a carry to bit 24 after rounding bumps the exponent (to infinity at 0xFF). */
    return sign | (((uint32_t)(exp - 1) << 23) + sig);
}

/* Shift sig (nonzero, below 2^31) so its top bit is bit 30, adjusting exp. */
static uint32_t normalize_pack(uint32_t sign, int exp, uint32_t sig)
{
    int shift = __builtin_clz(sig) - 1;
    return round_pack(sign, exp - shift, sig << shift);
}

static uint32_t quiet(uint32_t u) { return u | F_QNAN; }

static uint32_t add_bits(uint32_t a, uint32_t b)
{
    if (is_nan(a)) {
        return quiet(a);
    }
    if (is_nan(b)) {
        return quiet(b);
    }
    uint32_t sa = a & F_SIGN, sb = b & F_SIGN;
    uint32_t ma = a & 0x7FFFFFFFu, mb = b & 0x7FFFFFFFu;
    if (ma == F_INF || mb == F_INF) {
        if (ma == F_INF && mb == F_INF && sa != sb) {
            return F_DEFAULT_NAN;
        }
        return ma == F_INF ? a : b;
    }
    if (mb == 0u) {
        return ma == 0u ? (sa & sb) : a; /* +0 + -0 = +0; -0 + -0 = -0 */
    }
    if (ma == 0u) {
        return b;
    }
    if (ma < mb) { /* a has the larger magnitude from here on */
        uint32_t t = a;
        a = b;
        b = t;
        t = sa;
        sa = sb;
        sb = t;
    }
    int ea = (int)((a >> 23) & 0xFFu), eb = (int)((b >> 23) & 0xFFu);
    uint32_t fa = a & 0x7FFFFFu, fb = b & 0x7FFFFFu;
    if (ea) {
        fa |= 0x800000u;
    } else {
        ea = 1; /* a subnormal has the exponent of the smallest normal, without the leading 1 */
    }
    if (eb) {
        fb |= 0x800000u;
    } else {
        eb = 1;
    }
    uint32_t xa = fa << 6, xb = shift_right_jam(fb << 6, ea - eb); /* leading 1 at bit 29 */
    uint32_t r;
    if (sa == sb) {
        r = xa + xb;
    } else {
        r = xa - xb;
        if (r == 0u) {
            return 0u; /* x - x = +0 when rounding to nearest */
        }
    }
    return normalize_pack(sa, ea + 1, r);
}

float RT_FN(__addsf3)(float a, float b) { return float_of(add_bits(bits_of(a), bits_of(b))); }

float RT_FN(__subsf3)(float a, float b)
{
    uint32_t ub = bits_of(b);
    if (!is_nan(ub)) {
        ub ^= F_SIGN;
    }
    return float_of(add_bits(bits_of(a), ub));
}

float RT_FN(__mulsf3)(float fa_, float fb_)
{
    uint32_t a = bits_of(fa_), b = bits_of(fb_);
    if (is_nan(a)) {
        return float_of(quiet(a));
    }
    if (is_nan(b)) {
        return float_of(quiet(b));
    }
    uint32_t sign = (a ^ b) & F_SIGN;
    uint32_t ma = a & 0x7FFFFFFFu, mb = b & 0x7FFFFFFFu;
    if (ma == F_INF || mb == F_INF) {
        if (ma == 0u || mb == 0u) {
            return float_of(F_DEFAULT_NAN); /* inf * 0 */
        }
        return float_of(sign | F_INF);
    }
    if (ma == 0u || mb == 0u) {
        return float_of(sign);
    }
    int ea = (int)(ma >> 23), eb = (int)(mb >> 23);
    uint32_t fa = ma & 0x7FFFFFu, fb = mb & 0x7FFFFFu;
    if (ea) {
        fa |= 0x800000u;
    } else { /* normalise a subnormal */
        int s = __builtin_clz(fa) - 8;
        fa <<= s;
        ea = 1 - s;
    }
    if (eb) {
        fb |= 0x800000u;
    } else {
        int s = __builtin_clz(fb) - 8;
        fb <<= s;
        eb = 1 - s;
    }
    /* (fa << 7) * (fb << 8) lies in [2^61, 2^63); keep its top 32 bits plus a sticky bit */
    uint64_t p = mul32x32(fa << 7, fb << 8);
    int exp = ea + eb - 126;
    if (p < (1ull << 62)) {
        p <<= 1;
        exp -= 1;
    }
    uint32_t sig = (uint32_t)(p >> 32) | ((uint32_t)p != 0u);
    return float_of(round_pack(sign, exp, sig));
}

float RT_FN(__floatunsisf)(uint32_t u)
{
    if (u == 0u) {
        return 0.0f;
    }
    int shift = __builtin_clz(u);
    uint32_t sig = shift == 0 ? shift_right_jam(u, 1) : u << (shift - 1);
    return float_of(round_pack(0u, 158 - shift, sig));
}

float RT_FN(__floatsisf)(int32_t i)
{
    uint32_t sign = i < 0 ? F_SIGN : 0u;
    uint32_t u = i < 0 ? 0u - (uint32_t)i : (uint32_t)i;
    return float_of(bits_of(RT_FN(__floatunsisf)(u)) | sign);
}

/* Truncates toward zero; negative inputs and NaN give 0, too large ones 0xFFFFFFFF. */
uint32_t RT_FN(__fixunssfsi)(float f)
{
    uint32_t a = bits_of(f);
    if (is_nan(a) || (a & F_SIGN)) {
        return 0u;
    }
    int e = (int)(a >> 23) - 127;
    if (e < 0) {
        return 0u;
    }
    if (e >= 32) {
        return 0xFFFFFFFFu;
    }
    uint32_t m = (a & 0x7FFFFFu) | 0x800000u;
    return e >= 23 ? m << (e - 23) : m >> (23 - e);
}

typedef union {
    double d;
    uint64_t u;
} dbits;

/* double -> float, correctly rounded. */
float RT_FN(__truncdfsf2)(double d)
{
    dbits b;
    b.d = d;
    uint32_t sign = (uint32_t)(b.u >> 32) & F_SIGN;
    int e = (int)((b.u >> 52) & 0x7FFu);
    uint64_t m = b.u & 0xFFFFFFFFFFFFFull;
    if (e == 0x7FF) {
        return float_of(m ? sign | F_INF | F_QNAN | (uint32_t)(m >> 29) : sign | F_INF);
    }
    if (e == 0 && m == 0u) {
        return float_of(sign);
    }
    if (e == 0) {
        e = 1; /* a double subnormal: far below the float range, round_pack makes it 0 */
    } else {
        m |= 1ull << 52;
    }
    /* value = m * 2^(e - 1075); keep the top bits with the leading 1 at bit 30 */
    uint32_t sig = (uint32_t)(m >> 22) | ((m & 0x3FFFFFu) != 0u);
    if (sig == 0u) {
        return float_of(sign);
    }
    return float_of(round_pack(sign, e - 896, sig)); /* float exponent = double exponent - 896 */
}

/* float -> double, exact. */
double RT_FN(__extendsfdf2)(float f)
{
    uint32_t a = bits_of(f);
    uint64_t sign = (uint64_t)(a & F_SIGN) << 32;
    int e = (int)((a >> 23) & 0xFFu);
    uint32_t m = a & 0x7FFFFFu;
    dbits b;
    if (e == 0xFF) {
        b.u = sign | 0x7FF0000000000000ull | ((uint64_t)m << 29) | (m ? 1ull << 51 : 0u);
    } else if (e == 0 && m == 0u) {
        b.u = sign;
    } else {
        if (e == 0) { /* subnormal float: normalise (every one is a normal double) */
            int s = __builtin_clz(m) - 8;
            m = (m << s) & 0x7FFFFFu;
            e = 1 - s;
        }
        b.u = sign | ((uint64_t)(e + 896) << 52) | ((uint64_t)m << 29);
    }
    return b.d;
}
