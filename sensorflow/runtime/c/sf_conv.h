/* sf_conv: temporal convolution layers, float32 (Keras Conv1D(padding="valid") + ReLU, and
 * GlobalMaxPooling1D / GlobalAveragePooling1D). Activations are time-major (steps x channels),
 * so the receptive field of output step t is the contiguous slice x[t*stride*c_in ...] of
 * kernel*c_in values: each output step is one dense product (sf_dense) with no im2col copy.
 * Steps are computed four (or two) at a time so each weight load serves several steps; every
 * output keeps sf_dense_f32's summation order, so the bits equal one sf_dense_f32 per step. */
#ifndef SF_CONV_H
#define SF_CONV_H

#include <stdint.h>

#include "sf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* y[t * filters + f] = relu(b[f] + sum_i Wt[f * kernel * c_in + i] * x[t * stride * c_in + i])
 * for t < (steps - kernel) / stride + 1. x and y must not overlap. */
void sf_conv1d_relu_f32(const float *x, uint32_t steps, uint32_t c_in, const float *Wt, const float *b,
                        uint32_t filters, uint32_t kernel, uint32_t stride, float *y);

/* The first layer's bias for a window whose channels it sees less their means over the steps
 * (conv1d center_window): mean[c] = sum_t x[t * c_in + c] / steps, then
 * bias[f] = b[f] + sum_c negSt[f * c_in + c] * mean[c] (sf_dense_f32), negSt being minus the
 * layer's weights summed over its taps, filter-major. Exact because the convolution is linear:
 * the layer with this bias on x equals it with b on the centred window, with no centred copy. */
void sf_conv1d_centred_bias_f32(const float *x, uint32_t steps, uint32_t c_in, const float *negSt, const float *b,
                                uint32_t filters, float *mean, float *bias);

/* out[c] = max (use_max != 0) or mean over t of h[t * channels + c]. */
void sf_global_pool_f32(const float *h, uint32_t steps, uint32_t channels, int use_max, float *out);

#ifdef __cplusplus
}
#endif

#endif /* SF_CONV_H */
