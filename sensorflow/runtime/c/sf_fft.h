/* sf_fft: complex and real FFT of power-of-two length, float32.
 *
 * The complex transform is an in-place radix-2^2 decimation-in-frequency FFT (radix-4
 * butterflies; the last two passes fused into radix-16 or radix-8 groups with constant
 * twiddles) leaving its output in bit-reversed order. The real transform of n points runs it on n/2 complex points and a split step,
 * and packs its output as CMSIS-DSP's arm_rfft_fast_f32 does:
 *   dst[0] = Re X[0], dst[1] = Re X[n/2], dst[2k], dst[2k+1] = Re, Im X[k] (0 < k < n/2).
 * Sign convention as numpy.fft: X[k] = sum_t x[t] exp(-2 pi i k t / n).
 *
 * Tables (caller-owned, usually `const` tables generated at export time):
 *   twiddle: interleaved cos, sin of 2 pi k / L for k = 0 .. L/2 - 1 (L floats), where
 *            L = n for both sf_cfft of n points and sf_rfft of n points;
 *   bitrev:  the bit reversal of 0 .. m-1 over log2(m) bits (m complex points).
 * sf_fft_make_twiddle_f32 / sf_fft_make_bitrev compute them into RAM instead.
 */
#ifndef SF_FFT_H
#define SF_FFT_H

#include <stdint.h>

#include "sf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint16_t n;              /* complex points, power of two >= 2 */
    uint16_t tw_stride;      /* table step (in pairs) of W_n^1 */
    const float *twiddle;    /* see above */
    const uint16_t *bitrev;  /* n entries */
} sf_cfft_inst_f32;

typedef struct {
    uint16_t n;              /* real points, power of two >= 4 */
    sf_cfft_inst_f32 cfft;   /* n/2 complex points */
    const float *twiddle;    /* same table, L = n */
} sf_rfft_inst_f32;

/* Number of floats in the twiddle table for a transform of n points (real or complex). */
static inline uint32_t sf_fft_twiddle_len(uint32_t n) { return n; }

void sf_fft_make_twiddle_f32(uint32_t n, float *twiddle);
void sf_fft_make_bitrev(uint32_t m, uint16_t *bitrev);

void sf_cfft_init_f32(sf_cfft_inst_f32 *S, uint16_t n, const float *twiddle, const uint16_t *bitrev);
/* In place on n interleaved complex values; output left in bit-reversed order. */
void sf_cfft_dif_f32(const sf_cfft_inst_f32 *S, float *buf);
/* In place on buf, then copied to natural order into dst (2n floats, dst != buf). */
void sf_cfft_f32(const sf_cfft_inst_f32 *S, float *buf, float *dst);

/* bitrev: the table of n/2 entries. */
void sf_rfft_init_f32(sf_rfft_inst_f32 *S, uint16_t n, const float *twiddle, const uint16_t *bitrev);
/* The same instance as a constant initialiser (for instances kept in flash). */
#define SF_RFFT_INIT_F32(n, twiddle, bitrev) \
    { (uint16_t)(n), { (uint16_t)((n) / 2u), 2u, (twiddle), (bitrev) }, (twiddle) }
/* src: n real samples, used as scratch (destroyed); dst: n floats, packed as above. */
void sf_rfft_process_f32(const sf_rfft_inst_f32 *S, float *src, float *dst);

/* Power spectrum |X[k]|^2, k = 0 .. n/2 (n/2 + 1 values), straight from the split step.
 * buf: n real samples, destroyed; power must not alias buf. */
void sf_rfft_power_process_f32(const sf_rfft_inst_f32 *S, float *buf, float *power);
/* The same for src[i * stride] * window[i] (src untouched): the window is applied while the
 * first FFT pass loads its inputs, saving a pass over the frame. buf: n floats scratch. */
void sf_rfft_power_windowed_f32(const sf_rfft_inst_f32 *S, const float *src, uint32_t stride, const float *window,
                                float *buf, float *power);

/* Where the per-bin values of one frame go when they are summed over frames instead of
 * stored: bin k (k = 0 .. n/2) adds to dst[slot[k]], or to dst[k] when slot is NULL; bins whose
 * slot is SF_FFT_NO_SLOT are dropped. So a frame-averaged spectrum or the energy of bands of
 * bins needs no buffer of n/2 + 1 values per frame. */
#define SF_FFT_NO_SLOT 0xFFFFu
typedef struct {
    float *dst;
    const uint16_t *slot;
    uint8_t magnitude; /* add |X[k]| instead of |X[k]|^2 */
} sf_fft_accum_f32;

/* sf_rfft_power_windowed_f32's spectrum added to acc (see sf_fft_accum_f32) instead of being
 * stored; buf: n floats scratch (the only buffer). Results equal the stored power summed. */
void sf_rfft_power_accumulate_windowed_f32(const sf_rfft_inst_f32 *S, const float *src, uint32_t stride,
                                           const float *window, float *buf, const sf_fft_accum_f32 *acc);
/* sf_dft_power_f32's spectrum of x (n samples, any n) added to acc instead of being stored. */
void sf_dft_power_accumulate_f32(const float *x, uint32_t n, const float *twiddle, const sf_fft_accum_f32 *acc);

/* Power spectrum |X[k]|^2, k = 0 .. n/2 (n/2 + 1 values) from the packed output; may run
 * in place (power == packed). */
static inline void sf_rfft_power_f32(const float *packed, float *power, uint32_t n)
{
    uint32_t half = n / 2u, k;
    float dc = packed[0], nyq = packed[1];
    power[0] = dc * dc;
    for (k = 1; k < half; k++) {
        float re = packed[2u * k], im = packed[2u * k + 1u];
        power[k] = re * re + im * im;
    }
    power[half] = nyq * nyq;
}

/* Direct DFT power spectrum |X[k]|^2, k = 0 .. n/2, for any n (O(n^2), for lengths that are
 * not powers of two). twiddle: cos, sin of 2 pi k / n for k < n (2n floats). */
void sf_dft_power_f32(const float *x, uint32_t n, const float *twiddle, float *power);

#ifdef __cplusplus
}
#endif
#endif /* SF_FFT_H */
