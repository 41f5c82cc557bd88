/* sf_spectral: spectrum shape features of one frame, float32. `spec` holds n_bins values
 * (bins 0 .. n_fft/2 of a magnitude or power spectrum), bin k at frequency k * df Hz.
 * Definitions follow librosa.feature (spectral_centroid, spectral_bandwidth with p = 2,
 * spectral_rolloff, spectral_flatness); a silent frame gives 0 (not NaN). The Hilbert
 * envelope follows scipy.signal.hilbert: |ifft(fft(x) * h)|, h = 1, 2 ... 2, 1, 0 ... 0. */
#ifndef SF_SPECTRAL_H
#define SF_SPECTRAL_H

#include <stdint.h>

#include <math.h>

#include "sf_common.h"
#include "sf_fft.h"

#ifdef __cplusplus
extern "C" {
#endif

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
/* geometric mean / arithmetic mean of max(amin, v), v = spec (square = 0) or spec^2 (square = 1) */
float sf_spectral_flatness_f32(const float *spec, uint32_t n_bins, float amin, int square);
/* The k largest local maxima (spec[b-1] < spec[b] >= spec[b+1], 0 < b < n_bins - 1, value > 0),
 * largest first, ties to the lower bin; returns how many were found (the rest is untouched). */
uint32_t sf_spectral_peaks_f32(const float *spec, uint32_t n_bins, uint32_t k, uint16_t *idx, float *val);
/* out[i] = max(spec[lo[i]] .. spec[hi[i] - 1]), lo[i] < hi[i]: the largest bin near each of n
 * frequencies (the bins within a tolerance of it). */
void sf_spectral_max_in_ranges_f32(const float *spec, const uint16_t *lo, const uint16_t *hi, uint32_t n, float *out);
/* x[k] = 10 log10(max(x[k], 1e-10)) in place (power to dB, librosa.power_to_db with ref 1, amin 1e-10). */
void sf_spectral_db_f32(float *x, uint32_t n);

/* Frame-averaged spectrum |rfft(frame * window)|^power (power 1 or 2) of one channel:
 * n_frames frames of n_fft samples every hop samples, no padding. Power-of-two n_fft uses
 * the real FFT `fft` (use_fft = 1; SF_RFFT_INIT_F32); any other n_fft a direct DFT with a
 * table of cos, sin of 2 pi k / n_fft, k < n_fft (2 n_fft floats) in `twiddle`.
 * With `slot` NULL, dst[k] is bin k (n_out = n_fft/2 + 1); otherwise bin k is summed into
 * dst[slot[k]] (SF_FFT_NO_SLOT: nowhere), e.g. the energy of bands of bins, and no per-bin
 * spectrum is ever stored. Each frame is summed into dst as it is transformed. */
typedef struct {
    uint16_t n_fft, hop, n_frames, src_stride, n_out;
    uint8_t power, use_fft;
    const float *window;
    const float *twiddle; /* direct DFT only */
    const uint16_t *slot;
    sf_rfft_inst_f32 fft; /* FFT only */
} sf_spectrum_config_f32;
/* work: n_fft floats (the FFT's buffer); dst: n_out floats */
void sf_spectrum_process_f32(const sf_spectrum_config_f32 *c, const float *src, float *work, float *dst);
/* The k largest values, largest first, ties to the lower bin (numpy's stable argsort of
 * -spec); bins in idx. Bins below `first_bin` are skipped. Returns how many were found. */
uint32_t sf_spectral_top_k_f32(const float *spec, uint32_t n_bins, uint32_t first_bin, uint32_t k, uint16_t *idx,
                               float *val);

/* Hilbert envelope of n real samples (n a power of two):
 *   rfft: instance of n points; cfft: instance of n complex points (same twiddle table L = n,
 *   bitrev of n entries); work: 3n floats scratch; x is destroyed; env: n floats. */
void sf_envelope_process_f32(const sf_rfft_inst_f32 *rfft, const sf_cfft_inst_f32 *cfft, float *x, float *work,
                             float *env);

#ifdef __cplusplus
}
#endif

#endif /* SF_SPECTRAL_H */
