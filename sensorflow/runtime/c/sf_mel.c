/* sf_mel: sparse mel filterbank (see sf_mel.h). */
#include "sf_mel.h"

SF_FP_CONTRACT_FAST /* float results within tolerance of numpy: see sf_common.h */

void sf_mel_init_f32(sf_mel_inst_f32 *S, uint16_t n_mels, const uint16_t *start, const uint16_t *len,
                     const float *weights)
{
    S->n_mels = n_mels;
    S->start = start;
    S->len = len;
    S->weights = weights;
}

void sf_mel_process_f32(const sf_mel_inst_f32 *S, const float *spec, float *mel)
{
    const float *w = S->weights;
    uint32_t m;
    for (m = 0; m < S->n_mels; m++) {
        const float *x = spec + S->start[m];
        uint32_t n = S->len[m], pairs = n >> 1;
        float a0 = 0.0f, a1 = 0.0f;
        while (pairs--) { /* pointer walks compile to post-increment loads */
            a0 += *w++ * *x++;
            a1 += *w++ * *x++;
        }
        if (n & 1u) a0 += *w++ * *x;
        mel[m] = a0 + a1;
    }
}
