/* sf_spectral: spectrum shape features of one frame, float32. `spec` holds n_bins values
 * (bins 0 .. n_fft/2 of a magnitude or power spectrum), bin k at frequency k * df Hz.
 * Definitions follow librosa.feature (spectral_centroid, spectral_bandwidth with p = 2,
 * spectral_rolloff, spectral_flatness); a silent frame gives 0 (not NaN). The Hilbert
 * envelope follows scipy.signal.hilbert: |ifft(fft(x) * h)|, h = 1, 2 ... 2, 1, 0 ... 0. */
#ifndef SF_SPECTRAL_H
#define SF_SPECTRAL_H

#include <stdint.h>

#include <math.h>

#include "sf_fft.h"

/* mag[k] = sqrt(power[k]), may run in place */
static inline void sf_spectral_sqrt_f32(const float *power, float *mag, uint32_t n)
{
    uint32_t k;
    for (k = 0; k < n; k++) mag[k] = sqrtf(power[k]);
}

float sf_spectral_sum_f32(const float *spec, uint32_t n_bins);
float sf_spectral_centroid_f32(const float *spec, uint32_t n_bins, float df);
/* sqrt(sum spec * (f - centroid)^2 / sum spec) */
float sf_spectral_bandwidth_f32(const float *spec, uint32_t n_bins, float df, float centroid);
/* lowest bin frequency where the cumulative sum reaches fraction * total */
float sf_spectral_rolloff_f32(const float *spec, uint32_t n_bins, float df, float fraction);
/* geometric mean / arithmetic mean of max(amin, spec) */
float sf_spectral_flatness_f32(const float *spec, uint32_t n_bins, float amin);
/* The k largest values, largest first, ties to the lower bin (numpy's stable argsort of
 * -spec); bins in idx. Bins below `first_bin` are skipped. Returns how many were found. */
uint32_t sf_spectral_top_k_f32(const float *spec, uint32_t n_bins, uint32_t first_bin, uint32_t k, uint16_t *idx,
                               float *val);

/* Hilbert envelope of n real samples (n a power of two):
 *   rfft: instance of n points; cfft: instance of n complex points (same twiddle table L = n,
 *   bitrev of n entries); work: 3n floats scratch; x is destroyed; env: n floats. */
void sf_envelope_process_f32(const sf_rfft_inst_f32 *rfft, const sf_cfft_inst_f32 *cfft, float *x, float *work,
                             float *env);

#endif /* SF_SPECTRAL_H */
