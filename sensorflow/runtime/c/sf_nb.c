#include "sf_nb.h"

#include <math.h>

int sf_gaussian_nb_f32(const float *x, const float *theta, const float *half_inv_var, const float *konst,
                       uint32_t n_classes, uint32_t n_features, float *scores)
{
    uint32_t c, i;
    int best;
    float mx, sum = 0.0f;
    for (c = 0; c < n_classes; c++) {
        const float *m = &theta[c * n_features], *h = &half_inv_var[c * n_features];
        float acc = 0.0f;
        for (i = 0; i < n_features; i++) {
            float d = x[i] - m[i];
            acc += d * d * h[i];
        }
        scores[c] = konst[c] - acc;
    }
    best = sf_argmax_f32(scores, (int)n_classes);
    mx = scores[best];
    for (c = 0; c < n_classes; c++) {
        scores[c] = expf(scores[c] - mx);
        sum += scores[c];
    }
    for (c = 0; c < n_classes; c++) {
        scores[c] /= sum;
    }
    return best;
}
