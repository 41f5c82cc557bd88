#include "sf_conv.h"

#include "sf_dense.h"

static float relu(float v) { return v > 0.0f ? v : 0.0f; }

/* Four output steps (inputs x0 + k * xs, outputs y0 + k * n_out, k < 4): every weight load
 * serves four steps and every input load four filters, sixteen independent sums. Each sum runs
 * in the order of sf_dense_f32 (from 0, i ascending, then the bias), so the results are the
 * same bits as one sf_dense_f32 call per step. */
static void conv_rows4(const float *x0, uint32_t xs, const float *Wt, const float *b, float *y0, uint32_t n_in,
                       uint32_t n_out)
{
    const float *x1 = x0 + xs, *x2 = x1 + xs, *x3 = x2 + xs;
    float *y1 = y0 + n_out, *y2 = y1 + n_out, *y3 = y2 + n_out;
    uint32_t i, j = 0;
    for (; j + 4u <= n_out; j += 4u) {
        const float *w0 = &Wt[j * n_in], *w1 = w0 + n_in, *w2 = w1 + n_in, *w3 = w2 + n_in;
        float a00 = 0.0f, a01 = 0.0f, a02 = 0.0f, a03 = 0.0f, a10 = 0.0f, a11 = 0.0f, a12 = 0.0f, a13 = 0.0f;
        float a20 = 0.0f, a21 = 0.0f, a22 = 0.0f, a23 = 0.0f, a30 = 0.0f, a31 = 0.0f, a32 = 0.0f, a33 = 0.0f;
        for (i = 0; i < n_in; i++) {
            float u0 = x0[i], u1 = x1[i], u2 = x2[i], u3 = x3[i], w;
            w = w0[i];
            a00 += w * u0;
            a10 += w * u1;
            a20 += w * u2;
            a30 += w * u3;
            w = w1[i];
            a01 += w * u0;
            a11 += w * u1;
            a21 += w * u2;
            a31 += w * u3;
            w = w2[i];
            a02 += w * u0;
            a12 += w * u1;
            a22 += w * u2;
            a32 += w * u3;
            w = w3[i];
            a03 += w * u0;
            a13 += w * u1;
            a23 += w * u2;
            a33 += w * u3;
        }
        y0[j] = relu(a00 + b[j]);
        y0[j + 1u] = relu(a01 + b[j + 1u]);
        y0[j + 2u] = relu(a02 + b[j + 2u]);
        y0[j + 3u] = relu(a03 + b[j + 3u]);
        y1[j] = relu(a10 + b[j]);
        y1[j + 1u] = relu(a11 + b[j + 1u]);
        y1[j + 2u] = relu(a12 + b[j + 2u]);
        y1[j + 3u] = relu(a13 + b[j + 3u]);
        y2[j] = relu(a20 + b[j]);
        y2[j + 1u] = relu(a21 + b[j + 1u]);
        y2[j + 2u] = relu(a22 + b[j + 2u]);
        y2[j + 3u] = relu(a23 + b[j + 3u]);
        y3[j] = relu(a30 + b[j]);
        y3[j + 1u] = relu(a31 + b[j + 1u]);
        y3[j + 2u] = relu(a32 + b[j + 2u]);
        y3[j + 3u] = relu(a33 + b[j + 3u]);
    }
    if (j < n_out) {
        sf_dense_f32(x0, &Wt[j * n_in], &b[j], &y0[j], n_in, n_out - j, SF_ACT_RELU);
        sf_dense_f32(x1, &Wt[j * n_in], &b[j], &y1[j], n_in, n_out - j, SF_ACT_RELU);
        sf_dense_f32(x2, &Wt[j * n_in], &b[j], &y2[j], n_in, n_out - j, SF_ACT_RELU);
        sf_dense_f32(x3, &Wt[j * n_in], &b[j], &y3[j], n_in, n_out - j, SF_ACT_RELU);
    }
}

/* The same for two output steps. */
static void conv_rows2(const float *x0, uint32_t xs, const float *Wt, const float *b, float *y0, uint32_t n_in,
                       uint32_t n_out)
{
    const float *x1 = x0 + xs;
    float *y1 = y0 + n_out;
    uint32_t i, j = 0;
    for (; j + 4u <= n_out; j += 4u) {
        const float *w0 = &Wt[j * n_in], *w1 = w0 + n_in, *w2 = w1 + n_in, *w3 = w2 + n_in;
        float a00 = 0.0f, a01 = 0.0f, a02 = 0.0f, a03 = 0.0f, a10 = 0.0f, a11 = 0.0f, a12 = 0.0f, a13 = 0.0f;
        for (i = 0; i < n_in; i++) {
            float u0 = x0[i], u1 = x1[i], w;
            w = w0[i];
            a00 += w * u0;
            a10 += w * u1;
            w = w1[i];
            a01 += w * u0;
            a11 += w * u1;
            w = w2[i];
            a02 += w * u0;
            a12 += w * u1;
            w = w3[i];
            a03 += w * u0;
            a13 += w * u1;
        }
        y0[j] = relu(a00 + b[j]);
        y0[j + 1u] = relu(a01 + b[j + 1u]);
        y0[j + 2u] = relu(a02 + b[j + 2u]);
        y0[j + 3u] = relu(a03 + b[j + 3u]);
        y1[j] = relu(a10 + b[j]);
        y1[j + 1u] = relu(a11 + b[j + 1u]);
        y1[j + 2u] = relu(a12 + b[j + 2u]);
        y1[j + 3u] = relu(a13 + b[j + 3u]);
    }
    if (j < n_out) {
        sf_dense_f32(x0, &Wt[j * n_in], &b[j], &y0[j], n_in, n_out - j, SF_ACT_RELU);
        sf_dense_f32(x1, &Wt[j * n_in], &b[j], &y1[j], n_in, n_out - j, SF_ACT_RELU);
    }
}

void sf_conv1d_relu_f32(const float *x, uint32_t steps, uint32_t c_in, const float *Wt, const float *b,
                        uint32_t filters, uint32_t kernel, uint32_t stride, float *y)
{
    uint32_t t = 0;
    uint32_t t_out = (steps - kernel) / stride + 1u;
    uint32_t xs = stride * c_in, n_in = kernel * c_in;
    for (; t + 4u <= t_out; t += 4u) {
        conv_rows4(&x[t * xs], xs, Wt, b, &y[t * filters], n_in, filters);
    }
    if (t + 2u <= t_out) {
        conv_rows2(&x[t * xs], xs, Wt, b, &y[t * filters], n_in, filters);
        t += 2u;
    }
    if (t < t_out) {
        sf_dense_f32(&x[t * xs], Wt, b, &y[t * filters], n_in, filters, SF_ACT_RELU);
    }
}

void sf_conv1d_centred_bias_f32(const float *x, uint32_t steps, uint32_t c_in, const float *negSt, const float *b,
                                uint32_t filters, float *mean, float *bias)
{
    uint32_t t, c;
    for (c = 0; c < c_in; c++) {
        const float *p = &x[c];
        float sum = 0.0f;
        for (t = 0; t < steps; t++, p += c_in) {
            sum += *p;
        }
        mean[c] = sum / (float)steps;
    }
    sf_dense_f32(mean, negSt, b, bias, c_in, filters, SF_ACT_IDENTITY);
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
