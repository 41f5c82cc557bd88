/* sf_linear: linear scores and the output functions of linear models, float32.
 * Logistic regression as sklearn.linear_model.LogisticRegression (softmax of the decision
 * values for several classes; [1 - expit(d), expit(d)] and label d > 0 for two), softmax as
 * sklearn.utils.extmath.softmax (subtract the maximum first), Mahalanobis distance, and the
 * [t / (d + t), d / (d + t)] scores of the anomaly models. */
#ifndef SF_LINEAR_H
#define SF_LINEAR_H

#include <stdint.h>

#include "sf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* sum a[i] * b[i] */
float sf_dot_f32(const float *a, const float *b, uint32_t n);
/* 1 / (1 + exp(-z)), without overflow for large |z| */
float sf_sigmoid_f32(float z);
/* p = softmax(z) (n values); returns the first index of the largest z. p may equal z. */
int sf_softmax_f32(const float *z, float *p, uint32_t n);
/* scores = [1 - sigmoid(z), sigmoid(z)]; returns z > 0 (scikit-learn's binary decision). */
int sf_binary_logit_f32(float z, float *scores);
/* d = coef . x + intercept; as sf_binary_logit_f32. */
int sf_logistic_binary_f32(const float *x, const float *coef, float intercept, uint32_t n_features, float *scores);
/* z = coef (k x d) . x + intercept; scores = softmax(z); returns argmax z. */
int sf_logistic_multi_f32(const float *x, const float *coef, const float *intercept, uint32_t n_features,
                          uint32_t n_classes, float *scores);
/* sqrt(max(0, (x - loc)' P (x - loc))); diff: n scratch floats. */
float sf_mahalanobis_f32(const float *x, const float *loc, const float *precision, float *diff, uint32_t n);
/* scores = [t / (d + t), d / (d + t)] for classes (normal, anomaly); returns d > t. */
int sf_anomaly_scores_f32(float d, float t, float *scores);

#ifdef __cplusplus
}
#endif

#endif /* SF_LINEAR_H */
