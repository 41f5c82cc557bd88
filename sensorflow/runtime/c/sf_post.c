#include "sf_post.h"

#include <string.h>

void sf_smooth_f32(const float *in, float *out, float *history, uint32_t *count, uint32_t n_avg, uint32_t n_classes)
{
    uint32_t c, k;
    const uint32_t h = n_avg - 1u;
    uint32_t seen = *count + 1u < n_avg ? *count + 1u : n_avg;
    for (c = 0; c < n_classes; c++) {
        float acc = 0.0f;
        for (k = 0; k < h; k++) {
            acc += history[k * n_classes + c];
        }
        acc += in[c];
        out[c] = acc / (float)seen;
    }
    if (h > 0u) {
        memmove(history, &history[n_classes], sizeof(float) * (h - 1u) * n_classes);
        memcpy(&history[(h - 1u) * n_classes], in, sizeof(float) * n_classes);
    }
    if (*count < n_avg) {
        *count += 1u;
    }
}

void sf_threshold_f32(const float *in, const float *threshold, float *out, uint32_t n_classes)
{
    uint32_t c;
    for (c = 0; c < n_classes; c++) {
        out[c] = in[c] >= threshold[c] ? 1.0f : 0.0f;
    }
}

void sf_refractory_f32(const float *in, float *out, uint32_t *remaining, uint32_t hold, uint32_t n_classes,
                       int per_class)
{
    uint32_t c;
    if (per_class) {
        for (c = 0; c < n_classes; c++) {
            if (in[c] > 0.0f && remaining[c] == 0u) {
                out[c] = in[c];
                remaining[c] = hold;
            } else {
                out[c] = 0.0f;
                if (remaining[c] > 0u) {
                    remaining[c]--;
                }
            }
        }
    } else {
        int any = 0;
        for (c = 0; c < n_classes; c++) {
            any |= in[c] > 0.0f;
        }
        if (remaining[0] == 0u && any) {
            memcpy(out, in, sizeof(float) * n_classes);
            remaining[0] = hold;
        } else {
            memset(out, 0, sizeof(float) * n_classes);
            if (remaining[0] > 0u) {
                remaining[0]--;
            }
        }
    }
}
