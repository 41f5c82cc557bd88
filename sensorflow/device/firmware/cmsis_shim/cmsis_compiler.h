/* Minimal stand-in for CMSIS-Core's cmsis_compiler.h (GCC), which CMSIS-DSP's headers include
 * but the cmsisdsp source distribution does not ship. Only compiler-attribute macros, with the
 * same definitions as CMSIS-Core's cmsis_gcc.h; the measured CMSIS-DSP code is unchanged. */
#ifndef SF_BENCH_CMSIS_COMPILER_SHIM_H
#define SF_BENCH_CMSIS_COMPILER_SHIM_H
#include <stdint.h>
#ifndef __ASM
#define __ASM __asm
#endif
#ifndef __INLINE
#define __INLINE inline
#endif
#ifndef __STATIC_INLINE
#define __STATIC_INLINE static inline
#endif
#ifndef __STATIC_FORCEINLINE
#define __STATIC_FORCEINLINE __attribute__((always_inline)) static inline
#endif
#ifndef __WEAK
#define __WEAK __attribute__((weak))
#endif
#ifndef __ALIGNED
#define __ALIGNED(x) __attribute__((aligned(x)))
#endif
#ifndef __PACKED
#define __PACKED __attribute__((packed, aligned(1)))
#endif
#ifndef __RESTRICT
#define __RESTRICT __restrict
#endif
/* count leading zeros, as cmsis_gcc.h defines it */
__STATIC_FORCEINLINE uint8_t __CLZ(uint32_t value)
{
    return value == 0u ? 32u : (uint8_t)__builtin_clz(value);
}
#endif
