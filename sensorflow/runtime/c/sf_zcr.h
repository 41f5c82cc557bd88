/* sf_zcr: zero-crossing rate per frame of one strided channel, float32, as
 * librosa.feature.zero_crossing_rate: |x| <= threshold counts as zero, zero as positive; a
 * frame's rate is the sign changes between its neighbouring samples / frame_length. `pad`
 * edge samples are repeated before and after the signal (numpy.pad mode "edge"; librosa's
 * center=True pads frame_length / 2). */
#ifndef SF_ZCR_H
#define SF_ZCR_H

#include <stdint.h>

#include "sf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* dst[t] for the n_frames frames of frame_length samples every hop_length samples of the
 * padded signal; src[i * stride], i < length, is the channel. */
void sf_zcr_process_f32(const float *src, uint32_t stride, uint32_t length, uint32_t pad, uint32_t frame_length,
                        uint32_t hop_length, uint32_t n_frames, float threshold, float *dst);

#ifdef __cplusplus
}
#endif

#endif /* SF_ZCR_H */
