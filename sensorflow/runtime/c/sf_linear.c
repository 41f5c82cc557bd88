#include "sf_linear.h"

#include <math.h>

float sf_dot_f32(const float *a, const float *b, uint32_t n)
{
    float acc = 0.0f;
    uint32_t i;
    for (i = 0; i < n; i++) {
        acc += a[i] * b[i];
    }
    return acc;
}

float sf_sigmoid_f32(float z)
{
    if (z >= 0.0f) {
        return 1.0f / (1.0f + expf(-z));
    } else {
        float e = expf(z);
        return e / (1.0f + e);
    }
}

int sf_softmax_f32(const float *z, float *p, uint32_t n)
{
    uint32_t i;
    int best = sf_argmax_f32(z, (int)n);
    float mx = z[best], sum = 0.0f;
    for (i = 0; i < n; i++) {
        p[i] = expf(z[i] - mx);
        sum += p[i];
    }
    for (i = 0; i < n; i++) {
        p[i] /= sum;
    }
    return best;
}

int sf_binary_logit_f32(float z, float *scores)
{
    float p = sf_sigmoid_f32(z);
    scores[0] = 1.0f - p;
    scores[1] = p;
    return z > 0.0f ? 1 : 0;
}

int sf_logistic_binary_f32(const float *x, const float *coef, float intercept, uint32_t n_features, float *scores)
{
    return sf_binary_logit_f32(sf_dot_f32(coef, x, n_features) + intercept, scores);
}

int sf_logistic_multi_f32(const float *x, const float *coef, const float *intercept, uint32_t n_features,
                          uint32_t n_classes, float *scores)
{
    uint32_t c;
    for (c = 0; c < n_classes; c++) {
        scores[c] = sf_dot_f32(&coef[c * n_features], x, n_features) + intercept[c];
    }
    return sf_softmax_f32(scores, scores, n_classes);
}

float sf_mahalanobis_f32(const float *x, const float *loc, const float *precision, float *diff, uint32_t n)
{
    uint32_t i;
    float m = 0.0f;
    for (i = 0; i < n; i++) {
        diff[i] = x[i] - loc[i];
    }
    for (i = 0; i < n; i++) {
        m += diff[i] * sf_dot_f32(&precision[i * n], diff, n);
    }
    return m > 0.0f ? sqrtf(m) : 0.0f;
}

int sf_anomaly_scores_f32(float d, float t, float *scores)
{
    float s = d + t;
    scores[0] = t / s;
    scores[1] = d / s;
    return d > t ? 1 : 0;
}
