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

/* y[j] = act(b[j] + sum_i Wt[j * n_in + i] * x[i]), j < n_out. x and y must not overlap.
 * Each sum is float32, from 0.0f over i = 0 .. n_in - 1 in order, then plus b[j], with each
 * product rounded before it is added (strict C99 builds do not contract to FMA): the same bits
 * as a numpy float32 loop in that order. Four outputs are computed at a time so that each x[i]
 * load serves four weight rows; the activation is applied to y afterwards. */
void sf_dense_f32(const float *x, const float *Wt, const float *b, float *y, uint32_t n_in, uint32_t n_out,
                  sf_activation act);

#ifdef __cplusplus
}
#endif

#endif /* SF_DENSE_H */
