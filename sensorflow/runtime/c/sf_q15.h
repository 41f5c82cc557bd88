/* sf_q15: fixed-point front end (q15 samples, q31 and wider accumulators) for boards without
 * an FPU. sensorflow/dsp/fixed.py is its numpy reference and computes the same integers:
 * - counts: round(x * 2^k) half away from zero, saturated to int16, NaN -> 0, from the float
 *   bits (no floating-point operation);
 * - window (block floating point): ((q << s) * w + 2^15) >> 16 with q15 taps, s = the shift
 *   that brings the frame's peak to [2^14, 2^15] (|x| <= 2^14: every FFT value fits int16);
 * - complex FFT: radix-2 decimation in time, every stage scaled by 1/2, q15 twiddles,
 *   products >> 15, the twiddle 1 exact: output FFT / n (the band energy's, of two frames);
 * - real FFT as CMSIS-DSP's arm_rfft_q15: the n/2-point complex FFT of x[2i] + j x[2i+1]
 *   (radix-2 decimation in time, every stage scaled by 1/2, q15 twiddles, products >> 15,
 *   the twiddle 1 exact), then the split X[k] = A[k] Z[k] + B[k] conj Z[n/2-k], each
 *   product >> 1 and the sum >> 15, in int32: output FFT / n (the log-mel's);
 * - power re^2 + im^2 in uint32, band sums over frames and bins in uint64 (the band energy
 *   takes two frames as one complex FFT: see sf_q15_band_energy);
 * - a feature is (float)code * fscale (one int -> float conversion, one multiply). */
#ifndef SF_Q15_H
#define SF_Q15_H

#include <stdint.h>

#include "sf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* dst[i] = counts of src[i * stride], i < n (2^-k physical units per count). */
void sf_q15_quantize(const float *src, uint32_t stride, uint32_t n, int32_t k, int16_t *dst);

/* Sums of one channel of int16 counts, from which every statistic's code follows. */
typedef struct {
    int32_t sum, abs_sum, min, max;
    int64_t sum_sq;
    uint32_t crossings; /* sign changes between neighbours, 0 counting as positive */
    uint32_t n;
} sf_q15_sums;

void sf_q15_stats_sums(const int16_t *x, uint32_t n, sf_q15_sums *s);
/* The integer code of statistic `id` (sf_stats' SF_STAT_* order: mean 0, std 1, var 2, rms 3,
 * min 4, max 5, ptp 6, abs_mean 7, zero_crossing_rate 10, energy 12). */
int64_t sf_q15_stat_code(const sf_q15_sums *s, uint32_t id);

/* floor(sqrt(v)), exact. */
uint32_t sf_q15_isqrt64(uint64_t v);

/* In-place scaled radix-2 complex FFT of n (a power of two) bit-reversed points. */
void sf_q15_fft(int32_t *re, int32_t *im, uint32_t n, const int16_t *wr, const int16_t *wi);

typedef struct {
    uint16_t n_fft, hop, n_frames, n_bands;
    const int16_t *window;              /* n_fft q15 taps */
    const int16_t *w;                   /* n_fft / 2 pairs (cos, -sin): twiddles of the n_fft-point FFT */
    const uint16_t *bitrev;             /* n_fft */
    const uint16_t *band_lo, *band_len; /* first rfft bin and bins of each band */
} sf_q15_bands_config;

/* bands[b]: the power of the frames of x summed over band b's bins and the frames (numpy
 * reference fixed.band_codes): frames two at a time as one complex FFT of fa + j fb (a lone
 * last frame with zeros), block floating point to the pair's peak and the log-mel's q15 window
 * with one more halving (every FFT value fits int16: the DSP extension's two-lane words),
 * |Z_k|^2 + |Z_{n-k}|^2 = 2 (|A_k|^2 + |B_k|^2) summed over each band's bins, back to
 * FFT(q w) / n units (<< 1 >> 2s). work: 2 n_fft int32. */
void sf_q15_band_energy(const sf_q15_bands_config *cfg, const int16_t *x, int32_t *work, uint64_t *bands);

/* Log-mel of one frame (numpy reference sensorflow/dsp/fixed_mel.py): block-floating-point
 * shift to the frame's peak, q15 window with one more halving (|x| <= 2^14: every FFT value
 * fits int16), real FFT (output FFT / 2n), power, sparse q15 mel weights summed in uint64, Q16
 * log2 (table + linear interpolation), dB in Q16. With the Arm DSP extension (Cortex-M4/M7/M33)
 * each complex value is one word of two int16 lanes (re low, im high): SMUSD/SMUADX multiply by
 * a twiddle, SHADD16/SHSUB16 add and halve both lanes; elsewhere (rv32, Xtensa, M0+, host) the
 * portable C keeps re and im in int32 arrays. Both compute the same integers (-DSF_Q15_PORTABLE
 * forces the portable C). */
typedef struct {
    uint16_t n_fft, n_mels;
    const int16_t *window;               /* n_fft q15 taps */
    const int16_t *w;                    /* n_fft / 4 pairs (cos, -sin): twiddles of the n_fft / 2-point FFT */
    const uint16_t *bitrev;              /* n_fft / 2 */
    const int16_t *a, *b;                /* n_fft / 2 + 1 pairs (Ar, Ai) and (Br, Bi): split coefficients */
    const uint16_t *mel_start, *mel_len; /* first bin and bins of each mel band */
    const int16_t *mel_w;                /* the bands' q15 weights back to back */
    int32_t offset_q16;                  /* Q16 log2 of the physical power per unit of a mel sum */
    uint16_t win_lo, win_hi;             /* sample pairs [win_lo, win_hi) hold every nonzero window tap
                                          * (a window shorter than n_fft); 0, 0: all pairs */
} sf_q15_logmel_config;

/* Q16 log2(v), 0 for v <= 1. */
int32_t sf_q15_log2_q16(uint64_t v);
/* db[j] (Q16 dB) of the n_fft int16 counts of frame; work: n_fft int32 (the FFT buffer, then
 * the power spectrum over it). */
void sf_q15_logmel(const sf_q15_logmel_config *cfg, const int16_t *frame, int32_t *work, int32_t *db);
/* The log-mel's scaled complex FFT of h bit-reversed points in work (h words of two int16
 * lanes re | im << 16 with the DSP extension; else re in work[0..h), im in work[h..2h)), in
 * place; w: the config's twiddle pairs. */
void sf_q15_fft16(int32_t *work, uint32_t h, const int16_t *w);
/* out[i] = (sum_j d[i * n_in + j] * x[j]) >> 15 (q15 matrix, Q16 in and out). */
void sf_q15_dct(const int16_t *d, uint32_t n_out, uint32_t n_in, const int32_t *x, int32_t *out);

/* round(w) to nearest, ties to even, |w| < 2^31 (numpy.rint), with no libm call. */
int32_t sf_q15_rint(float w);

/* (float)code * fscale */
float sf_q15_feature(int64_t code, float fscale);

#ifdef __cplusplus
}
#endif

#endif /* SF_Q15_H */
