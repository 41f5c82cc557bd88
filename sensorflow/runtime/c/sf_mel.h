/* sf_mel: sparse mel filterbank. Each filter is the run of non-zero weights of one row of
 * the reference's mel matrix (librosa.filters.mel, Slaney or HTK): first FFT bin, number of
 * bins, and the weights themselves stored back to back. */
#ifndef SF_MEL_H
#define SF_MEL_H

#include <stdint.h>

#include "sf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint16_t n_mels;
    const uint16_t *start;  /* first bin of filter m */
    const uint16_t *len;    /* bins in filter m */
    const float *weights;   /* sum(len) weights, filter after filter */
} sf_mel_inst_f32;

void sf_mel_init_f32(sf_mel_inst_f32 *S, uint16_t n_mels, const uint16_t *start, const uint16_t *len,
                     const float *weights);
/* mel[m] = sum_k weights_m[k] * spec[start[m] + k] */
void sf_mel_process_f32(const sf_mel_inst_f32 *S, const float *spec, float *mel);

#ifdef __cplusplus
}
#endif

#endif /* SF_MEL_H */
