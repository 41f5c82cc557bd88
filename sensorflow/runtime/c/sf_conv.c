#include "sf_conv.h"

#include "sf_dense.h"

void sf_conv1d_relu_f32(const float *x, uint32_t steps, uint32_t c_in, const float *Wt, const float *b,
                        uint32_t filters, uint32_t kernel, uint32_t stride, float *y)
{
    uint32_t t;
    uint32_t t_out = (steps - kernel) / stride + 1u;
    for (t = 0; t < t_out; t++) {
        sf_dense_f32(&x[t * stride * c_in], Wt, b, &y[t * filters], kernel * c_in, filters, SF_ACT_RELU);
    }
}

void sf_global_pool_f32(const float *h, uint32_t steps, uint32_t channels, int use_max, float *out)
{
    uint32_t t, c;
    for (c = 0; c < channels; c++) {
        out[c] = h[c];
    }
    for (t = 1; t < steps; t++) {
        const float *row = &h[t * channels];
        for (c = 0; c < channels; c++) {
            if (use_max) {
                out[c] = row[c] > out[c] ? row[c] : out[c];
            } else {
                out[c] += row[c];
            }
        }
    }
    if (!use_max) {
        for (c = 0; c < channels; c++) {
            out[c] /= (float)steps;
        }
    }
}
