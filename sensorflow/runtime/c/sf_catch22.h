/* sf_catch22: the catch22 features (Lubba et al. 2019) of one channel, float32, no malloc.
 *
 * Same definitions as the reference stage `catch22` (sensorflow/dsp/catch22.py: hctsa v3 as
 * pycatch22 1.0 computes them), in the order of SF_C22_* below, then mean and std (ddof=1) when
 * catch24 is set. The series is z-scored first; a constant series, or one too short for the
 * fluctuation analyses, gets pycatch22's masked values.
 *
 * Arithmetic is float32 throughout (no double: the Cortex-M4F has a single-precision FPU):
 * sums in blocks of 32, the autocorrelation lag by lag (only up to the lag a feature needs; the
 * periodicity ACF to n/3 by FFT), a radix-2 FFT for the spectrum, heapsort for quantiles.
 * Continuous features agree with the float64 reference to float32 rounding (measured at most
 * 6e-5 relative); features decided by a comparison (a histogram bin, a quantile threshold, a
 * crossing lag, an argmin) are exact unless a value lies within float32 rounding of the
 * boundary, where they move to the neighbouring bin or lag (measured: at most 1% of windows, at
 * quantile ties). The measured agreement on real windows is in tests/features/test_catch22_c.py;
 * M4F instructions per feature in tests/features/test_catch22_m4f.py (catch24 of one channel:
 * 0.53 M at n = 100, 1.18 M at n = 150, 9.06 M at n = 1460).
 *
 * Scratch: sf_catch22_scratch_floats(n) floats, chosen by the caller at export from the window
 * length (SF_CATCH22_SCRATCH_FLOATS(n) as a constant expression). */
#ifndef SF_CATCH22_H
#define SF_CATCH22_H

#include "sf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    SF_C22_MODE_5 = 0,
    SF_C22_MODE_10,
    SF_C22_OUTLIER_TIMING_POS,
    SF_C22_OUTLIER_TIMING_NEG,
    SF_C22_ACF_TIMESCALE,
    SF_C22_ACF_FIRST_MIN,
    SF_C22_LOW_FREQ_POWER,
    SF_C22_MEDIAN_FREQ,
    SF_C22_FORECAST_ERROR,
    SF_C22_WHITEN_TIMESCALE,
    SF_C22_HIGH_FLUCTUATION,
    SF_C22_STRETCH_HIGH,
    SF_C22_STRETCH_DECREASING,
    SF_C22_ENTROPY_PAIRS,
    SF_C22_AMI2,
    SF_C22_TREV,
    SF_C22_AMI_TIMESCALE,
    SF_C22_TRANSITION_VARIANCE,
    SF_C22_PERIODICITY,
    SF_C22_EMBEDDING_DIST,
    SF_C22_RS_RANGE,
    SF_C22_DFA,
    SF_C22_COUNT
};

/* 2^ceil(log2(n)), the spectrum's FFT length. */
#define SF_CATCH22_NFFT(n) \
    ((n) <= 8 ? 8u : (n) <= 16 ? 16u : (n) <= 32 ? 32u : (n) <= 64 ? 64u : (n) <= 128 ? 128u : (n) <= 256 ? 256u : \
     (n) <= 512 ? 512u : (n) <= 1024 ? 1024u : (n) <= 2048 ? 2048u : (n) <= 4096 ? 4096u : (n) <= 8192 ? 8192u : 16384u)
#define SF_C22_MAX_(a, b) ((a) > (b) ? (a) : (b))
/* Scratch floats for a series of n samples (n <= 8192): the z-scored series, then the largest of
 * the FFT buffer (the periodicity ACF pads to n + ceil(n/3)), three work arrays, and the outlier sweep's thresholds (at most
 * 100 (n-1)/sqrt(n) + 2 <= 100 sqrt(n) + 2, bounded here by 100 * (n/64 + 17), since
 * sqrt(n) <= n/64 + 16, and +1 for the integer division). */
#define SF_CATCH22_SCRATCH_FLOATS(n) \
    ((n) + SF_C22_MAX_(2u * SF_CATCH22_NFFT((n) + ((n) + 2u) / 3u), \
                       SF_C22_MAX_(3u * (n) + 64u, (n) + 100u * ((n) / 64u + 17u) + 2u)))

uint32_t sf_catch22_scratch_floats(uint32_t n);

#define SF_C22_ALL ((1u << SF_C22_COUNT) - 1u)

/* Features of src[i * stride], i < n (5 <= n <= 8192), into out[0..21] (+ out[22] mean,
 * out[23] std if catch24). features: bit k set computes feature k (SF_C22_ALL for all); the
 * others are written as 0 and cost nothing. scratch: sf_catch22_scratch_floats(n) floats.
 * Returns SF_OK or SF_ERR_ARG / SF_ERR_NULL. */
int sf_catch22_f32(const float *src, uint32_t stride, uint32_t n, uint32_t features, int catch24, float *scratch,
                   float *out);

#ifdef __cplusplus
}
#endif

#endif /* SF_CATCH22_H */
