#include "sf_dense.h"

#include <math.h>

/* The activation over y[0..n), with the choice made once rather than per element. */
static void activate(float *y, uint32_t n, sf_activation act)
{
    uint32_t j;
    switch (act) {
    case SF_ACT_RELU:
        for (j = 0; j < n; j++) {
            y[j] = y[j] > 0.0f ? y[j] : 0.0f;
        }
        break;
    case SF_ACT_TANH:
        for (j = 0; j < n; j++) {
            y[j] = tanhf(y[j]);
        }
        break;
    case SF_ACT_LOGISTIC:
        for (j = 0; j < n; j++) {
            float a = y[j];
            y[j] = a >= 0.0f ? 1.0f / (1.0f + expf(-a)) : expf(a) / (1.0f + expf(a));
        }
        break;
    default:
        break;
    }
}

void sf_dense_f32(const float *x, const float *Wt, const float *b, float *y, uint32_t n_in, uint32_t n_out,
                  sf_activation act)
{
    uint32_t i, j = 0;
    /* four outputs at a time: each x[i] load serves four weight rows, four independent sums */
    for (; j + 4u <= n_out; j += 4u) {
        const float *w0 = &Wt[j * n_in], *w1 = w0 + n_in, *w2 = w1 + n_in, *w3 = w2 + n_in;
        float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
        for (i = 0; i < n_in; i++) {
            float u = x[i];
            a0 += w0[i] * u;
            a1 += w1[i] * u;
            a2 += w2[i] * u;
            a3 += w3[i] * u;
        }
        y[j] = a0 + b[j];
        y[j + 1u] = a1 + b[j + 1u];
        y[j + 2u] = a2 + b[j + 2u];
        y[j + 3u] = a3 + b[j + 3u];
    }
    for (; j < n_out; j++) {
        const float *w = &Wt[j * n_in];
        float a = 0.0f;
        for (i = 0; i < n_in; i++) {
            a += w[i] * x[i];
        }
        y[j] = a + b[j];
    }
    activate(y, n_out, act);
}
