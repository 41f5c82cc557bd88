/* Test driver for the DSP runtime kernels and the dense / conv1d layers: `driver KERNEL
 * ARGS...` reads raw float32 from stdin and writes raw float32 to stdout. Tables are built from
 * what the test sends (dense mel/DCT matrices, window, layer weights) or computed at run time
 * (FFT twiddles), and every output buffer is followed by a guard region that must stay
 * untouched. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sf_biquad.h"
#include "sf_conv.h"
#include "sf_dct.h"
#include "sf_dense.h"
#include "sf_fft.h"
#include "sf_logmel.h"
#include "sf_mel.h"
#include "sf_spectral.h"
#include "sf_stats.h"

#define MAXN 4096
#define GUARD 16
#define GUARD_VALUE 12345.0f

static float g_in[MAXN * 64];
static float g_buf[8 * MAXN + GUARD];
static float g_out[8 * MAXN + GUARD];
static float g_tw[2 * MAXN];
static uint16_t g_rev[MAXN];

static size_t read_floats(float *dst, size_t n) { return fread(dst, sizeof(float), n, stdin); }
static void write_floats(const float *src, size_t n) { fwrite(src, sizeof(float), n, stdout); }
static void die(const char *msg)
{
    fprintf(stderr, "%s\n", msg);
    exit(2);
}
static void need(size_t got, size_t want)
{
    if (got != want) die("short input");
}
static void set_guard(float *buf, size_t n)
{
    size_t i;
    for (i = 0; i < GUARD; i++) buf[n + i] = GUARD_VALUE;
}
static void check_guard(const float *buf, size_t n)
{
    size_t i;
    for (i = 0; i < GUARD; i++)
        if (buf[n + i] != GUARD_VALUE) die("output guard region overwritten");
}

static int cmd_rfft(int argc, char **argv)
{
    uint16_t n = (uint16_t)atoi(argv[2]);
    sf_rfft_inst_f32 S;
    (void)argc;
    sf_fft_make_twiddle_f32(n, g_tw);
    sf_fft_make_bitrev(n / 2u, g_rev);
    sf_rfft_init_f32(&S, n, g_tw, g_rev);
    while (read_floats(g_buf, n) == n) {
        set_guard(g_out, n);
        sf_rfft_process_f32(&S, g_buf, g_out);
        check_guard(g_out, n);
        write_floats(g_out, n);
    }
    return 0;
}

static int cmd_cfft(int argc, char **argv)
{
    uint16_t n = (uint16_t)atoi(argv[2]);
    sf_cfft_inst_f32 S;
    (void)argc;
    sf_fft_make_twiddle_f32(n, g_tw);
    sf_fft_make_bitrev(n, g_rev);
    sf_cfft_init_f32(&S, n, g_tw, g_rev);
    while (read_floats(g_buf, 2u * n) == 2u * n) {
        set_guard(g_out, 2u * n);
        sf_cfft_f32(&S, g_buf, g_out);
        check_guard(g_out, 2u * n);
        write_floats(g_out, 2u * n);
    }
    return 0;
}

static int cmd_twiddle(int argc, char **argv)
{
    uint32_t n = (uint32_t)atoi(argv[2]);
    (void)argc;
    sf_fft_make_twiddle_f32(n, g_tw);
    write_floats(g_tw, sf_fft_twiddle_len(n));
    return 0;
}

/* biquad N_SECTIONS N CHUNK...: coeffs (5 per section) then N samples; chunk sizes cycle. */
static int cmd_biquad(int argc, char **argv)
{
    uint16_t ns = (uint16_t)atoi(argv[2]);
    uint32_t n = (uint32_t)atoi(argv[3]), done = 0, ci = 0;
    static float coeffs[5 * 32], state[2 * 32];
    sf_biquad_inst_f32 S;
    int n_chunks = argc - 4;
    need(read_floats(coeffs, 5u * ns), 5u * ns);
    need(read_floats(g_in, n), n);
    sf_biquad_init_f32(&S, ns, coeffs, state);
    set_guard(g_out, n);
    while (done < n) {
        uint32_t c = n_chunks > 0 ? (uint32_t)atoi(argv[4 + (ci++ % (uint32_t)n_chunks)]) : n;
        if (c > n - done) c = n - done;
        sf_biquad_process_f32(&S, g_in + done, 1, g_out + done, 1, c);
        done += c;
    }
    check_guard(g_out, n);
    write_floats(g_out, n);
    return 0;
}

/* stats N STRIDE: windows of N * STRIDE floats; statistics of channel 0 ... STRIDE-1. */
static int cmd_stats(int argc, char **argv)
{
    uint32_t n = (uint32_t)atoi(argv[2]), stride = (uint32_t)atoi(argv[3]), ch;
    (void)argc;
    while (read_floats(g_in, n * stride) == n * stride) {
        for (ch = 0; ch < stride; ch++) {
            sf_stats_result_f32 m;
            float out[SF_STAT_COUNT];
            int id;
            sf_stats_compute_f32(g_in + ch, stride, n, &m);
            for (id = 0; id < SF_STAT_COUNT; id++)
                out[id] = sf_stats_value_f32(&m, id);
            write_floats(out, SF_STAT_COUNT);
        }
    }
    return 0;
}

/* Sparse filterbank from a dense n_rows x n_cols matrix. */
static uint16_t g_start[256], g_len[256];
static float g_weights[64 * MAXN];
static void sparsify(const float *dense, uint32_t rows, uint32_t cols)
{
    uint32_t r, k, w = 0;
    for (r = 0; r < rows; r++) {
        uint32_t lo = cols, hi = 0;
        for (k = 0; k < cols; k++)
            if (dense[r * cols + k] != 0.0f) {
                if (lo == cols) lo = k;
                hi = k + 1;
            }
        if (lo == cols) lo = hi = 0;
        g_start[r] = (uint16_t)lo;
        g_len[r] = (uint16_t)(hi - lo);
        for (k = lo; k < hi; k++) g_weights[w++] = dense[r * cols + k];
    }
}

/* mel N_MELS N_BINS: dense matrix, then spectra of N_BINS. */
static int cmd_mel(int argc, char **argv)
{
    uint32_t nm = (uint32_t)atoi(argv[2]), nb = (uint32_t)atoi(argv[3]);
    sf_mel_inst_f32 S;
    (void)argc;
    need(read_floats(g_in, nm * nb), nm * nb);
    sparsify(g_in, nm, nb);
    sf_mel_init_f32(&S, (uint16_t)nm, g_start, g_len, g_weights);
    while (read_floats(g_buf, nb) == nb) {
        set_guard(g_out, nm);
        sf_mel_process_f32(&S, g_buf, g_out);
        check_guard(g_out, nm);
        write_floats(g_out, nm);
    }
    return 0;
}

/* dct N_IN N_OUT: rows of N_IN; also `dctmatrix N_IN N_OUT` writes the runtime matrix. */
static int cmd_dct(int argc, char **argv)
{
    uint16_t ni = (uint16_t)atoi(argv[2]), no = (uint16_t)atoi(argv[3]);
    static float mat[256 * 64];
    sf_dct_inst_f32 S;
    (void)argc;
    sf_dct_make_matrix_f32(ni, no, mat);
    if (strcmp(argv[1], "dctmatrix") == 0) {
        write_floats(mat, (size_t)ni * no);
        return 0;
    }
    sf_dct_init_f32(&S, ni, no, mat);
    while (read_floats(g_buf, ni) == ni) {
        set_guard(g_out, no);
        sf_dct_process_f32(&S, g_buf, g_out);
        check_guard(g_out, no);
        write_floats(g_out, no);
    }
    return 0;
}

/* logmel LEN N_FFT HOP N_FRAMES PAD PAD_MODE POWER N_MELS N_MFCC SHIFT STRIDE TOP_DB LOG_MUL LOG_FLOOR LOG_ADD
 *        LOG_SUB INCREMENTAL
 * stdin: window (n_fft), dense mel matrix (n_mels x n_fft/2+1), DCT matrix (n_mfcc x n_mels),
 * then windows of LEN * STRIDE floats. Output per window: per channel n_frames x n_out, frame-major,
 * with one top_db clip over all channels (librosa clips over the whole array). */
static int cmd_logmel(int argc, char **argv)
{
    static sf_logmel_config_f32 c;
    static float window[MAXN], dct[64 * 256], work[200000];
    static sf_logmel_inst_f32 S[4];
    uint32_t len, nb, nout, ch, stride, incremental;
    if (argc < 19) die("logmel: missing arguments");
    len = (uint32_t)atoi(argv[2]);
    c.window_length = (uint16_t)len;
    c.n_fft = (uint16_t)atoi(argv[3]);
    c.hop_length = (uint16_t)atoi(argv[4]);
    c.n_frames = (uint16_t)atoi(argv[5]);
    c.pad = (uint16_t)atoi(argv[6]);
    c.pad_mode = (uint8_t)atoi(argv[7]);
    c.power = (float)atof(argv[8]);
    c.n_mels = (uint16_t)atoi(argv[9]);
    c.n_mfcc = (uint16_t)atoi(argv[10]);
    c.shift_frames = (uint16_t)atoi(argv[11]);
    stride = (uint32_t)atoi(argv[12]);
    c.src_stride = (uint16_t)stride;
    c.top_db = (float)atof(argv[13]);
    c.log_mul = (float)atof(argv[14]);
    c.log_floor = (float)atof(argv[15]);
    c.log_add = (float)atof(argv[16]);
    c.log_sub = (float)atof(argv[17]);
    incremental = (uint32_t)atoi(argv[18]);
    nb = c.n_fft / 2u + 1u;
    nout = c.n_mfcc ? c.n_mfcc : c.n_mels;
    c.out_frame_stride = (int32_t)nout;
    c.out_coef_stride = 1;
    need(read_floats(window, c.n_fft), c.n_fft);
    need(read_floats(g_in, (size_t)c.n_mels * nb), (size_t)c.n_mels * nb);
    sparsify(g_in, c.n_mels, nb);
    need(read_floats(dct, (size_t)c.n_mfcc * c.n_mels), (size_t)c.n_mfcc * c.n_mels);
    c.window = window;
    c.twiddle = g_tw;
    if ((c.n_fft & (c.n_fft - 1u)) == 0u) {
        sf_fft_make_twiddle_f32(c.n_fft, g_tw);
        sf_fft_make_bitrev(c.n_fft / 2u, g_rev);
        c.bitrev = g_rev;
    } else { /* direct DFT table: cos, sin of 2 pi k / n_fft */
        uint32_t k;
        for (k = 0; k < c.n_fft; k++) {
            float a = 6.28318531f * (float)k / (float)c.n_fft;
            g_tw[2u * k] = cosf(a);
            g_tw[2u * k + 1u] = sinf(a);
        }
        c.bitrev = 0;
    }
    c.mel_start = g_start;
    c.mel_len = g_len;
    c.mel_weights = g_weights;
    c.dct = dct;
    if (stride > 4 || stride * SF_LOGMEL_WORK_FLOATS(c.n_fft, c.n_frames, c.n_mels, c.n_mfcc) > 200000u)
        die("logmel: too large for the driver");
    for (ch = 0; ch < stride; ch++)
        sf_logmel_init_f32(&S[ch], &c, work + ch * SF_LOGMEL_WORK_FLOATS(c.n_fft, c.n_frames, c.n_mels, c.n_mfcc));
    while (read_floats(g_in, len * stride) == len * stride) {
        size_t n = (size_t)c.n_frames * nout;
        float thr = -INFINITY;
        for (ch = 0; ch < stride; ch++) {
            if (incremental)
                sf_logmel_frames_next_f32(&S[ch], g_in + ch);
            else
                sf_logmel_frames_f32(&S[ch], g_in + ch);
        }
        if (c.top_db >= 0.0f) {
            float gmax = sf_logmel_max_f32(&S[0]);
            for (ch = 1; ch < stride; ch++)
                if (sf_logmel_max_f32(&S[ch]) > gmax) gmax = sf_logmel_max_f32(&S[ch]);
            thr = gmax - c.top_db;
        }
        set_guard(g_out, n * stride);
        for (ch = 0; ch < stride; ch++) sf_logmel_output_f32(&S[ch], thr, g_out + ch * n);
        check_guard(g_out, n * stride);
        write_floats(g_out, n * stride);
    }
    return 0;
}

/* spectral N_BINS DF ROLL K FIRST_BIN: spectra; out centroid, bandwidth, rolloff, flatness,
 * sum, then K (bin, value) pairs (bin -1 when fewer were found). */
static int cmd_spectral(int argc, char **argv)
{
    uint32_t nb = (uint32_t)atoi(argv[2]), k = (uint32_t)atoi(argv[5]), first = (uint32_t)atoi(argv[6]), i;
    float df = (float)atof(argv[3]), roll = (float)atof(argv[4]);
    uint16_t idx[64];
    float val[64], out[5 + 128];
    (void)argc;
    while (read_floats(g_buf, nb) == nb) {
        float c = sf_spectral_centroid_f32(g_buf, nb, df);
        uint32_t found;
        out[0] = c;
        out[1] = sf_spectral_bandwidth_f32(g_buf, nb, df, c);
        out[2] = sf_spectral_rolloff_f32(g_buf, nb, df, roll);
        out[3] = sf_spectral_flatness_f32(g_buf, nb, 1e-10f, 1);
        out[4] = sf_spectral_sum_f32(g_buf, nb);
        found = sf_spectral_top_k_f32(g_buf, nb, first, k, idx, val);
        for (i = 0; i < k; i++) {
            out[5 + 2 * i] = i < found ? (float)idx[i] : -1.0f;
            out[6 + 2 * i] = i < found ? val[i] : 0.0f;
        }
        write_floats(out, 5 + 2 * k);
    }
    return 0;
}

/* envelope N: frames of N samples -> Hilbert envelope. */
static int cmd_envelope(int argc, char **argv)
{
    uint16_t n = (uint16_t)atoi(argv[2]);
    static uint16_t rev_half[MAXN / 2];
    static float work[3 * MAXN];
    sf_rfft_inst_f32 R;
    sf_cfft_inst_f32 C;
    (void)argc;
    sf_fft_make_twiddle_f32(n, g_tw);
    sf_fft_make_bitrev(n, g_rev);
    sf_fft_make_bitrev(n / 2u, rev_half);
    sf_rfft_init_f32(&R, n, g_tw, rev_half);
    sf_cfft_init_f32(&C, n, g_tw, g_rev);
    while (read_floats(g_buf, n) == n) {
        set_guard(g_out, n);
        sf_envelope_process_f32(&R, &C, g_buf, work, g_out);
        check_guard(g_out, n);
        write_floats(g_out, n);
    }
    return 0;
}

/* Exactly sized heap blocks, so that ASan sees any read past the end of an operand. */
static float *alloc_floats(size_t n)
{
    float *p = (float *)malloc((n ? n : 1u) * sizeof(float));
    if (!p) die("out of memory");
    return p;
}

/* dense N_IN N_OUT ACT: Wt (N_OUT x N_IN), b (N_OUT), then input vectors of N_IN. */
static int cmd_dense(int argc, char **argv)
{
    uint32_t ni = (uint32_t)atoi(argv[2]), no = (uint32_t)atoi(argv[3]);
    sf_activation act = (sf_activation)atoi(argv[4]);
    float *w = alloc_floats((size_t)ni * no), *b = alloc_floats(no), *x = alloc_floats(ni);
    float *y = alloc_floats(no + GUARD);
    (void)argc;
    need(read_floats(w, (size_t)ni * no), (size_t)ni * no);
    need(read_floats(b, no), no);
    while (read_floats(x, ni) == ni) {
        set_guard(y, no);
        sf_dense_f32(x, w, b, y, ni, no, act);
        check_guard(y, no);
        write_floats(y, no);
    }
    free(w);
    free(b);
    free(x);
    free(y);
    return 0;
}

/* conv1d STEPS C_IN FILTERS KERNEL STRIDE: Wt (FILTERS x KERNEL*C_IN), b (FILTERS), then
 * time-major inputs of STEPS x C_IN; output (STEPS - KERNEL) / STRIDE + 1 steps x FILTERS. */
static int cmd_conv1d(int argc, char **argv)
{
    uint32_t steps = (uint32_t)atoi(argv[2]), ci = (uint32_t)atoi(argv[3]), f = (uint32_t)atoi(argv[4]);
    uint32_t k = (uint32_t)atoi(argv[5]), stride = (uint32_t)atoi(argv[6]);
    uint32_t nx = steps * ci, ny = ((steps - k) / stride + 1u) * f;
    float *w = alloc_floats((size_t)f * k * ci), *b = alloc_floats(f), *x = alloc_floats(nx);
    float *y = alloc_floats(ny + GUARD);
    (void)argc;
    need(read_floats(w, (size_t)f * k * ci), (size_t)f * k * ci);
    need(read_floats(b, f), f);
    while (read_floats(x, nx) == nx) {
        set_guard(y, ny);
        sf_conv1d_relu_f32(x, steps, ci, w, b, f, k, stride, y);
        check_guard(y, ny);
        write_floats(y, ny);
    }
    free(w);
    free(b);
    free(x);
    free(y);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) die("usage: driver KERNEL ARGS...");
    if (!strcmp(argv[1], "rfft")) return cmd_rfft(argc, argv);
    if (!strcmp(argv[1], "cfft")) return cmd_cfft(argc, argv);
    if (!strcmp(argv[1], "twiddle")) return cmd_twiddle(argc, argv);
    if (!strcmp(argv[1], "biquad")) return cmd_biquad(argc, argv);
    if (!strcmp(argv[1], "stats")) return cmd_stats(argc, argv);
    if (!strcmp(argv[1], "mel")) return cmd_mel(argc, argv);
    if (!strcmp(argv[1], "dct") || !strcmp(argv[1], "dctmatrix")) return cmd_dct(argc, argv);
    if (!strcmp(argv[1], "logmel")) return cmd_logmel(argc, argv);
    if (!strcmp(argv[1], "spectral")) return cmd_spectral(argc, argv);
    if (!strcmp(argv[1], "envelope")) return cmd_envelope(argc, argv);
    if (!strcmp(argv[1], "dense")) return cmd_dense(argc, argv);
    if (!strcmp(argv[1], "conv1d")) return cmd_conv1d(argc, argv);
    die("unknown kernel");
    return 2;
}
