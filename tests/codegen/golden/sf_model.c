/* sf_model.c: pipeline 'golden' exported by sensorflow X.Y.Z for board 'host'.
 * GENERATED: do not edit; re-run `sensorflow export`. C99, no malloc, one static state struct. */
#include "sf_model.h"

#include <string.h>

#include "sf_common.h"
#include "sf_tree.h"
#include "sf_post.h"

const char *const sf_model_class_names[SF_MODEL_N_CLASSES] = {
    "down", "up"
};

/* ------------------------------------------------------------------ state */
typedef struct {
    int ready;                      /* set by init */
    int fill;                       /* samples in win (streaming) */
    int skip;                       /* samples still to drop (hop > window length) */
    int bad;                        /* window samples still to push before the last NaN/Inf one leaves the window */
    int skipped;                    /* the last streamed window held NaN/Inf and was not run: nothing may reuse its work */
    int last_label;                 /* class index, or SF_ERR_NONFINITE */
    int has_last;
    float win[16];        /* streaming window */
    float sig[1][16];       /* signal stage outputs (ping-pong) */
    float vec[1][4];       /* feature / vector stage outputs */
    float last_scores[2];
    float post[2][2];    /* post stage outputs (ping-pong) */
    float s0_calls[1];  /* windows seen */
    float s3_history[2];  /* previous windows, oldest first */
    uint32_t s3_count[1];  /* windows seen (saturates) */
    union {                         /* valid during one stage call only */
        struct {
            float acc[1];
        } s1;
    } scratch;
} sf_model_state_t;

static sf_model_state_t sf_model_state;

/* ------------------------------------------------------------------ stage 0: test_doubler (signal) */
static const float sf_model_s0_k[2] = {
    2.0f, 1.0f
};

/* one function per stage, kept out of line so each stage's code size shows in the object */
static SF_NOINLINE void sf_model_s0(const float *in, float *out)
{
    int i;
    sf_model_state.s0_calls[0] += 1.0f;
    for (i = 0; i < 16; i++) out[i] = in[i] * sf_model_s0_k[0] + sf_model_s0_k[1];
}

/* ------------------------------------------------------------------ stage 1: test_channel_mean (feature) */
/* one function per stage, kept out of line so each stage's code size shows in the object */
static SF_NOINLINE void sf_model_s1(const float *in, float *out)
{
    int c, t;
    for (c = 0; c < 2; c++) {
        float *acc = sf_model_state.scratch.s1.acc;
        float mx = in[c];
        acc[0] = 0.0f;
        for (t = 0; t < 8; t++) {
            acc[0] += in[t * 2 + c];
            if (in[t * 2 + c] > mx) mx = in[t * 2 + c];
        }
        out[2 * c] = acc[0] / 8.0f;
        out[2 * c + 1] = mx;
    }
}

/* ------------------------------------------------------------------ stage 2: decision_tree (model) */
/* 2 internal nodes: threshold (largest float32 <= scikit-learn's), feature, left, right (byte offsets; >= 24 is a leaf row) */
static const sf_tree_node16 sf_model_s2_nodes[2] = {
    {0.25f, 0u, 12u, 25u},
    {1.5f, 3u, 24u, 26u}
};

static const uint16_t sf_model_s2_root[1] = {
    0
};

/* mixed leaves, rows sum to ~65520 */
static const uint16_t sf_model_s2_leaf[2] = {
    21840, 43680
};

static const sf_forest_f32 sf_model_s2_forest = {1u, 24u, 2u, 65520u, sf_model_s2_leaf};

SF_FOREST_DEFINE(sf_model_s2_predict, sf_tree_node16, uint16_t, 2u)

/* one function per stage, kept out of line so each stage's code size shows in the object */
static SF_NOINLINE int sf_model_s2(const float *in, float *out)
{
    return sf_model_s2_predict(&sf_model_s2_forest, sf_model_s2_nodes, sf_model_s2_root, in, out);
}

/* ------------------------------------------------------------------ stage 3: smooth (post) */
/* one function per stage, kept out of line so each stage's code size shows in the object */
static SF_NOINLINE void sf_model_s3(const float *in, float *out)
{
    sf_smooth_f32(in, out, sf_model_state.s3_history, sf_model_state.s3_count, 2u, 2u);
}

/* ------------------------------------------------------------------ stage 4: threshold (post) */
/* per class; infinity = never fires */
static const float sf_model_s4_threshold[2] = {
    SF_INFINITY, 0.75f
};

/* one function per stage, kept out of line so each stage's code size shows in the object */
static SF_NOINLINE void sf_model_s4(const float *in, float *out)
{
    sf_threshold_f32(in, sf_model_s4_threshold, out, 2u);
}

/* ------------------------------------------------------------------ pipeline */
/* 1 if none of the n values is NaN or Inf: the one out-of-line copy of the input check. */
static SF_NOINLINE int sf_model_all_finite(const float *x, int n)
{
    return sf_all_finite_f32(x, n);
}


/* A feature vector computed from finite samples may still hold NaN/Inf (float32 overflow inside
 * a stage): copied to out only when finite; SF_ERR_NONFINITE otherwise. */
static int sf_model_checked_copy(const float *feats, float *out)
{
    if (!sf_model_all_finite(feats, SF_MODEL_N_FEATURES)) {
        return SF_ERR_NONFINITE;
    }
    memcpy(out, feats, sizeof(float) * SF_MODEL_N_FEATURES);
    return SF_OK;
}

/* Features of one window; returns a pointer into the state (N_FEATURES floats). */
static const float *sf_model_run_features(const float *window)
{
    sf_model_s0(window, sf_model_state.sig[0]);  /* test_doubler */
    sf_model_s1(sf_model_state.sig[0], &sf_model_state.vec[0][0]);  /* test_channel_mean */
    return sf_model_state.vec[0];
}

/* Post-processing of one window's scores (state kept across windows); the result stays in
 * sf_model_state.post[1] until the next window. */
static void sf_model_run_post(const float *scores)
{
    sf_model_s3(scores, sf_model_state.post[0]);  /* smooth */
    sf_model_s4(sf_model_state.post[0], sf_model_state.post[1]);  /* threshold */
}

int sf_model_init(void)
{
    memset(&sf_model_state, 0, sizeof sf_model_state);
    sf_model_state.ready = 1;
    return SF_OK;
}

int sf_model_features(const float *window, float *features)
{
    if (!sf_model_state.ready) {
        return SF_ERR_NOT_INIT;
    }
    if (window == NULL || features == NULL) {
        return SF_ERR_NULL;
    }
    if (!sf_model_all_finite(window, SF_MODEL_WINDOW_LENGTH * SF_MODEL_N_CHANNELS)) {
        return SF_ERR_NONFINITE;
    }
    return sf_model_checked_copy(sf_model_run_features(window), features);
}

int sf_model_classify(const float *features, float *scores)
{
    if (!sf_model_state.ready) {
        return SF_ERR_NOT_INIT;
    }
    if (features == NULL || scores == NULL) {
        return SF_ERR_NULL;
    }
    if (!sf_model_all_finite(features, SF_MODEL_N_FEATURES)) {
        return SF_ERR_NONFINITE;
    }
    return sf_model_s2(features, scores);
}

/* The model on one feature vector, scores to scores_or_null if given. Out of line so that the
 * scores array is not on the stack while the feature stages run below _infer. */
static SF_NOINLINE int sf_model_classify_window(const float *feats, float *scores_or_null)
{
    float scores[2];
    int label = sf_model_s2(feats, scores);
    if (scores_or_null != NULL) {
        memcpy(scores_or_null, scores, sizeof scores);
    }
    return label;
}

int sf_model_infer(const float *window, float *features_or_null, float *scores_or_null)
{
    const float *feats;
    if (!sf_model_state.ready) {
        return SF_ERR_NOT_INIT;
    }
    if (window == NULL) {
        return SF_ERR_NULL;
    }
    if (!sf_model_all_finite(window, SF_MODEL_WINDOW_LENGTH * SF_MODEL_N_CHANNELS)) {
        return SF_ERR_NONFINITE;
    }
    feats = sf_model_run_features(window);
    if (!sf_model_all_finite(feats, SF_MODEL_N_FEATURES)) {
        return SF_ERR_NONFINITE;
    }
    if (features_or_null != NULL) {
        memcpy(features_or_null, feats, sizeof(float) * SF_MODEL_N_FEATURES);
    }
    return sf_model_classify_window(feats, scores_or_null);
}

/* Counts n pushed window frames for the non-finite check: state.bad is how many more frames
 * must arrive before the newest NaN/Inf frame leaves the window (0: the window is finite). One
 * check over the whole block; only a block holding a bad frame is searched for the newest one. */
static void sf_model_track_finite(const float *frames, int n)
{
    int k;
    if (sf_model_all_finite(frames, n * SF_MODEL_N_CHANNELS)) {
        sf_model_state.bad = sf_model_state.bad > n ? sf_model_state.bad - n : 0;
        return;
    }
    for (k = n - 1; k > 0 && sf_model_all_finite(&frames[k * SF_MODEL_N_CHANNELS], SF_MODEL_N_CHANNELS); k--) {
    }
    k = SF_MODEL_WINDOW_LENGTH - (n - 1 - k); /* frame k set it to the window length; later frames count down */
    sf_model_state.bad = k > 0 ? k : 0;
}

/* A window completed: run the pipeline on it, unless it holds a NaN/Inf sample; then its label
 * is SF_ERR_NONFINITE and neither the features nor the post-processing state are touched. */
static void sf_model_on_window(void)
{
    sf_model_state.has_last = 1;
    if (sf_model_state.bad > 0) {
        sf_model_state.last_label = SF_ERR_NONFINITE;
        sf_model_state.skipped = 1;
        return;
    }
    const float *feats = sf_model_run_features(sf_model_state.win);
    sf_model_state.skipped = 0;
    if (!sf_model_all_finite(feats, SF_MODEL_N_FEATURES)) { /* overflow inside a stage: no class either */
        sf_model_state.last_label = SF_ERR_NONFINITE;
        return;
    }
    sf_model_state.last_label = sf_model_s2(feats, sf_model_state.last_scores);
    sf_model_run_post(sf_model_state.last_scores);
}

int sf_model_push(const float *samples, int n_frames)
{
    int i, windows = 0;
    if (!sf_model_state.ready) {
        return SF_ERR_NOT_INIT;
    }
    if (n_frames < 0) {
        return SF_ERR_ARG;
    }
    if (samples == NULL && n_frames > 0) {
        return SF_ERR_NULL;
    }
    /* runs of frames up to the window's end: one non-finite check and one copy a run */
    for (i = 0; i < n_frames;) {
        int m = n_frames - i;
        if (sf_model_state.skip > 0) {
            m = sf_model_state.skip < m ? sf_model_state.skip : m;
            sf_model_state.skip -= m;
            i += m;
            continue;
        }
        if (m > SF_MODEL_WINDOW_LENGTH - sf_model_state.fill) {
            m = SF_MODEL_WINDOW_LENGTH - sf_model_state.fill;
        }
        sf_model_track_finite(&samples[i * SF_MODEL_N_CHANNELS], m);
        memcpy(&sf_model_state.win[sf_model_state.fill * SF_MODEL_N_CHANNELS], &samples[i * SF_MODEL_N_CHANNELS],
               sizeof(float) * SF_MODEL_N_CHANNELS * (size_t)m);
        i += m;
        sf_model_state.fill += m;
        if (sf_model_state.fill == SF_MODEL_WINDOW_LENGTH) {
            sf_model_on_window();
            windows++;
            memmove(sf_model_state.win, &sf_model_state.win[8],
                    sizeof(float) * 8);
            sf_model_state.fill = 4;
        }
    }
    return windows;
}

int sf_model_last(float *scores, int *label, float *post)
{
    if (!sf_model_state.ready) {
        return SF_ERR_NOT_INIT;
    }
    if (!sf_model_state.has_last) {
        return SF_ERR_NOT_READY;
    }
    if (sf_model_state.last_label == SF_ERR_NONFINITE) {
        if (label != NULL) {
            *label = SF_ERR_NONFINITE;
        }
        return SF_ERR_NONFINITE;
    }
    if (scores != NULL) {
        memcpy(scores, sf_model_state.last_scores, sizeof sf_model_state.last_scores);
    }
    if (label != NULL) {
        *label = sf_model_state.last_label;
    }
    if (post != NULL) {
        memcpy(post, sf_model_state.post[1], sizeof(float) * 2);
    }
    return SF_OK;
}

unsigned sf_model_state_bytes(void)
{
    return (unsigned)sizeof sf_model_state;
}
