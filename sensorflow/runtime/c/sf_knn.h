/* sf_knn: k nearest neighbours, as sklearn.neighbors.KNeighborsClassifier (brute force):
 * the k nearest training vectors in order of distance, ties to the lower training index;
 * uniform or 1/distance weighted votes normalised to probabilities (with distance weights a
 * query equal to training vectors gets those only, as scikit-learn does). */
#ifndef SF_KNN_H
#define SF_KNN_H

#include <stdint.h>

#include "sf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { SF_KNN_EUCLIDEAN = 0, SF_KNN_MANHATTAN = 1, SF_KNN_CHEBYSHEV = 2, SF_KNN_MINKOWSKI = 3 } sf_knn_metric;
typedef enum { SF_KNN_UNIFORM = 0, SF_KNN_DISTANCE = 1 } sf_knn_weights;

typedef struct {
    const float *X;        /* n x d training vectors */
    uint32_t n, d, k;
    sf_knn_metric metric;
    float p;               /* minkowski power */
} sf_knn_f32;

/* dist/idx: the k nearest (distance, training index), nearest first. */
void sf_knn_nearest_f32(const sf_knn_f32 *K, const float *x, float *dist, uint32_t *idx);
/* Votes of the k neighbours (classes y[idx]) -> scores (n_classes); returns the class index. */
int sf_knn_vote_u8_f32(const uint8_t *y, const float *dist, const uint32_t *idx, uint32_t k, sf_knn_weights w,
                       uint32_t n_classes, float *scores);
int sf_knn_vote_u16_f32(const uint16_t *y, const float *dist, const uint32_t *idx, uint32_t k, sf_knn_weights w,
                        uint32_t n_classes, float *scores);
/* Regression (sklearn.neighbors.KNeighborsRegressor): the mean of the k neighbours' targets
 * y[idx], or their 1/distance weighted mean (a query equal to training vectors: the mean of
 * those only). */
float sf_knn_value_f32(const float *y, const float *dist, const uint32_t *idx, uint32_t k, sf_knn_weights w);
/* Mean of k distances. */
float sf_knn_mean_distance_f32(const float *dist, uint32_t k);

#ifdef __cplusplus
}
#endif

#endif /* SF_KNN_H */
