/* sf_post: post-processing over successive windows' scores (sensorflow's smooth, threshold
 * and refractory stages), state kept by the caller across windows. Same numbers as the
 * numpy references: smooth sums oldest to newest in float32, then divides once. */
#ifndef SF_POST_H
#define SF_POST_H

#include <stdint.h>

#include "sf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Moving average over the last n_avg windows (fewer at the start: the mean of what arrived).
 * history: (n_avg - 1) x n_classes, zeroed at start, oldest row first; count: windows seen. */
void sf_smooth_f32(const float *in, float *out, float *history, uint32_t *count, uint32_t n_avg, uint32_t n_classes);
/* out[c] = in[c] >= threshold[c] ? 1 : 0 (threshold +inf: never). */
void sf_threshold_f32(const float *in, const float *threshold, float *out, uint32_t n_classes);
/* Pass a detection (> 0) then suppress for `hold` windows; remaining: n_classes counters
 * (per_class) or one counter. */
void sf_refractory_f32(const float *in, float *out, uint32_t *remaining, uint32_t hold, uint32_t n_classes,
                       int per_class);

#ifdef __cplusplus
}
#endif

#endif /* SF_POST_H */
