/* sf_minirocket: MiniRocket PPV features (Dempster, Schmidt & Webb, KDD 2021) of one float32
 * window, for a list of kept (kernel, dilation, bias, channel combination) entries.
 *
 * Conventions (those of the reference `minirocket` stage, sensorflow/dsp/minirocket.py, which
 * equals aeon's MiniRocket): kernel k (0..83) has weight +2 on the three taps
 * sf_minirocket_kernels[k] (itertools.combinations(range(9), 3) order) and -1 on the other six;
 * tap i at dilation d reads x[t + (i - 4) d], zero outside the window; the output has the
 * window's length. Convolutions are additions in float32, in this order, so the host's numpy
 * float32 path gives the same values bit for bit: alpha = -x[t] then minus the taps 0, 1, 2, 3,
 * 5, 6, 7, 8 that fall inside the window; g_i = (x + x) + x at tap i (0 outside);
 * v = ((alpha + g_a) + g_b) + g_c per channel; the channels of the combination summed in their
 * listed order. The feature is count(v > bias) / m over all n outputs (padding = 1) or over the
 * valid part [4d, n - 4d) (padding = 0); the count is an integer, so it is exact whenever v is,
 * and a v equal to the bias counts as not above it.
 *
 * Consecutive entries with the same kernel, dilation and combination share one convolution
 * (order the entries so that they are adjacent). C99, no malloc: the caller passes `scratch`
 * of SF_MINIROCKET_SCRATCH(length, largest dilation) floats (the convolution output and one
 * channel with 4d zeros on each side). */
#ifndef SF_MINIROCKET_H
#define SF_MINIROCKET_H

#include <stdint.h>

#include "sf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SF_MINIROCKET_SCRATCH(length, max_dilation) (2u * (uint32_t)(length) + 8u * (uint32_t)(max_dilation))

typedef struct {
    float bias;
    uint16_t dilation;    /* >= 1 */
    uint16_t combination; /* channels comb_channels[comb_offsets[c] .. comb_offsets[c + 1]) */
    uint8_t kernel;       /* 0..83 */
    uint8_t padding;      /* 1: PPV over all outputs (zero padding); 0: over the valid part */
} sf_minirocket_feature;

/* The three +2 taps of each of the 84 kernels. */
extern const uint8_t sf_minirocket_kernels[84][3];

/* out[f] = PPV of entry f on window[t * n_channels + ch] (t < length), f < n_features.
 * Returns SF_OK, SF_ERR_NULL, or SF_ERR_ARG (kernel > 83, dilation 0, a channel index out of
 * range, scratch_floats below SF_MINIROCKET_SCRATCH(length, dilation), or a padding-0 entry whose
 * valid part is empty: 8 d >= length). */
int sf_minirocket_f32(const float *window, uint32_t length, uint32_t n_channels,
                      const sf_minirocket_feature *features, uint32_t n_features, const uint16_t *comb_offsets,
                      const uint16_t *comb_channels, float *scratch, uint32_t scratch_floats, float *out);

#ifdef __cplusplus
}
#endif

#endif /* SF_MINIROCKET_H */
