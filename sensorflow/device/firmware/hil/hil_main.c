/* HIL firmware main loop, shared by every board: receives COBS frames, runs the exported
 * pipeline (sf_model.h, the generated C API in docs/design.md) and answers. The board
 * sleeps in port_wait_input() while no byte is waiting. Protocol: hil/README.md. */
#include <string.h>

#include "hil_port.h"
#include "hil_proto.h"
#include "sf_common.h"
#include "sf_model.h"

#ifndef HIL_FW_VERSION
#define HIL_FW_VERSION "sf-hil 1"
#endif

#define HIL_RX_BODY_MAX 260u /* u32 offset + 64 floats */
#define HIL_MAX_FLOATS_PER_FRAME 64u
#define HIL_MAX_I16_PER_FRAME 128u /* a PUSH_I16 body: the same 256 bytes as 64 floats */
#define HIL_RX_RAW_MAX (HIL_RX_BODY_MAX + HIL_FRAME_OVERHEAD)
#define HIL_RX_ENC_MAX HIL_COBS_MAX(HIL_RX_RAW_MAX)

#define HIL_PUSH_BODY_FIXED 24u
#define HIL_TX_BODY_A (HIL_PUSH_BODY_FIXED + 8u * SF_MODEL_N_CLASSES)
#define HIL_TX_BODY_B (4u + 4u * HIL_MAX_FLOATS_PER_FRAME)
#define HIL_TX_BODY_C 128u
#define HIL_MAX2(a, b) ((a) > (b) ? (a) : (b))
#define HIL_TX_BODY_MAX HIL_MAX2(HIL_MAX2(HIL_TX_BODY_A, HIL_TX_BODY_B), HIL_TX_BODY_C)
#define HIL_TX_RAW_MAX (HIL_TX_BODY_MAX + HIL_FRAME_OVERHEAD)

#define HIL_WINDOW_FLOATS ((uint32_t)SF_MODEL_WINDOW_LENGTH * (uint32_t)SF_MODEL_N_CHANNELS)

static float window_buf[HIL_WINDOW_FLOATS];
static float features_buf[SF_MODEL_N_FEATURES];
static float check_features[SF_MODEL_N_FEATURES];
static float scores_buf[SF_MODEL_N_CLASSES];
static float check_scores[SF_MODEL_N_CLASSES];
static float post_buf[SF_MODEL_N_CLASSES];
/* a PUSH's floats, or a PUSH_I16's counts (copied out of the unaligned frame body) */
static union {
    float f[HIL_MAX_FLOATS_PER_FRAME];
#ifdef SF_MODEL_PUSH_I16
    int16_t c[HIL_MAX_I16_PER_FRAME];
#endif
} push_buf;

#if HIL_PORT_LANES > 1
#define LANE_GETC(lane) port_getc_lane(lane)
#define LANE_WRITE(lane, data, n) port_write_lane((lane), (data), (n))
#else
#define LANE_GETC(lane) ((void)(lane), port_getc())
#define LANE_WRITE(lane, data, n) ((void)(lane), port_write((data), (n)))
#endif

/* one receive buffer per lane (HIL_PORT_LANES in hil_port.h); answers go to reply_lane */
static uint8_t rx_buf[HIL_PORT_LANES][HIL_RX_ENC_MAX];
static uint32_t rx_len[HIL_PORT_LANES];
static int rx_overflow[HIL_PORT_LANES];
static uint32_t reply_lane;

static uint8_t tx_raw[HIL_TX_RAW_MAX];
static uint32_t tx_raw_len;
static uint8_t tx_enc[HIL_COBS_MAX(HIL_TX_RAW_MAX) + 1u];

/* the last answered request, so a retried request gets the same answer without running twice */
static int cache_valid;
static uint16_t cache_seq;
static uint8_t cache_type;
static uint32_t cache_crc;

static uint64_t counter_overhead;

/* Set by a hello request. Until then every request but hello and ping is refused with
 * HIL_ERR_NO_SESSION: after a reset whose boot hello the host missed (lost to line noise),
 * the host learns of the reset from the refusal instead of getting answers computed on a
 * window, features or stream that the reset wiped. */
static int session_open;

static void send_raw(void)
{
    size_t n = hil_cobs_encode(tx_raw, tx_raw_len, tx_enc);
    tx_enc[n++] = 0u;
    LANE_WRITE(reply_lane, tx_enc, (uint32_t)n);
}

/* Finish the frame whose body (length n) is already in tx_raw + 3, and send it. */
static void respond(uint8_t type, uint16_t seq, uint32_t n)
{
    tx_raw[0] = type;
    hil_put_u16(tx_raw + 1, seq);
    hil_put_u32(tx_raw + 3 + n, hil_crc32(tx_raw, 3u + n));
    tx_raw_len = 3u + n + 4u;
    send_raw();
}

static void respond_error(uint8_t req_type, uint16_t seq, uint8_t code, int32_t detail)
{
    uint8_t *b = tx_raw + 3;
    b[0] = code;
    b[1] = req_type;
    hil_put_u32(b + 2, (uint32_t)detail);
    respond(HIL_MSG_ERROR, seq, 6u);
}

static void put_f32(uint8_t *p, float v)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    hil_put_u32(p, u);
}

static float get_f32(const uint8_t *p)
{
    uint32_t u = hil_get_u32(p);
    float v;
    memcpy(&v, &u, 4);
    return v;
}

static void put_text(uint8_t *p, const char *s, uint32_t width)
{
    uint32_t i = 0;
    for (; i < width && s[i] != '\0'; i++) {
        p[i] = (uint8_t)s[i];
    }
    for (; i < width; i++) {
        p[i] = 0u;
    }
}

static void send_hello(uint16_t seq, int boot)
{
    uint8_t *b = tx_raw + 3;
    b[0] = (uint8_t)HIL_PROTO_VERSION;
    b[1] = (uint8_t)(boot ? 1u : 0u);
    hil_put_u16(b + 2, (uint16_t)HIL_RX_BODY_MAX);
    hil_put_u32(b + 4, (uint32_t)SF_MODEL_WINDOW_LENGTH);
    hil_put_u32(b + 8, (uint32_t)SF_MODEL_N_CHANNELS);
    hil_put_u32(b + 12, (uint32_t)SF_MODEL_N_FEATURES);
    hil_put_u32(b + 16, (uint32_t)SF_MODEL_N_CLASSES);
    hil_put_u32(b + 20, (uint32_t)SF_MODEL_HOP);
    hil_put_u32(b + 24, (uint32_t)sf_model_state_bytes());
    hil_put_u32(b + 28, port_stack_size());
    hil_put_u32(b + 32, port_stack_used());
    hil_put_u32(b + 36, port_ram_bytes());
    hil_put_u32(b + 40, port_flash_bytes());
    b[44] = port_counter_unit();
    b[45] = 0u; /* capabilities (HIL_CAP_*) */
    b[46] = 0u; /* with HIL_CAP_PUSH_I16: k of SF_MODEL_I16_SCALE = 2^-k, as int8 */
    b[47] = 0u;
#ifdef SF_MODEL_PUSH_I16
    {
        float s = SF_MODEL_I16_SCALE; /* a power of two: halving or doubling it is exact */
        int k = 0;
        while (s < 1.0f && k < 127) {
            s *= 2.0f;
            k++;
        }
        while (s > 1.0f && k > -128) {
            s *= 0.5f;
            k--;
        }
        b[45] = (uint8_t)HIL_CAP_PUSH_I16;
        b[46] = (uint8_t)(int8_t)k;
    }
#endif
    put_text(b + 48, SF_MODEL_PIPELINE_HASH, 16u);
    put_text(b + 64, HIL_FW_VERSION, 16u);
    put_text(b + 80, port_board_name(), 24u);
    respond(HIL_MSG_HELLO | HIL_MSG_RESPONSE, seq, 104u);
}

static void cmd_load(uint16_t seq, const uint8_t *body, uint32_t n)
{
    if (n < 4u || (n - 4u) % 4u != 0u) {
        respond_error(HIL_MSG_LOAD, seq, HIL_ERR_BAD_LENGTH, (int32_t)n);
        return;
    }
    uint32_t offset = hil_get_u32(body);
    uint32_t count = (n - 4u) / 4u;
    if (offset > HIL_WINDOW_FLOATS || count > HIL_WINDOW_FLOATS - offset) {
        respond_error(HIL_MSG_LOAD, seq, HIL_ERR_BAD_OFFSET, (int32_t)offset);
        return;
    }
    for (uint32_t i = 0; i < count; i++) {
        window_buf[offset + i] = get_f32(body + 4u + 4u * i);
    }
    hil_put_u32(tx_raw + 3, offset + count);
    respond(HIL_MSG_LOAD | HIL_MSG_RESPONSE, seq, 4u);
}

/* Body: flags u8 (bit0: also run sf_model_infer and report whether it agrees), then, for a
 * window.pad: valid export only, n_valid u32 (the loaded window's valid frames: _features_n).
 * A window holding NaN/Inf is answered, not refused: label SF_ERR_NONFINITE, scores 0. */
static void cmd_infer(uint16_t seq, const uint8_t *body, uint32_t n)
{
#ifdef SF_MODEL_PAD_VALID
    /* a u32 above the window length (2^31..2^32-1 included) becomes -1, never an out-of-range
     * (implementation-defined) conversion to int: _features_n answers SF_ERR_ARG either way */
    const uint32_t n_valid_u32 = n == 5u ? hil_get_u32(body + 1) : (uint32_t)SF_MODEL_WINDOW_LENGTH;
    const int n_valid = n_valid_u32 <= (uint32_t)SF_MODEL_WINDOW_LENGTH ? (int)n_valid_u32 : -1;
    if (n != 1u && n != 5u) {
#else
    if (n != 1u) {
#endif
        respond_error(HIL_MSG_INFER, seq, HIL_ERR_BAD_LENGTH, (int32_t)n);
        return;
    }
    port_counter_start();
#ifdef SF_MODEL_PAD_VALID
    int fstatus = sf_model_features_n(window_buf, n_valid, features_buf);
#else
    int fstatus = sf_model_features(window_buf, features_buf);
#endif
    uint64_t feat_count = port_counter_stop();
    uint64_t cls_count = 0u;
    int label = fstatus;
    if (fstatus != SF_OK && fstatus != SF_ERR_NONFINITE) {
        respond_error(HIL_MSG_INFER, seq, HIL_ERR_MODEL, fstatus);
        return;
    }
    if (fstatus == SF_OK) {
        port_counter_start();
        label = sf_model_classify(features_buf, scores_buf);
        cls_count = port_counter_stop();
        if (label < 0) {
            respond_error(HIL_MSG_INFER, seq, HIL_ERR_MODEL, label);
            return;
        }
    } else {
        memset(scores_buf, 0, sizeof scores_buf);
        memset(features_buf, 0, sizeof features_buf);
    }
    int32_t consistent = -1;
    if (body[0] & 1u) {
#ifdef SF_MODEL_PAD_VALID
        int label2 = sf_model_infer_n(window_buf, n_valid, check_features, check_scores);
#else
        int label2 = sf_model_infer(window_buf, check_features, check_scores);
#endif
        consistent = (label2 == label && (label < 0 || (memcmp(check_scores, scores_buf, sizeof scores_buf) == 0 &&
                                                        memcmp(check_features, features_buf, sizeof features_buf) == 0)))
                         ? 1
                         : 0;
    }
    feat_count = feat_count > counter_overhead ? feat_count - counter_overhead : 0u;
    cls_count = cls_count > counter_overhead ? cls_count - counter_overhead : 0u;
    uint8_t *b = tx_raw + 3;
    hil_put_u32(b, (uint32_t)label);
    hil_put_u32(b + 4, (uint32_t)consistent);
    hil_put_u64(b + 8, feat_count);
    hil_put_u64(b + 16, cls_count);
    hil_put_u32(b + 24, port_stack_used());
    hil_put_u32(b + 28, (uint32_t)SF_MODEL_N_CLASSES);
    for (uint32_t i = 0; i < (uint32_t)SF_MODEL_N_CLASSES; i++) {
        put_f32(b + 32u + 4u * i, scores_buf[i]);
    }
    respond(HIL_MSG_INFER | HIL_MSG_RESPONSE, seq, 32u + 4u * (uint32_t)SF_MODEL_N_CLASSES);
}

/* Body: offset u32, count u16 -> offset u32, count floats of the last features. */
static void cmd_features(uint16_t seq, const uint8_t *body, uint32_t n)
{
    if (n != 6u) {
        respond_error(HIL_MSG_FEATURES, seq, HIL_ERR_BAD_LENGTH, (int32_t)n);
        return;
    }
    uint32_t offset = hil_get_u32(body);
    uint32_t count = hil_get_u16(body + 4);
    if (count > HIL_MAX_FLOATS_PER_FRAME || offset > (uint32_t)SF_MODEL_N_FEATURES ||
        count > (uint32_t)SF_MODEL_N_FEATURES - offset) {
        respond_error(HIL_MSG_FEATURES, seq, HIL_ERR_BAD_OFFSET, (int32_t)offset);
        return;
    }
    uint8_t *b = tx_raw + 3;
    hil_put_u32(b, offset);
    for (uint32_t i = 0; i < count; i++) {
        put_f32(b + 4u + 4u * i, features_buf[offset + i]);
    }
    respond(HIL_MSG_FEATURES | HIL_MSG_RESPONSE, seq, 4u + 4u * count);
}

/* The answer to PUSH / PUSH_I16 once the entry returned ``done`` (windows completed) after
 * ``count`` counter units: windows completed, last label/scores/post. */
static void push_answer(uint8_t type, uint16_t seq, int done, uint64_t count)
{
    count = count > counter_overhead ? count - counter_overhead : 0u;
    int label = -1;
    if (done < 0) {
        respond_error(type, seq, HIL_ERR_MODEL, done);
        return;
    }
    if (done > 0) {
        int status = sf_model_last(scores_buf, &label, post_buf);
        if (status == SF_ERR_NONFINITE) { /* the last window held NaN/Inf: label says so, no scores */
            memset(scores_buf, 0, sizeof scores_buf);
            memset(post_buf, 0, sizeof post_buf);
        } else if (status < 0) {
            respond_error(type, seq, HIL_ERR_MODEL, status);
            return;
        }
    }
    uint8_t *b = tx_raw + 3;
    hil_put_u32(b, (uint32_t)done);
    hil_put_u32(b + 4, (uint32_t)label);
    hil_put_u64(b + 8, count);
    hil_put_u32(b + 16, port_stack_used());
    hil_put_u32(b + 20, (uint32_t)SF_MODEL_N_CLASSES);
    for (uint32_t i = 0; i < (uint32_t)SF_MODEL_N_CLASSES; i++) {
        put_f32(b + HIL_PUSH_BODY_FIXED + 4u * i, done > 0 ? scores_buf[i] : 0.0f);
        put_f32(b + HIL_PUSH_BODY_FIXED + 4u * ((uint32_t)SF_MODEL_N_CLASSES + i), done > 0 ? post_buf[i] : 0.0f);
    }
    respond(type | HIL_MSG_RESPONSE, seq, HIL_PUSH_BODY_FIXED + 8u * (uint32_t)SF_MODEL_N_CLASSES);
}

/* The frames in a push body of ``n`` bytes: whole frames of ``sample_bytes``-byte samples, at
 * most ``max_samples`` of them; 0 after refusing any other length (HIL_ERR_BAD_LENGTH). */
static int push_frames(uint8_t type, uint16_t seq, uint32_t n, uint32_t sample_bytes, uint32_t max_samples)
{
    uint32_t frame_bytes = sample_bytes * (uint32_t)SF_MODEL_N_CHANNELS;
    if (n == 0u || n % frame_bytes != 0u || n / sample_bytes > max_samples) {
        respond_error(type, seq, HIL_ERR_BAD_LENGTH, (int32_t)n);
        return 0;
    }
    return (int)(n / frame_bytes);
}

/* A push entry on the samples in push_buf: frames -> what sf_model_push answers. */
typedef int (*push_entry)(int n_frames);

/* ``entry(n_frames)`` between the counter's start and stop, then its answer (push_answer). */
static void run_push(uint8_t type, uint16_t seq, push_entry entry, int n_frames)
{
    port_counter_start();
    int done = entry(n_frames);
    uint64_t count = port_counter_stop();
    push_answer(type, seq, done, count);
}

static int push_floats(int n_frames)
{
    return sf_model_push(push_buf.f, n_frames);
}

/* Body: whole frames of interleaved float32 samples -> sf_model_push. */
static void cmd_push(uint16_t seq, const uint8_t *body, uint32_t n)
{
    int frames = push_frames(HIL_MSG_PUSH, seq, n, 4u, HIL_MAX_FLOATS_PER_FRAME);
    if (frames == 0) {
        return;
    }
    for (uint32_t i = 0; i < n / 4u; i++) {
        push_buf.f[i] = get_f32(body + 4u * i);
    }
    run_push(HIL_MSG_PUSH, seq, push_floats, frames);
}

#ifdef SF_MODEL_PUSH_I16
static int push_counts(int n_frames)
{
    return sf_model_push_i16(push_buf.c, n_frames);
}

/* Body: whole frames of interleaved int16 LE counts -> sf_model_push_i16 (q15 front ends). */
static void cmd_push_i16(uint16_t seq, const uint8_t *body, uint32_t n)
{
    int frames = push_frames(HIL_MSG_PUSH_I16, seq, n, 2u, HIL_MAX_I16_PER_FRAME);
    if (frames == 0) {
        return;
    }
    for (uint32_t i = 0; i < n / 2u; i++) {
        int32_t u = (int32_t)hil_get_u16(body + 2u * i); /* two's complement, without an out-of-range cast */
        push_buf.c[i] = (int16_t)(u >= 32768 ? u - 65536 : u);
    }
    run_push(HIL_MSG_PUSH_I16, seq, push_counts, frames);
}
#endif

static void handle_frame(uint8_t *raw, uint32_t n)
{
    if (n < HIL_FRAME_OVERHEAD) {
        return;
    }
    uint32_t crc = hil_get_u32(raw + n - 4u);
    if (hil_crc32(raw, n - 4u) != crc) {
        return; /* corrupted: drop silently, the host retries */
    }
    uint8_t type = raw[0];
    uint16_t seq = hil_get_u16(raw + 1);
    const uint8_t *body = raw + 3;
    uint32_t body_len = n - HIL_FRAME_OVERHEAD;
    if (body_len > HIL_RX_BODY_MAX) {
        /* COBS lets a frame decode a few bytes past the longest request; echoing or reading such a
         * body would run past tx_raw or a command's buffer: refuse it by its length */
        respond_error(type, seq, HIL_ERR_BAD_LENGTH, (int32_t)body_len);
        return;
    }
    if (type == HIL_MSG_HELLO) {
        cache_valid = 0; /* a new session: forget the last request */
        session_open = 1;
        send_hello(seq, 0);
        return;
    }
    if (!session_open && type != HIL_MSG_PING) {
        respond_error(type, seq, HIL_ERR_NO_SESSION, 0); /* not cached: any retry gets it too */
        return;
    }
    if (cache_valid && seq == cache_seq && type == cache_type && crc == cache_crc) {
        send_raw(); /* the host missed our answer: send it again, do not run twice */
        return;
    }
    switch (type) {
    case HIL_MSG_PING:
        memcpy(tx_raw + 3, body, body_len);
        respond(HIL_MSG_PING | HIL_MSG_RESPONSE, seq, body_len);
        break;
    case HIL_MSG_LOAD:
        cmd_load(seq, body, body_len);
        break;
    case HIL_MSG_INFER:
        cmd_infer(seq, body, body_len);
        break;
    case HIL_MSG_FEATURES:
        cmd_features(seq, body, body_len);
        break;
    case HIL_MSG_PUSH:
        cmd_push(seq, body, body_len);
        break;
#ifdef SF_MODEL_PUSH_I16
    case HIL_MSG_PUSH_I16:
        cmd_push_i16(seq, body, body_len);
        break;
#endif
    case HIL_MSG_RESET: {
        int status = sf_model_init();
        hil_put_u32(tx_raw + 3, (uint32_t)status);
        respond(HIL_MSG_RESET | HIL_MSG_RESPONSE, seq, 4u);
        break;
    }
    default:
        respond_error(type, seq, HIL_ERR_UNKNOWN_COMMAND, 0);
        break;
    }
    cache_valid = 1;
    cache_seq = seq;
    cache_type = type;
    cache_crc = crc;
}

static void feed(uint32_t lane, uint8_t byte)
{
    if (byte == 0u) {
        if (!rx_overflow[lane] && rx_len[lane] > 0u) {
            int n = hil_cobs_decode(rx_buf[lane], rx_len[lane]);
            if (n > 0) {
                reply_lane = lane;
                handle_frame(rx_buf[lane], (uint32_t)n);
            }
        }
        rx_len[lane] = 0u;
        rx_overflow[lane] = 0;
        return;
    }
    if (rx_len[lane] < sizeof rx_buf[lane]) {
        rx_buf[lane][rx_len[lane]++] = byte;
    } else {
        rx_overflow[lane] = 1; /* too long for us: drop it at the next delimiter */
    }
}

/* A board port may run the loop itself (the host runs it on a painted stack of its own). */
#ifndef HIL_MAIN_NAME
#define HIL_MAIN_NAME main
#endif
int HIL_MAIN_NAME(void);

int HIL_MAIN_NAME(void)
{
    port_init();
    port_counter_start();
    counter_overhead = port_counter_stop();
    (void)sf_model_init();
    {
        /* A lone delimiter first: it closes whatever reached the host before this boot (a reply
         * torn by the reset, a boot ROM's log), so the hello always decodes as a frame of its own. */
        static const uint8_t delimiter = 0u;
        for (uint32_t lane = 0u; lane < HIL_PORT_LANES; lane++) {
            LANE_WRITE(lane, &delimiter, 1u);
        }
    }
    send_hello(0u, 1); /* on lane 0 */
    for (;;) {
        int got = 0; /* a byte from each lane in turn: no lane waits for another's frame */
        for (uint32_t lane = 0u; lane < HIL_PORT_LANES; lane++) {
            int c = LANE_GETC(lane);
            if (c >= 0) {
                got = 1;
                feed(lane, (uint8_t)c);
            }
        }
        if (!got) {
            port_wait_input();
        }
    }
}
