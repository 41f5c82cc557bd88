#include "sf_dense.h"

#include <math.h>

void sf_dense_f32(const float *x, const float *Wt, const float *b, float *y, uint32_t n_in, uint32_t n_out,
                  sf_activation act)
{
    uint32_t i, j;
    for (j = 0; j < n_out; j++) {
        const float *w = &Wt[j * n_in];
        float acc = 0.0f;
        for (i = 0; i < n_in; i++) {
            acc += w[i] * x[i];
        }
        acc += b[j];
        switch (act) {
        case SF_ACT_RELU:
            acc = acc > 0.0f ? acc : 0.0f;
            break;
        case SF_ACT_TANH:
            acc = tanhf(acc);
            break;
        case SF_ACT_LOGISTIC:
            acc = acc >= 0.0f ? 1.0f / (1.0f + expf(-acc)) : expf(acc) / (1.0f + expf(acc));
            break;
        default:
            break;
        }
        y[j] = acc;
    }
}
