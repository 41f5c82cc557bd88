/* sf_nb: Gaussian naive Bayes, as sklearn.naive_bayes.GaussianNB: joint log-likelihood
 *   jll[c] = log prior[c] - 0.5 sum log(2 pi var[c]) - sum (x - theta[c])^2 / (2 var[c])
 * (the constant term precomputed at export), label = first argmax of jll, probabilities
 * exp(jll - logsumexp(jll)). */
#ifndef SF_NB_H
#define SF_NB_H

#include <stdint.h>

#include "sf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* theta, half_inv_var: n_classes x n_features; konst: n_classes. Returns the class index. */
int sf_gaussian_nb_f32(const float *x, const float *theta, const float *half_inv_var, const float *konst,
                       uint32_t n_classes, uint32_t n_features, float *scores);

#ifdef __cplusplus
}
#endif

#endif /* SF_NB_H */
