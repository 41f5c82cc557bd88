/* sf_common.h: shared definitions of the sensorflow C runtime.
 * GENERATED from sensorflow/codegen/c/status.py (python -m sensorflow.codegen.c.status);
 * edit the Python list, not this file: a test checks the two agree.
 * C99, no malloc; header helpers are static inline so the header links from any number of
 * translation units. */
#ifndef SF_COMMON_H
#define SF_COMMON_H

/* Renames of the runtime's external symbols, first so that every declaration sees them: an
 * export writes one that prefixes each kernel with the export prefix (two exported pipelines
 * link into one program); the copy in sensorflow/runtime/c renames nothing. */
#include "sf_names.h"

#include <stdint.h>
#include <stddef.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes: 0 is success, errors are negative. */
typedef enum {
    SF_OK = 0,  /* ok */
    SF_ERR_NULL = -1,  /* null pointer argument */
    SF_ERR_ARG = -2,  /* argument out of range */
    SF_ERR_NOT_READY = -3,  /* no window has completed yet */
    SF_ERR_NO_MODEL = -4,  /* the pipeline has no model stage */
    SF_ERR_NOT_INIT = -5,  /* init() was not called */
    SF_ERR_NONFINITE = -6  /* input holds NaN or Inf */
} sf_status;

/* Message of a status code ("unknown status" for anything else). */
static inline const char *sf_status_str(int status)
{
    static const char *const messages[] = {
        "ok",  /* SF_OK */
        "null pointer argument",  /* SF_ERR_NULL */
        "argument out of range",  /* SF_ERR_ARG */
        "no window has completed yet",  /* SF_ERR_NOT_READY */
        "the pipeline has no model stage",  /* SF_ERR_NO_MODEL */
        "init() was not called",  /* SF_ERR_NOT_INIT */
        "input holds NaN or Inf"  /* SF_ERR_NONFINITE */
    };
    int i = -status;
    if (status > 0 || i >= (int)(sizeof messages / sizeof messages[0])) {
        return "unknown status";
    }
    return messages[i];
}

#if defined(__GNUC__) || defined(__clang__)
#define SF_INFINITY (__builtin_inff())
#define SF_UNUSED __attribute__((unused))
#define SF_NOINLINE __attribute__((noinline))
#else
#define SF_NOINLINE
#define SF_INFINITY ((float)(1e30f * 1e30f))
#define SF_UNUSED
#endif

/* The one fp-contract switch of the runtime. A kernel whose float results are compared with
 * the numpy reference within a tolerance writes SF_FP_CONTRACT_FAST once, after its
 * #includes: GCC may then fuse a * b + c into one multiply-accumulate (VFMA on Cortex-M4F)
 * even in ISO C mode, where its default is off; results change by at most one rounding per
 * product. Generated pipeline code and the header-only kernels never use it, so the steps
 * numpy computes without fusing (scale, scaler, statistics) stay bit-exact. */
#if defined(__GNUC__) && !defined(__clang__)
#define SF_FP_CONTRACT_FAST _Pragma("GCC optimize(\"fp-contract=fast\")")
#else
#define SF_FP_CONTRACT_FAST
#endif

/* 1 when none of the n values is NaN or +-Inf, else 0. Reads the IEEE 754 exponent bits, so
 * it holds under -ffast-math / -ffinite-math-only too and needs no libm; one branch-free pass
 * (the exponent field plus one LSB of it carries into bit 31 only when the field is all ones),
 * unrolled by four: 4.75 instead of 6 instructions a value on the Cortex-M4F at -O2. */
static inline uint32_t sf_exp_carry_f32(const float *x)
{
    uint32_t bits;
    memcpy(&bits, x, sizeof bits);
    return (bits & 0x7f800000u) + 0x00800000u;
}

static inline int sf_all_finite_f32(const float *x, int n)
{
    uint32_t carry = 0u;
    int i = 0;
    for (; i + 4 <= n; i += 4) { /* four values a pass: the loop's count and branch once per four */
        carry |= sf_exp_carry_f32(&x[i]) | sf_exp_carry_f32(&x[i + 1]) | sf_exp_carry_f32(&x[i + 2])
                 | sf_exp_carry_f32(&x[i + 3]);
    }
    for (; i < n; i++) {
        carry |= sf_exp_carry_f32(&x[i]);
    }
    return (carry & 0x80000000u) == 0u;
}

/* Index of the first largest value (numpy.argmax's tie rule). n >= 1. */
static inline int sf_argmax_f32(const float *x, int n)
{
    int best = 0, i;
    for (i = 1; i < n; i++) {
        if (x[i] > x[best]) {
            best = i;
        }
    }
    return best;
}

/* Index of the first largest value of an unsigned accumulator array. n >= 1. */
static inline int sf_argmax_u32(const uint32_t *x, int n)
{
    int best = 0, i;
    for (i = 1; i < n; i++) {
        if (x[i] > x[best]) {
            best = i;
        }
    }
    return best;
}

#ifdef __cplusplus
}
#endif

#endif /* SF_COMMON_H */
