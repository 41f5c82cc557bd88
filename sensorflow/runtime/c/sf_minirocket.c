#include "sf_minirocket.h"

const uint8_t sf_minirocket_kernels[84][3] = {
    {0, 1, 2}, {0, 1, 3}, {0, 1, 4}, {0, 1, 5}, {0, 1, 6}, {0, 1, 7}, {0, 1, 8},
    {0, 2, 3}, {0, 2, 4}, {0, 2, 5}, {0, 2, 6}, {0, 2, 7}, {0, 2, 8}, {0, 3, 4},
    {0, 3, 5}, {0, 3, 6}, {0, 3, 7}, {0, 3, 8}, {0, 4, 5}, {0, 4, 6}, {0, 4, 7},
    {0, 4, 8}, {0, 5, 6}, {0, 5, 7}, {0, 5, 8}, {0, 6, 7}, {0, 6, 8}, {0, 7, 8},
    {1, 2, 3}, {1, 2, 4}, {1, 2, 5}, {1, 2, 6}, {1, 2, 7}, {1, 2, 8}, {1, 3, 4},
    {1, 3, 5}, {1, 3, 6}, {1, 3, 7}, {1, 3, 8}, {1, 4, 5}, {1, 4, 6}, {1, 4, 7},
    {1, 4, 8}, {1, 5, 6}, {1, 5, 7}, {1, 5, 8}, {1, 6, 7}, {1, 6, 8}, {1, 7, 8},
    {2, 3, 4}, {2, 3, 5}, {2, 3, 6}, {2, 3, 7}, {2, 3, 8}, {2, 4, 5}, {2, 4, 6},
    {2, 4, 7}, {2, 4, 8}, {2, 5, 6}, {2, 5, 7}, {2, 5, 8}, {2, 6, 7}, {2, 6, 8},
    {2, 7, 8}, {3, 4, 5}, {3, 4, 6}, {3, 4, 7}, {3, 4, 8}, {3, 5, 6}, {3, 5, 7},
    {3, 5, 8}, {3, 6, 7}, {3, 6, 8}, {3, 7, 8}, {4, 5, 6}, {4, 5, 7}, {4, 5, 8},
    {4, 6, 7}, {4, 6, 8}, {4, 7, 8}, {5, 6, 7}, {5, 6, 8}, {5, 7, 8}, {6, 7, 8}
};

void sf_minirocket_alpha(const float *xp, uint32_t n, uint32_t d, float *alpha)
{
    const int32_t o = (int32_t)d;
    uint32_t t;
    for (t = 0; t < n; t++) {
        const float *p = xp + t;
        float v = -p[0];
        v = v - p[-4 * o];
        v = v - p[-3 * o];
        v = v - p[-2 * o];
        v = v - p[-o];
        v = v - p[o];
        v = v - p[2 * o];
        v = v - p[3 * o];
        v = v - p[4 * o];
        alpha[t] = v;
    }
}

/* For dilation d and every channel: pad[c] = 3 x of the channel with 4d zeros on each side
 * (n + 8d floats) and alpha[c][t] = -x[t] - x[t - 4d] - x[t - 3d] - x[t - 2d] - x[t - d] - x[t + d] - ...
 * - x[t + 4d] in that order. A tap outside the window subtracts +0.0f, which leaves the value as
 * the reference's skipped tap does (at most the sign of a zero differs, which no comparison with
 * a bias sees). */
static void dilation_setup(const float *window, uint32_t n, uint32_t n_channels, uint32_t d, float *alpha, float *pad)
{
    const uint32_t h = 4u * d, w = n + 8u * d;
    uint32_t c, t;
    for (c = 0; c < n_channels; c++) {
        float *q = pad + c * w, *a = alpha + c * n;
        for (t = 0; t < h; t++) {
            q[t] = 0.0f;
            q[h + n + t] = 0.0f;
        }
        for (t = 0; t < n; t++) {
            q[h + t] = window[t * n_channels + c];
        }
        sf_minirocket_alpha(q + h, n, d, a);
        for (t = h; t < h + n; t++) {
            q[t] = (q[t] + q[t]) + q[t]; /* g = 3 x, as the reference's x + x + x */
        }
    }
}

/* acc[t] (first: =, else +=) ((alpha + g_a) + g_b) + g_c over one channel, t in [lo, hi). */
static void kernel_channel(const float *alpha, const float *g, int32_t d, const uint8_t *taps, uint32_t lo, uint32_t hi,
                           float *acc, int first)
{
    const float *ga = g + ((int32_t)taps[0] - 4) * d, *gb = g + ((int32_t)taps[1] - 4) * d;
    const float *gc = g + ((int32_t)taps[2] - 4) * d;
    uint32_t t;
    if (first) {
        for (t = lo; t < hi; t++) {
            acc[t] = ((alpha[t] + ga[t]) + gb[t]) + gc[t];
        }
    } else {
        for (t = lo; t < hi; t++) {
            acc[t] = acc[t] + (((alpha[t] + ga[t]) + gb[t]) + gc[t]);
        }
    }
}

/* As kernel_channel for the last channel of a convolution that one entry reads: counts
 * (acc[t] +) v > bias without storing v. */
static uint32_t kernel_count(const float *alpha, const float *g, int32_t d, const uint8_t *taps, uint32_t lo,
                             uint32_t hi, const float *acc, float bias)
{
    const float *ga = g + ((int32_t)taps[0] - 4) * d, *gb = g + ((int32_t)taps[1] - 4) * d;
    const float *gc = g + ((int32_t)taps[2] - 4) * d;
    const float b = bias + 0.0f; /* -0 -> +0, see sf_minirocket_above */
    uint32_t t, count = 0;
    if (!acc) {
        for (t = lo; t < hi; t++) {
            count += sf_minirocket_above(b, ((alpha[t] + ga[t]) + gb[t]) + gc[t]);
        }
    } else {
        for (t = lo; t < hi; t++) {
            count += sf_minirocket_above(b, acc[t] + (((alpha[t] + ga[t]) + gb[t]) + gc[t]));
        }
    }
    return count;
}

/* 1 when the entry counts over all outputs: zero padding, or a valid part [4d, n - 4d) that is
 * empty (8 d >= n: a series shorter than the window, window.pad: valid). */
static int counts_all(const sf_minirocket_feature *e, uint32_t length)
{
    return e->padding || 8u * e->dilation >= length;
}

/* 0 when the entry is usable with this window and scratch, else SF_ERR_ARG. */
static int check_entry(const sf_minirocket_feature *e, uint32_t length, uint32_t n_channels, uint32_t scratch_floats)
{
    if (e->kernel > 83 || e->dilation == 0 ||
        scratch_floats < SF_MINIROCKET_SCRATCH(length, n_channels, e->dilation)) {
        return SF_ERR_ARG;
    }
    return SF_OK;
}

static int same_convolution(const sf_minirocket_feature *a, const sf_minirocket_feature *b)
{
    return a->kernel == b->kernel && a->dilation == b->dilation && a->combination == b->combination;
}

int sf_minirocket_f32(const float *window, uint32_t length, uint32_t n_channels,
                      const sf_minirocket_feature *features, uint32_t n_features, const uint16_t *comb_offsets,
                      const uint16_t *comb_channels, float *scratch, uint32_t scratch_floats, float *out)
{
    uint32_t f = 0, dilation = 0;
    float *acc = scratch, *alpha = scratch + length, *pad = scratch + length + n_channels * length;
    if (!window || !features || !comb_offsets || !comb_channels || !scratch || !out) {
        return SF_ERR_NULL;
    }
    if (length == 0 || length > 0xffffu || n_channels == 0 || n_channels > 0xffffu) {
        return SF_ERR_ARG;
    }
    while (f < n_features) {
        const sf_minirocket_feature *e = &features[f];
        const uint32_t d = e->dilation, h = 4u * d, w = length + 8u * d;
        const uint8_t *taps;
        uint32_t end = f + 1, full = (uint32_t)counts_all(e, length), lo, hi, c0, c1, c, g;
        if (check_entry(e, length, n_channels, scratch_floats) != SF_OK) {
            return SF_ERR_ARG;
        }
        while (end < n_features && same_convolution(&features[end], e)) {
            if (check_entry(&features[end], length, n_channels, scratch_floats) != SF_OK) {
                return SF_ERR_ARG;
            }
            full |= (uint32_t)counts_all(&features[end], length);
            end++;
        }
        c0 = comb_offsets[e->combination];
        c1 = comb_offsets[e->combination + 1u];
        if (c1 <= c0) {
            return SF_ERR_ARG;
        }
        for (c = c0; c < c1; c++) {
            if (comb_channels[c] >= n_channels) {
                return SF_ERR_ARG;
            }
        }
        if (d != dilation) {
            dilation_setup(window, length, n_channels, d, alpha, pad);
            dilation = d;
        }
        taps = sf_minirocket_kernels[e->kernel];
        lo = full ? 0u : h; /* outputs any entry of this convolution reads */
        hi = full ? length : length - h;
        for (c = c0; c < c1; c++) {
            const uint32_t ch = comb_channels[c];
            const float *a = alpha + ch * length, *q = pad + ch * w + h;
            if (end == f + 1 && c + 1u == c1) { /* one entry: count as the last channel is added */
                uint32_t count = kernel_count(a, q, (int32_t)d, taps, lo, hi, c == c0 ? 0 : acc, e->bias);
                out[f] = (float)count / (float)(hi - lo);
                break;
            }
            kernel_channel(a, q, (int32_t)d, taps, lo, hi, acc, c == c0);
        }
        if (end > f + 1) {
            for (g = f; g < end; g++) {
                const sf_minirocket_feature *x = &features[g];
                const int all = counts_all(x, length);
                const uint32_t l0 = all ? 0u : h, l1 = all ? length : length - h;
                const float b = x->bias + 0.0f;
                uint32_t t, count = 0;
                for (t = l0; t < l1; t++) {
                    count += sf_minirocket_above(b, acc[t]);
                }
                out[g] = (float)count / (float)(l1 - l0);
            }
        }
        f = end;
    }
    return SF_OK;
}
