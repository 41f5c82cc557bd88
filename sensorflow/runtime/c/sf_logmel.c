/* sf_logmel: log-mel / MFCC frame pipeline with an incremental mode (see sf_logmel.h). */
#include "sf_logmel.h"

SF_FP_CONTRACT_FAST /* float results within tolerance of numpy: see sf_common.h */

#include <float.h>
#include <math.h>
#include <string.h>

void sf_logmel_init_f32(sf_logmel_inst_f32 *S, const sf_logmel_config_f32 *cfg, float *work)
{
    sf_logmel_init_split_f32(S, cfg, work, work + SF_LOGMEL_BUF_FLOATS(cfg->n_fft, cfg->n_mels, cfg->n_mfcc));
}

void sf_logmel_init_split_f32(sf_logmel_inst_f32 *S, const sf_logmel_config_f32 *cfg, float *buf, float *ring)
{
    uint32_t nf = cfg->n_frames;
    S->cfg = cfg;
    sf_rfft_init_f32(&S->fft, cfg->n_fft, cfg->twiddle, cfg->bitrev);
    sf_mel_init_f32(&S->mel, cfg->n_mels, cfg->mel_start, cfg->mel_len, cfg->mel_weights);
    sf_dct_init_f32(&S->dct, cfg->n_mels, cfg->n_mfcc, cfg->dct);
    S->frame = buf;
    S->spec = S->frame + cfg->n_fft;
    S->clip = S->spec + cfg->n_fft;     /* n_mels: clipped row */
    S->dct_sum = S->clip + cfg->n_mels; /* n_mfcc: row sums of the DCT matrix */
    S->ring = ring;
    S->ring_cep = S->ring + nf * cfg->n_mels;
    S->ring_max = S->ring_cep + nf * cfg->n_mfcc;
    S->ring_min = S->ring_max + nf;
    S->ring_thr = S->ring_min + nf;   /* clip level ring_cep was computed with */
    sf_dct_row_sums_f32(&S->dct, S->dct_sum);
    S->head = 0;
    S->valid = 0;
}

/* Natural log of x > 0 to within a few float32 ulps, about 25 instructions on a Cortex-M4F
 * (newlib's logf takes ~85): x = 2^e m with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh(s),
 * s = (m - 1) / (m + 1), |s| <= 0.172, odd series to s^9 (truncation < 1e-9). Zero,
 * subnormal, infinite and NaN inputs go to logf. */
static float sf_lnf(float x)
{
    union {
        float f;
        uint32_t u;
    } v;
    int32_t e;
    float m, s, s2, p;
    v.f = x;
    if (!(x >= 1.17549435e-38f && x <= 3.40282347e+38f)) return logf(x);
    e = (int32_t)((v.u >> 23) & 0xffu) - 127;
    v.u = (v.u & 0x007fffffu) | 0x3f800000u;
    m = v.f;
    if (m > 1.41421356f) {
        m *= 0.5f;
        e += 1;
    }
    s = (m - 1.0f) / (m + 1.0f);
    s2 = s * s;
    p = 1.0f + s2 * (0.333333333f + s2 * (0.2f + s2 * (0.142857143f + s2 * 0.111111111f)));
    return (float)e * 0.693147181f + 2.0f * s * p;
}

/* Windowed frame starting at sample `start` (may be negative with centre padding). */
static void gather_frame(const sf_logmel_config_f32 *c, const float *src, int32_t start, float *frame)
{
    const float *w = c->window;
    int32_t n = c->n_fft, len = c->window_length, i;
    uint32_t st = c->src_stride;
    if (start >= 0 && start + n <= len) {
        const float *p = src + (uint32_t)start * st;
        for (i = 0; i < n; i++) frame[i] = p[(uint32_t)i * st] * w[i];
        return;
    }
    for (i = 0; i < n; i++) {
        int32_t t = start + i;
        float x;
        if (c->pad_mode == SF_PAD_REFLECT && len > 1) {
            /* numpy.pad mode='reflect' (edge sample not repeated), folded until inside */
            while (t < 0 || t >= len) t = (t < 0) ? -t : 2 * (len - 1) - t;
            x = src[(uint32_t)t * st];
        } else {
            x = (t >= 0 && t < len) ? src[(uint32_t)t * st] : 0.0f;
        }
        frame[i] = x * w[i];
    }
}

static void frame_to_row(sf_logmel_inst_f32 *S, uint32_t slot);

/* One frame into ring slot `slot`. */
static void compute_frame(sf_logmel_inst_f32 *S, const float *src, uint32_t t, uint32_t slot)
{
    const sf_logmel_config_f32 *c = S->cfg;
    int32_t start = (int32_t)(t * c->hop_length) - (int32_t)c->pad;
    if (c->bitrev != 0 && start >= 0 && start + (int32_t)c->n_fft <= (int32_t)c->window_length) {
        /* interior frame: the window is applied inside the first FFT pass */
        sf_rfft_power_windowed_f32(&S->fft, src + (uint32_t)start * c->src_stride, c->src_stride, c->window, S->frame,
                                   S->spec);
    } else {
        gather_frame(c, src, start, S->frame);
        if (c->bitrev != 0) {
            sf_rfft_power_process_f32(&S->fft, S->frame, S->spec);
        } else { /* n_fft not a power of two: direct DFT */
            sf_dft_power_f32(S->frame, c->n_fft, c->twiddle, S->spec);
        }
    }
    frame_to_row(S, slot);
}

void sf_logmel_push_frame_f32(sf_logmel_inst_f32 *S, const float *src)
{
    const sf_logmel_config_f32 *c = S->cfg;
    if (c->bitrev != 0) {
        sf_rfft_power_windowed_f32(&S->fft, src, c->src_stride, c->window, S->frame, S->spec);
    } else { /* as gather_frame does for an interior frame, then the direct DFT */
        uint32_t i, st = c->src_stride;
        for (i = 0; i < c->n_fft; i++) S->frame[i] = src[i * st] * c->window[i];
        sf_dft_power_f32(S->frame, c->n_fft, c->twiddle, S->spec);
    }
    frame_to_row(S, S->head);
    S->head = (uint16_t)((S->head + 1u == c->n_frames) ? 0u : S->head + 1u);
}

/* Power spectrum in S->spec -> log-mel row (and its max / min) in ring slot `slot`. */
static void frame_to_row(sf_logmel_inst_f32 *S, uint32_t slot)
{
    const sf_logmel_config_f32 *c = S->cfg;
    uint32_t m, n_mels = c->n_mels;
    float *row = S->ring + slot * n_mels;
    float mx, mn;
    if (c->power != 2.0f) {
        uint32_t k, nb = c->n_fft / 2u + 1u;
        float half = 0.5f * c->power;
        if (c->power == 1.0f) {
            for (k = 0; k < nb; k++) S->spec[k] = sqrtf(S->spec[k]);
        } else {
            for (k = 0; k < nb; k++) S->spec[k] = (S->spec[k] > 0.0f) ? expf(half * logf(S->spec[k])) : 0.0f;
        }
    }
    sf_mel_process_f32(&S->mel, S->spec, row);
    mx = -INFINITY;
    mn = INFINITY;
    for (m = 0; m < n_mels; m++) {
        float x = row[m];
        if (!(x < FLT_MAX)) x = FLT_MAX; /* overflowed (or NaN) spectra stay finite */
        float v = c->log_mul * sf_lnf((x > c->log_floor ? x : c->log_floor) + c->log_add) - c->log_sub;
        row[m] = v;
        if (v > mx) mx = v;
        if (v < mn) mn = v;
    }
    S->ring_max[slot] = mx;
    S->ring_min[slot] = mn;
    if (c->n_mfcc) S->ring_thr[slot] = INFINITY; /* no cepstrum yet: made on output, once per clip level */
}

float sf_logmel_max_f32(const sf_logmel_inst_f32 *S)
{
    uint32_t f, nf = S->cfg->n_frames;
    float gmax = S->ring_max[0];
    for (f = 1; f < nf; f++)
        if (S->ring_max[f] > gmax) gmax = S->ring_max[f];
    return gmax;
}

void sf_logmel_output_f32(sf_logmel_inst_f32 *S, float thr, float *dst)
{
    const sf_logmel_config_f32 *c = S->cfg;
    uint32_t f, m, nf = c->n_frames, n_mels = c->n_mels, n_mfcc = c->n_mfcc;
    int32_t fs = c->out_frame_stride, cs = c->out_coef_stride;
    for (f = 0; f < nf; f++) {
        uint32_t slot = S->head + f;
        float *out = dst + (int32_t)f * fs;
        const float *row;
        if (slot >= nf) slot -= nf;
        row = S->ring + slot * n_mels;
        if (n_mfcc == 0u) {
            for (m = 0; m < n_mels; m++) out[(int32_t)m * cs] = (row[m] > thr) ? row[m] : thr;
        } else {
            float *cep = S->ring_cep + slot * n_mfcc;
            /* the clip level this frame needs: none unless the threshold cuts into it */
            float level = (S->ring_min[slot] < thr) ? thr : -INFINITY;
            float prev = S->ring_thr[slot];
            if (level != prev) { /* cached cepstrum was made for another level */
                if (S->ring_max[slot] <= level) {
                    /* the whole frame is clipped: the DCT of a constant row */
                    for (m = 0; m < n_mfcc; m++) cep[m] = level * S->dct_sum[m];
                } else if (prev == INFINITY || S->ring_max[slot] <= prev) {
                    for (m = 0; m < n_mels; m++) S->clip[m] = (row[m] > level) ? row[m] : level;
                    sf_dct_process_f32(&S->dct, S->clip, cep);
                } else {
                    /* DCT is linear: add the change of the bands the clip level moved across */
                    float hi = (level > prev) ? level : prev;
                    for (m = 0; m < n_mels; m++) {
                        float r = row[m];
                        if (!(r < hi)) continue;
                        sf_dct_add_column_f32(&S->dct, m, ((r > level) ? r : level) - ((r > prev) ? r : prev), cep);
                    }
                }
                S->ring_thr[slot] = level;
            }
            for (m = 0; m < n_mfcc; m++) out[(int32_t)m * cs] = cep[m];
        }
    }
}

void sf_logmel_frames_f32(sf_logmel_inst_f32 *S, const float *src)
{
    uint32_t t;
    for (t = 0; t < S->cfg->n_frames; t++) compute_frame(S, src, t, t);
    S->head = 0;
    S->valid = 1;
}

void sf_logmel_frames_next_f32(sf_logmel_inst_f32 *S, const float *src)
{
    const sf_logmel_config_f32 *c = S->cfg;
    uint32_t nf = c->n_frames, shift = c->shift_frames, t;
    if (!S->valid || shift == 0u || shift >= nf) {
        sf_logmel_frames_f32(S, src);
        return;
    }
    for (t = nf - shift; t < nf; t++) {
        compute_frame(S, src, t, S->head);
        S->head = (uint16_t)((S->head + 1u == nf) ? 0u : S->head + 1u);
    }
}

static float clip_threshold(const sf_logmel_inst_f32 *S)
{
    return (S->cfg->top_db >= 0.0f) ? sf_logmel_max_f32(S) - S->cfg->top_db : -INFINITY;
}

void sf_logmel_process_f32(sf_logmel_inst_f32 *S, const float *src, float *dst)
{
    sf_logmel_frames_f32(S, src);
    sf_logmel_output_f32(S, clip_threshold(S), dst);
}

void sf_logmel_process_next_f32(sf_logmel_inst_f32 *S, const float *src, float *dst)
{
    sf_logmel_frames_next_f32(S, src);
    sf_logmel_output_f32(S, clip_threshold(S), dst);
}

void sf_logmel_stream_samples_f32(const sf_logmel_config_f32 *cfg, float *buf, float *ring, float *pend,
                                  uint16_t *head, uint16_t *pfill, uint16_t *pskip, const float *x, uint32_t n)
{
    const uint32_t C = cfg->src_stride, n_fft = cfg->n_fft, hop = cfg->hop_length;
    const uint32_t R = SF_LOGMEL_RING_FLOATS(cfg->n_frames, cfg->n_mels, cfg->n_mfcc);
    uint32_t ch, m;
    while (n > 0u) {
        if (*pskip > 0u) { /* between frames (hop_length > n_fft) */
            m = (n < *pskip) ? n : *pskip;
            *pskip = (uint16_t)(*pskip - m);
            x += m * C;
            n -= m;
            continue;
        }
        m = n_fft - *pfill;
        if (n < m) m = n;
        memcpy(&pend[*pfill * C], x, sizeof(float) * m * C);
        *pfill = (uint16_t)(*pfill + m);
        x += m * C;
        n -= m;
        if (*pfill < n_fft) {
            break;
        }
        for (ch = 0; ch < C; ch++) {
            sf_logmel_inst_f32 S;
            sf_logmel_init_split_f32(&S, cfg, buf, &ring[ch * R]);
            S.head = *head;
            sf_logmel_push_frame_f32(&S, pend + ch);
            if (ch + 1u == C) *head = S.head;
        }
        if (n_fft > hop) { /* keep the overlap with the next frame */
            memmove(pend, &pend[hop * C], sizeof(float) * (n_fft - hop) * C);
            *pfill = (uint16_t)(n_fft - hop);
        } else {
            *pfill = 0u;
            *pskip = (uint16_t)(hop - n_fft);
        }
    }
}
