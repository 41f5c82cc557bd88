/* sf_dct: DCT-II with orthonormal scaling (scipy.fft.dct(type=2, norm='ortho'), as
 * librosa.feature.mfcc uses), keeping the first n_out coefficients, as a product with a
 * constant n_out x n_in matrix generated at export from the reference's dct_matrix(). */
#ifndef SF_DCT_H
#define SF_DCT_H

#include <stdint.h>

#include "sf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint16_t n_in, n_out;
    const float *matrix;  /* row-major n_out x n_in */
} sf_dct_inst_f32;

void sf_dct_init_f32(sf_dct_inst_f32 *S, uint16_t n_in, uint16_t n_out, const float *matrix);
/* dst[k] = sum_m matrix[k][m] * src[m] */
void sf_dct_process_f32(const sf_dct_inst_f32 *S, const float *src, float *dst);
/* dst[k] += d * matrix[k][m]: the DCT of a change d of input m alone (the transform is linear). */
void sf_dct_add_column_f32(const sf_dct_inst_f32 *S, uint32_t m, float d, float *dst);
/* sums[k] = sum_m matrix[k][m]: the DCT of an all-ones input (a constant input c gives c * sums). */
void sf_dct_row_sums_f32(const sf_dct_inst_f32 *S, float *sums);
/* Fill matrix (n_out x n_in) with the DCT-II ortho basis, for tests and RAM tables. */
void sf_dct_make_matrix_f32(uint16_t n_in, uint16_t n_out, float *matrix);

#ifdef __cplusplus
}
#endif

#endif /* SF_DCT_H */
