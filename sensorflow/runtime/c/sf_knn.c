#include "sf_knn.h"

#include <math.h>

/* A monotone key of the distance (squared for euclidean, p-th power for minkowski). */
static float knn_key(const sf_knn_f32 *K, const float *a, const float *b)
{
    uint32_t i;
    float acc = 0.0f;
    for (i = 0; i < K->d; i++) {
        float diff = a[i] - b[i];
        float ad = diff < 0.0f ? -diff : diff;
        switch (K->metric) {
        case SF_KNN_EUCLIDEAN:
            acc += diff * diff;
            break;
        case SF_KNN_MANHATTAN:
            acc += ad;
            break;
        case SF_KNN_CHEBYSHEV:
            acc = ad > acc ? ad : acc;
            break;
        default:
            acc += powf(ad, K->p);
            break;
        }
    }
    return acc;
}

static float knn_distance(const sf_knn_f32 *K, float key)
{
    if (K->metric == SF_KNN_EUCLIDEAN) {
        return sqrtf(key);
    }
    if (K->metric == SF_KNN_MINKOWSKI) {
        return powf(key, 1.0f / K->p);
    }
    return key;
}

void sf_knn_nearest_f32(const sf_knn_f32 *K, const float *x, float *dist, uint32_t *idx)
{
    uint32_t i, j, found = 0;
    for (i = 0; i < K->n; i++) {
        float key = knn_key(K, x, &K->X[i * K->d]);
        if (found == K->k && !(key < dist[found - 1])) {
            continue;
        }
        j = found < K->k ? found++ : found - 1;
        while (j > 0 && key < dist[j - 1]) { /* strict: equal keys keep training order */
            dist[j] = dist[j - 1];
            idx[j] = idx[j - 1];
            j--;
        }
        dist[j] = key;
        idx[j] = i;
    }
    for (i = 0; i < found; i++) {
        dist[i] = knn_distance(K, dist[i]);
    }
}

#define SF_KNN_VOTE(fn, y_t)                                                                     \
    int fn(const y_t *y, const float *dist, const uint32_t *idx, uint32_t k, sf_knn_weights w,  \
           uint32_t n_classes, float *scores)                                                   \
    {                                                                                           \
        uint32_t c, i;                                                                          \
        int exact = 0;                                                                          \
        float sum = 0.0f;                                                                       \
        for (c = 0; c < n_classes; c++) {                                                       \
            scores[c] = 0.0f;                                                                   \
        }                                                                                       \
        if (w == SF_KNN_DISTANCE) {                                                             \
            for (i = 0; i < k; i++) {                                                           \
                exact |= dist[i] == 0.0f;                                                       \
            }                                                                                   \
        }                                                                                       \
        for (i = 0; i < k; i++) {                                                               \
            float wt = 1.0f;                                                                    \
            if (w == SF_KNN_DISTANCE) {                                                         \
                wt = exact ? (dist[i] == 0.0f ? 1.0f : 0.0f) : 1.0f / dist[i];                  \
            }                                                                                   \
            scores[y[idx[i]]] += wt;                                                            \
        }                                                                                       \
        for (c = 0; c < n_classes; c++) {                                                       \
            sum += scores[c];                                                                   \
        }                                                                                       \
        if (sum == 0.0f) {                                                                      \
            sum = 1.0f;                                                                         \
        }                                                                                       \
        for (c = 0; c < n_classes; c++) {                                                       \
            scores[c] /= sum;                                                                   \
        }                                                                                       \
        return sf_argmax_f32(scores, (int)n_classes);                                           \
    }

SF_KNN_VOTE(sf_knn_vote_u8_f32, uint8_t)
SF_KNN_VOTE(sf_knn_vote_u16_f32, uint16_t)

float sf_knn_value_f32(const float *y, const float *dist, const uint32_t *idx, uint32_t k, sf_knn_weights w)
{
    uint32_t i;
    int exact = 0;
    float num = 0.0f, den = 0.0f;
    if (w == SF_KNN_DISTANCE) {
        for (i = 0; i < k; i++) {
            exact |= dist[i] == 0.0f;
        }
    }
    for (i = 0; i < k; i++) {
        float wt = 1.0f;
        if (w == SF_KNN_DISTANCE) {
            wt = exact ? (dist[i] == 0.0f ? 1.0f : 0.0f) : 1.0f / dist[i];
        }
        num += wt * y[idx[i]];
        den += wt;
    }
    return num / den;
}

float sf_knn_mean_distance_f32(const float *dist, uint32_t k)
{
    float s = 0.0f;
    uint32_t i;
    for (i = 0; i < k; i++) {
        s += dist[i];
    }
    return s / (float)k;
}
