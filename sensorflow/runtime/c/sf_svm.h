/* sf_svm: kernel support vector machines, float32, as sklearn.svm.SVC (libsvm's C-SVC).
 * Kernels as libsvm's k_function: linear <x, sv>, rbf exp(-gamma |x - sv|^2), poly
 * (gamma <x, sv> + coef0)^degree. One-vs-one: pair p = (i, j) in libsvm's order (0, 1), (0, 2)
 * ... (1, 2) ... has dec[p] = sum_{sv of i} coef[(j - 1) n_sv + sv] K(x, sv)
 * + sum_{sv of j} coef[i n_sv + sv] K(x, sv) + rho[p]; dec[p] > 0 votes for i, else for j.
 * The label is the class with most votes, a tie going to the lowest class index (libsvm's
 * svm_predict_values), or with break_ties the argmax of the scores (scikit-learn's
 * break_ties=True). Scores: two classes [dec, -dec] (-dec is SVC.decision_function); more,
 * SVC.decision_function's ovr shape (votes + conf / (3 (|conf| + 1))), the classes tied at
 * the top vote count above the lowest index less one vote when !break_ties, so the label is
 * always the first largest score. */
#ifndef SF_SVM_H
#define SF_SVM_H

#include <stdint.h>

#include "sf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { SF_SVM_LINEAR = 0, SF_SVM_RBF = 1, SF_SVM_POLY = 2 } sf_svm_kernel_type;

/* A kernel over n_sv support vectors of d features (sv: n_sv x d, row-major). */
typedef struct {
    const float *sv;
    uint32_t n_sv;
    uint32_t d;
    sf_svm_kernel_type kernel;
    float gamma;
    float coef0;
    uint32_t degree;
} sf_svm_kernel;

/* K(x, sv) for one vector sv of k->d features (the evaluation an SVR shares). */
float sf_svm_kernel_value_f32(const sf_svm_kernel *k, const float *x, const float *sv);
/* kv[s] = K(x, sv_s) for every support vector. */
void sf_svm_kernel_values_f32(const sf_svm_kernel *k, const float *x, float *kv);
/* dec[p] for every class pair from the kernel values; start: n_classes + 1 offsets of each
 * class's support vectors; coef: (n_classes - 1) x n_sv; rho: one constant per pair. */
void sf_svm_ovo_f32(const float *kv, const float *coef, const float *rho, const uint32_t *start, uint32_t n_classes,
                    uint32_t n_sv, float *dec);
/* dec[p] = W[p] . x + b[p] (the linear kernel's support vectors summed at export). */
void sf_svm_ovo_linear_f32(const float *x, const float *W, const float *b, uint32_t n_pairs, uint32_t d, float *dec);
/* Scores and label from the pairwise decision values (see above); votes: n_classes scratch. */
int sf_svm_vote_f32(const float *dec, uint32_t n_classes, int break_ties, uint32_t *votes, float *scores);

#ifdef __cplusplus
}
#endif

#endif /* SF_SVM_H */
