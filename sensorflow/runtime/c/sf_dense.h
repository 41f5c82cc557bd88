/* sf_dense: fully connected layers, float32 (the forward pass of
 * sklearn.neural_network.MLPClassifier: a = act(a @ W + b)). Weights are stored transposed,
 * one row of n_in weights per output, so each output is one contiguous dot product. */
#ifndef SF_DENSE_H
#define SF_DENSE_H

#include <stdint.h>

#include "sf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { SF_ACT_IDENTITY = 0, SF_ACT_RELU = 1, SF_ACT_TANH = 2, SF_ACT_LOGISTIC = 3 } sf_activation;

/* y[j] = act(b[j] + sum_i Wt[j * n_in + i] * x[i]), j < n_out. x and y must not overlap. */
void sf_dense_f32(const float *x, const float *Wt, const float *b, float *y, uint32_t n_in, uint32_t n_out,
                  sf_activation act);

#ifdef __cplusplus
}
#endif

#endif /* SF_DENSE_H */
