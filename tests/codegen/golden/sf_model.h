/* sf_model.h: pipeline 'golden' exported by sensorflow X.Y.Z for board 'host'.
 * GENERATED: do not edit; re-run `sensorflow export`.
 *
 * Usage (batch):     sf_model_init(); label = sf_model_infer(window, NULL, scores);
 * Usage (streaming): sf_model_init(); if (sf_model_push(samples, n) > 0) sf_model_last(scores, &label, post);
 * Samples are interleaved frames x[t * SF_MODEL_N_CHANNELS + c] in physical units. */
#ifndef SF_MODEL_H
#define SF_MODEL_H

#include "sf_pad.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SF_MODEL_WINDOW_LENGTH  8     /* samples per window */
#define SF_MODEL_HOP            4     /* samples between windows */
#define SF_MODEL_N_CHANNELS     2
#define SF_MODEL_N_FEATURES     4
#define SF_MODEL_N_CLASSES      2
#define SF_MODEL_SAMPLE_RATE    25.0f
#define SF_MODEL_PIPELINE_HASH  "0123456789abcdef"   /* first 16 hex of the artifact hash */
#define SF_MODEL_STATE_BYTES    216u     /* sizeof the static state struct */

extern const char *const sf_model_class_names[SF_MODEL_N_CLASSES];

/* Reset all state; call once before anything else (and again to restart streaming). 0 = ok. */
int sf_model_init(void);
/* Errors are the negative sf_status codes of sf_common.h. Non-finite input: a window (or feature
 * vector) holding a NaN or +-Inf value gets SF_ERR_NONFINITE (-6), never a class, and its
 * outputs are not written; so does a finite window whose features overflow float32. */
/* One window (WINDOW_LENGTH x N_CHANNELS interleaved) -> N_FEATURES features. 0 = ok. */
int sf_model_features(const float *window, float *features);
/* N_FEATURES features -> N_CLASSES scores; returns the class index (< 0: error). */
int sf_model_classify(const float *features, float *scores);
/* features + classify; either output may be NULL. Returns the class index (< 0: error). */
int sf_model_infer(const float *window, float *features_or_null, float *scores_or_null);
/* Streaming: push any number of interleaved frames; returns how many windows completed (< 0: error).
 * Windows are counted whatever the samples hold, so window indices stay aligned with time. */
int sf_model_push(const float *samples, int n_frames);
/* Results of the last completed window: scores (N_CLASSES), label, post-processed output
 * (N_CLASSES; > 0 = event for that class). Any pointer may be NULL. 0 = ok. If that window held
 * a NaN/Inf sample: returns SF_ERR_NONFINITE, *label = SF_ERR_NONFINITE, scores and post are not
 * written, and the post-processing state did not advance for it. */
int sf_model_last(float *scores, int *label, float *post);
/* A recording of n_frames (>= 1) interleaved frames -> one window (WINDOW_LENGTH x N_CHANNELS) as
 * training made it (window.pad: resample): the first window of a long recording, a short one
 * stretched over the window by linear interpolation. Then _infer(window, ...). 0 = ok. */
static inline int sf_model_to_window(const float *samples, int n_frames, float *window)
{
    return sf_to_window_f32(samples, n_frames, SF_MODEL_WINDOW_LENGTH, SF_MODEL_N_CHANNELS, SF_PAD_RESAMPLE, window);
}
/* Bytes of the one static state struct (RAM this pipeline uses besides the stack). */
unsigned sf_model_state_bytes(void);

#ifdef __cplusplus
}
#endif

#endif /* SF_MODEL_H */
