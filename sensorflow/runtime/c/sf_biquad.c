/* sf_biquad: DF2T second-order-section cascade (see sf_biquad.h). */
#include "sf_biquad.h"

SF_FP_CONTRACT_FAST /* float results within tolerance of numpy: see sf_common.h */

void sf_biquad_init_f32(sf_biquad_inst_f32 *S, uint16_t n_sections, const float *coeffs, float *state)
{
    S->n_sections = n_sections;
    S->coeffs = coeffs;
    S->state = state;
    sf_biquad_reset_f32(S);
}

void sf_biquad_reset_f32(sf_biquad_inst_f32 *S)
{
    uint32_t i;
    for (i = 0; i < 2u * S->n_sections; i++) S->state[i] = 0.0f;
}

void sf_biquad_set_state_f32(sf_biquad_inst_f32 *S, const float *zi_unit, float x0)
{
    uint32_t i;
    for (i = 0; i < 2u * S->n_sections; i++) S->state[i] = zi_unit[i] * x0;
}

void sf_biquad_process_f32(sf_biquad_inst_f32 *S, const float *src, uint32_t src_stride, float *dst,
                           uint32_t dst_stride, uint32_t n)
{
    uint32_t s, i;
    const float *in = src;
    uint32_t in_stride = src_stride;
    for (s = 0; s < S->n_sections; s++) {
        const float *c = S->coeffs + 5u * s;
        float b0 = c[0], b1 = c[1], b2 = c[2], a1 = c[3], a2 = c[4];
        float z1 = S->state[2u * s], z2 = S->state[2u * s + 1u];
        for (i = 0; i < n; i++) {
            float x = in[i * in_stride];
            float y = b0 * x + z1;
            z1 = b1 * x - a1 * y + z2;
            z2 = b2 * x - a2 * y;
            dst[i * dst_stride] = y;
        }
        S->state[2u * s] = z1;
        S->state[2u * s + 1u] = z2;
        in = dst;
        in_stride = dst_stride;
    }
    if (S->n_sections == 0u) {
        for (i = 0; i < n; i++) dst[i * dst_stride] = src[i * src_stride];
    }
}
