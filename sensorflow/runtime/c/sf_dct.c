/* sf_dct: DCT-II ortho by a constant matrix (see sf_dct.h). */
#include "sf_dct.h"

SF_FP_CONTRACT_FAST /* float results within tolerance of numpy: see sf_common.h */

#include <math.h>

void sf_dct_init_f32(sf_dct_inst_f32 *S, uint16_t n_in, uint16_t n_out, const float *matrix)
{
    S->n_in = n_in;
    S->n_out = n_out;
    S->matrix = matrix;
}

void sf_dct_process_f32(const sf_dct_inst_f32 *S, const float *src, float *dst)
{
    const float *row = S->matrix;
    uint32_t k, n = S->n_in;
    for (k = 0; k < S->n_out; k++) {
        const float *x = src;
        uint32_t quads = n >> 2, rest = n & 3u;
        float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
        while (quads--) { /* pointer walks compile to post-increment loads */
            a0 += *row++ * *x++;
            a1 += *row++ * *x++;
            a2 += *row++ * *x++;
            a3 += *row++ * *x++;
        }
        while (rest--) a0 += *row++ * *x++;
        dst[k] = (a0 + a1) + (a2 + a3);
    }
}

void sf_dct_add_column_f32(const sf_dct_inst_f32 *S, uint32_t m, float d, float *dst)
{
    const float *col = S->matrix + m;
    uint32_t k;
    for (k = 0; k < S->n_out; k++) dst[k] += d * col[k * S->n_in];
}

void sf_dct_row_sums_f32(const sf_dct_inst_f32 *S, float *sums)
{
    uint32_t k, m;
    for (k = 0; k < S->n_out; k++) {
        float acc = 0.0f;
        for (m = 0; m < S->n_in; m++) acc += S->matrix[k * S->n_in + m];
        sums[k] = acc;
    }
}

void sf_dct_make_matrix_f32(uint16_t n_in, uint16_t n_out, float *matrix)
{
    uint32_t k, m;
    float scale0 = sqrtf(1.0f / (float)n_in), scale = sqrtf(2.0f / (float)n_in);
    float step = 3.14159265358979323846f / (2.0f * (float)n_in);
    for (k = 0; k < n_out; k++) {
        for (m = 0; m < n_in; m++) {
            /* reduce (2m+1)k modulo 4 n_in so the cosine argument stays small */
            uint32_t arg = ((2u * m + 1u) * k) % (4u * n_in);
            matrix[k * n_in + m] = (k == 0 ? scale0 : scale) * cosf(step * (float)arg);
        }
    }
}
