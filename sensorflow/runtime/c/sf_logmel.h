/* sf_logmel: log-mel spectrogram and MFCC of one window of one channel, frame by frame:
 *   frame (centre padding optional) -> window -> rfft -> power (or magnitude) -> sparse mel
 *   -> log (dB as librosa.power_to_db, or natural log with a floor) -> top_db clip over the
 *   whole window -> DCT-II ortho (MFCC, as librosa.feature.mfcc).
 * log value = log_mul * logf(max(x, log_floor) + log_add) - log_sub
 *   (power_to_db: log_mul = 10/ln 10, log_floor = amin, log_add = 0, log_sub = 10 log10(max(amin, ref))).
 *
 * Incremental mode: with no centre padding, when successive windows overlap and advance by
 * shift_frames * hop_length samples, sf_logmel_process_next_f32 computes only the
 * shift_frames new frames and reuses the others from a ring of past frames (their log-mel
 * rows and, for MFCC, their cepstra, recomputed only when the window's top_db clip level
 * for that frame changed). The output is identical to sf_logmel_process_f32 on the same window. */
#ifndef SF_LOGMEL_H
#define SF_LOGMEL_H

#include <math.h>
#include <stdint.h>

#include "sf_common.h"

#include "sf_dct.h"
#include "sf_fft.h"
#include "sf_mel.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { SF_PAD_CONSTANT = 0, SF_PAD_REFLECT = 1 };

typedef struct {
    uint16_t window_length;     /* samples of one channel in a window */
    uint16_t n_fft, hop_length, n_frames;
    uint16_t pad;               /* centre padding on each side (n_fft / 2), 0 = none */
    uint8_t pad_mode;           /* SF_PAD_CONSTANT (zeros) or SF_PAD_REFLECT */
    uint8_t reserved;
    uint16_t n_mels, n_mfcc;    /* n_mfcc = 0: output log-mel values */
    uint16_t shift_frames;      /* frames between successive windows (incremental mode), 0 = off */
    uint16_t src_stride;        /* distance between samples of the channel (interleaving) */
    float power;                /* exponent of |X|: 2 power spectrum, 1 magnitude, other via expf/logf */
    float log_mul, log_floor, log_add, log_sub;
    float top_db;               /* clip range below the maximum, in output units; < 0: no clip */
    int32_t out_frame_stride, out_coef_stride;  /* dst[f * frame_stride + c * coef_stride] */
    const float *window;        /* n_fft, win_length window centred in n_fft */
    const float *twiddle;       /* sf_fft table for L = n_fft (or, bitrev = 0, the DFT table) */
    const uint16_t *bitrev;     /* n_fft / 2 entries; 0: n_fft is not a power of two, direct DFT */
    const uint16_t *mel_start, *mel_len;
    const float *mel_weights;
    const float *dct;           /* n_mfcc x n_mels, row-major */
} sf_logmel_config_f32;

/* Floats of work memory for one instance (one channel): per-call buffers (frame, spectrum,
 * clipped row, DCT row sums) followed by the frame ring that incremental mode keeps. */
#define SF_LOGMEL_BUF_FLOATS(n_fft, n_mels, n_mfcc) (2u * (n_fft) + (n_mels) + (n_mfcc))
#define SF_LOGMEL_RING_FLOATS(n_frames, n_mels, n_mfcc) ((n_frames) * ((n_mels) + (n_mfcc) + 3u))
#define SF_LOGMEL_WORK_FLOATS(n_fft, n_frames, n_mels, n_mfcc) \
    (SF_LOGMEL_BUF_FLOATS(n_fft, n_mels, n_mfcc) + SF_LOGMEL_RING_FLOATS(n_frames, n_mels, n_mfcc))

typedef struct {
    const sf_logmel_config_f32 *cfg;
    sf_rfft_inst_f32 fft;
    sf_mel_inst_f32 mel;
    sf_dct_inst_f32 dct;
    float *frame, *spec, *ring, *ring_max, *ring_min, *ring_cep, *ring_thr, *clip, *dct_sum;
    uint16_t head;   /* ring slot of the oldest frame */
    uint8_t valid;   /* ring holds the previous window */
} sf_logmel_inst_f32;

/* work: SF_LOGMEL_WORK_FLOATS(...) floats, caller-owned. */
void sf_logmel_init_f32(sf_logmel_inst_f32 *S, const sf_logmel_config_f32 *cfg, float *work);
/* The same with the two parts apart: buf (SF_LOGMEL_BUF_FLOATS, may be scratch memory) and
 * ring (SF_LOGMEL_RING_FLOATS, kept across calls by frame-by-frame streaming). */
void sf_logmel_init_split_f32(sf_logmel_inst_f32 *S, const sf_logmel_config_f32 *cfg, float *buf, float *ring);
/* Frame-by-frame streaming (the sample-buffering step of an export that keeps no window of raw
 * samples): take the next n frames of src_stride interleaved samples `x`. `pend` (n_fft *
 * src_stride floats) holds the samples of the frame being filled, *pfill of them; *pskip samples
 * are still to drop before the next frame starts (hop_length > n_fft). Each completed frame is
 * pushed into every channel's ring (`ring`, SF_LOGMEL_RING_FLOATS per channel, slot *head of
 * the oldest frame) with sf_logmel_push_frame_f32, `buf` (SF_LOGMEL_BUF_FLOATS) as scratch. */
void sf_logmel_stream_samples_f32(const sf_logmel_config_f32 *cfg, float *buf, float *ring, float *pend,
                                  uint16_t *head, uint16_t *pfill, uint16_t *pskip, const float *x, uint32_t n);
/* Forget the previous window (next call of process_next computes every frame). */
static inline void sf_logmel_reset_f32(sf_logmel_inst_f32 *S) { S->valid = 0; }
/* One channel, one window, clip over this channel: src[i * src_stride], i < window_length. */
void sf_logmel_process_f32(sf_logmel_inst_f32 *S, const float *src, float *dst);
/* The window that follows the previous one by shift_frames * hop_length samples. */
void sf_logmel_process_next_f32(sf_logmel_inst_f32 *S, const float *src, float *dst);

/* The same in steps, for a clip over several channels (librosa clips over the whole array):
 *   for each channel: sf_logmel_frames_f32 (or _frames_next_f32);
 *   thr = max over channels of sf_logmel_max_f32 - top_db;
 *   for each channel: sf_logmel_output_f32(S, thr, dst_of_channel). */
void sf_logmel_frames_f32(sf_logmel_inst_f32 *S, const float *src);
/* Frame-by-frame streaming (no centre padding): one frame of n_fft samples src[i * src_stride]
 * into ring slot `head`, then head moves on; after n_frames calls the ring holds the last
 * n_frames frames oldest first from head, as sf_logmel_frames_f32 leaves them for a window
 * that ends with these frames (same values: the same windowed FFT on the same samples). */
void sf_logmel_push_frame_f32(sf_logmel_inst_f32 *S, const float *src);
void sf_logmel_frames_next_f32(sf_logmel_inst_f32 *S, const float *src);
float sf_logmel_max_f32(const sf_logmel_inst_f32 *S);
/* thr = SF_LOGMEL_NO_CLIP for no clip */
#define SF_LOGMEL_NO_CLIP (-INFINITY)
void sf_logmel_output_f32(sf_logmel_inst_f32 *S, float thr, float *dst);

#ifdef __cplusplus
}
#endif

#endif /* SF_LOGMEL_H */
