/* sf_minirocket: MiniRocket PPV features (Dempster, Schmidt & Webb, KDD 2021) of one float32
 * window, for a list of kept (kernel, dilation, bias, channel combination) entries.
 *
 * Conventions (those of the reference `minirocket` stage, sensorflow/dsp/minirocket.py, which
 * equals aeon's MiniRocket): kernel k (0..83) has weight +2 on the three taps
 * sf_minirocket_kernels[k] (itertools.combinations(range(9), 3) order) and -1 on the other six;
 * tap i at dilation d reads x[t + (i - 4) d], zero outside the window; the output has the
 * window's length. Convolutions are additions in float32, in this order, so the host's numpy
 * float32 path gives the same values (up to the sign of a zero): alpha = -x[t] - x[t - 4d]
 * - x[t - 3d] - x[t - 2d] - x[t - d] - x[t + d] - ... - x[t + 4d] (a tap outside the window is a
 * zero: subtracting +0.0f leaves the value as the reference's skipped tap does);
 * g_i = (x + x) + x at tap i (0 outside); v = ((alpha + g_a) + g_b) + g_c per channel; the
 * channels of the combination summed in their listed order. The feature is count(v > bias) / m
 * over all n outputs (padding = 1) or over the valid part [4d, n - 4d) (padding = 0; all n outputs
 * when that part is empty, 8 d >= n: a series shorter than the window), divided in
 * float32 (equal to numpy's float64 division rounded to float32). Counts equal the host's
 * exactly because every v does; a v equal to the bias counts as not above it (strict >), on both
 * sides. A count could only flip where v and the bias are within rounding of each other AND the
 * two sides sum in different orders or precisions (an FMA, float64, another channel order):
 * keep this order and build without -ffast-math.
 *
 * Consecutive entries with the same dilation share the tap sums alpha of every channel, and with
 * the same kernel and combination too, one convolution: order the entries by dilation, then
 * kernel and combination (the stage's feature order is). C99, no malloc: the caller passes
 * `scratch` of SF_MINIROCKET_SCRATCH(length, n_channels, largest dilation) floats. */
#ifndef SF_MINIROCKET_H
#define SF_MINIROCKET_H

#include <stdint.h>

#include "sf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Scratch floats for a window of `length` x `n_channels` and dilations up to `max_dilation`:
 * the convolution output (length), per channel the tap sum alpha (length) and the channel with
 * 4 d zeros on each side (length + 8 d). */
#define SF_MINIROCKET_SCRATCH(length, n_channels, max_dilation) \
    ((uint32_t)(length) + (uint32_t)(n_channels) * (2u * (uint32_t)(length) + 8u * (uint32_t)(max_dilation)))

typedef struct {
    float bias;
    uint16_t dilation;    /* >= 1 */
    uint16_t combination; /* channels comb_channels[comb_offsets[c] .. comb_offsets[c + 1]) */
    uint8_t kernel;       /* 0..83 */
    uint8_t padding;      /* 1: PPV over all outputs (zero padding); 0: over the valid part */
} sf_minirocket_feature;

/* The three +2 taps of each of the 84 kernels. */
extern const uint8_t sf_minirocket_kernels[84][3];

/* 1 when v > bias, else 0, as the sign bit of bias - v (three M4F instructions: vsub, vmov,
 * add with shift; a compare costs six). Exact for a bias that is not -0.0f (pass bias + 0.0f,
 * which turns -0 into +0 and changes nothing else): the difference of two floats is negative
 * exactly when the first is below the second (a tiny difference is exact with subnormals and
 * keeps its sign when flushed), and v == bias gives +0. A NaN v (only from a sum that
 * overflowed: inf - inf) counts as not above, as the compare says, wherever the default NaN is
 * positive (Arm, RISC-V); on x86 it is negative and such a v would count. */
static inline uint32_t sf_minirocket_above(float bias, float v)
{
    const float diff = bias - v;
    uint32_t u;
    memcpy(&u, &diff, sizeof u);
    return u >> 31;
}

/* alpha[t] = -x[t] - x[t - 4d] - x[t - 3d] - x[t - 2d] - x[t - d] - x[t + d] - ... - x[t + 4d]
 * for t < n, in that order (the reference's), where xp[t] = x[t] and xp holds at least 4 d
 * zeros before xp[0] and after xp[n - 1]. */
void sf_minirocket_alpha(const float *xp, uint32_t n, uint32_t d, float *alpha);

/* out[f] = PPV of entry f on window[t * n_channels + ch] (t < length), f < n_features.
 * Returns SF_OK, SF_ERR_NULL, or SF_ERR_ARG (kernel > 83, dilation 0, a channel index out of
 * range, length or n_channels above 65535, scratch_floats below SF_MINIROCKET_SCRATCH(length, n_channels,
 * dilation)). `length` may be a recording's valid length below the window's (window.pad: valid):
 * the window's scratch is then large enough. */
int sf_minirocket_f32(const float *window, uint32_t length, uint32_t n_channels,
                      const sf_minirocket_feature *features, uint32_t n_features, const uint16_t *comb_offsets,
                      const uint16_t *comb_channels, float *scratch, uint32_t scratch_floats, float *out);

#ifdef __cplusplus
}
#endif

#endif /* SF_MINIROCKET_H */
