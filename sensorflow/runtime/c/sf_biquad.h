/* sf_biquad: cascade of second-order sections in direct form II transposed, as
 * scipy.signal.sosfilt computes it, with state kept across calls (chunked input gives the
 * same output as one call). Coefficients per section: b0, b1, b2, a1, a2 with a0 = 1 and
 * scipy's signs:  y = b0 x + z1;  z1 = b1 x - a1 y + z2;  z2 = b2 x - a2 y.
 * (CMSIS-DSP's arm_biquad_cascade_df2T stores -a1, -a2 instead.) */
#ifndef SF_BIQUAD_H
#define SF_BIQUAD_H

#include <stdint.h>

#include "sf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint16_t n_sections;
    const float *coeffs;  /* 5 per section */
    float *state;         /* 2 per section, caller-owned */
} sf_biquad_inst_f32;

/* Zeroes the state (scipy's zi = 0). */
void sf_biquad_init_f32(sf_biquad_inst_f32 *S, uint16_t n_sections, const float *coeffs, float *state);
void sf_biquad_reset_f32(sf_biquad_inst_f32 *S);
/* state = zi_unit * x0 (2 per section): scipy.signal.sosfilt_zi(sos) * x[0], the steady state
 * for a step of height x0. */
void sf_biquad_set_state_f32(sf_biquad_inst_f32 *S, const float *zi_unit, float x0);
/* Filter n samples read from src[i * src_stride] into dst[i * dst_stride] (may alias when the
 * strides are equal). */
void sf_biquad_process_f32(sf_biquad_inst_f32 *S, const float *src, uint32_t src_stride, float *dst,
                           uint32_t dst_stride, uint32_t n);

#ifdef __cplusplus
}
#endif

#endif /* SF_BIQUAD_H */
