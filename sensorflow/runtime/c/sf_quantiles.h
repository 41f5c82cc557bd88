/* sf_quantiles: quantiles of one strided channel over dyadic intervals, of the signal and
 * optionally of its first difference (QUANT, Dempster et al. 2024), float32, as the
 * `quantiles` stage (sensorflow/stages/quantiles.py): level l < depth has 2^l intervals with
 * edges floor(i m / 2^l) over the m samples of a representation; each interval, sorted, gives
 * q + 1 quantiles at k / q, numpy's "linear" method: i = k (m' - 1) / q, r = k (m' - 1) % q,
 * s[i] if r == 0 else s[i] + (s[i + 1] - s[i]) * ((float)r / (float)q). */
#ifndef SF_QUANTILES_H
#define SF_QUANTILES_H

#include <stdint.h>

#include "sf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes (1 + diff) * (2^depth - 1) * (q + 1) values to dst (signal first, then difference;
 * level by level, interval by interval) and returns that count. src[i * stride], i < length,
 * is the channel; work holds `length` floats. */
uint32_t sf_quantiles_f32(const float *src, uint32_t stride, uint32_t length, uint32_t diff, uint32_t depth,
                          uint32_t q, float *work, float *dst);

#ifdef __cplusplus
}
#endif

#endif /* SF_QUANTILES_H */
