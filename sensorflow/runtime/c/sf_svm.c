#include "sf_svm.h"

#include <math.h>

/* Sums whose terms cancel (dot products, the dual coefficients x kernel values) are
 * compensated (Neumaier), so the float32 decision values stay within 1e-5 of libsvm's float64
 * ones with hundreds of support vectors; this file is therefore compiled without
 * SF_FP_CONTRACT_FAST (a fused multiply-add would change what the compensation sees). */
typedef struct {
    float sum;
    float comp;
} sf_svm_acc;

static void acc_add(sf_svm_acc *a, float v)
{
    float t = a->sum + v;
    float as = a->sum < 0.0f ? -a->sum : a->sum;
    float av = v < 0.0f ? -v : v;
    if (as >= av) {
        a->comp += (a->sum - t) + v;
    } else {
        a->comp += (v - t) + a->sum;
    }
    a->sum = t;
}

static float dot(const float *a, const float *b, uint32_t n)
{
    sf_svm_acc acc = {0.0f, 0.0f};
    uint32_t i;
    for (i = 0; i < n; i++) {
        acc_add(&acc, a[i] * b[i]);
    }
    return acc.sum + acc.comp;
}

float sf_svm_kernel_value_f32(const sf_svm_kernel *k, const float *x, const float *sv)
{
    uint32_t i;
    float acc = 0.0f;
    if (k->kernel == SF_SVM_RBF) {
        for (i = 0; i < k->d; i++) {
            float diff = x[i] - sv[i];
            acc += diff * diff;
        }
        return expf(-k->gamma * acc);
    }
    acc = dot(x, sv, k->d);
    if (k->kernel == SF_SVM_POLY) {
        float base = k->gamma * acc + k->coef0, p = 1.0f;
        for (i = 0; i < k->degree; i++) {
            p *= base;
        }
        return p;
    }
    return acc;
}

void sf_svm_kernel_values_f32(const sf_svm_kernel *k, const float *x, float *kv)
{
    uint32_t s;
    for (s = 0; s < k->n_sv; s++) {
        kv[s] = sf_svm_kernel_value_f32(k, x, k->sv + (size_t)s * k->d);
    }
}

void sf_svm_ovo_f32(const float *kv, const float *coef, const float *rho, const uint32_t *start, uint32_t n_classes,
                    uint32_t n_sv, float *dec)
{
    uint32_t i, j, s, p = 0;
    for (i = 0; i < n_classes; i++) {
        for (j = i + 1; j < n_classes; j++) {
            const float *ci = coef + (size_t)(j - 1) * n_sv;
            const float *cj = coef + (size_t)i * n_sv;
            sf_svm_acc acc = {0.0f, 0.0f};
            for (s = start[i]; s < start[i + 1]; s++) {
                acc_add(&acc, ci[s] * kv[s]);
            }
            for (s = start[j]; s < start[j + 1]; s++) {
                acc_add(&acc, cj[s] * kv[s]);
            }
            acc_add(&acc, rho[p]);
            dec[p] = acc.sum + acc.comp;
            p++;
        }
    }
}

void sf_svm_ovo_linear_f32(const float *x, const float *W, const float *b, uint32_t n_pairs, uint32_t d, float *dec)
{
    uint32_t p;
    for (p = 0; p < n_pairs; p++) {
        dec[p] = dot(W + (size_t)p * d, x, d) + b[p];
    }
}

int sf_svm_vote_f32(const float *dec, uint32_t n_classes, int break_ties, uint32_t *votes, float *scores)
{
    uint32_t i, j, c, p = 0, top = 0;
    int best = 0;
    if (n_classes == 2u) {
        scores[0] = dec[0];
        scores[1] = -dec[0];
        return dec[0] > 0.0f ? 0 : 1;
    }
    for (c = 0; c < n_classes; c++) {
        votes[c] = 0u;
        scores[c] = 0.0f;
    }
    for (i = 0; i < n_classes; i++) {
        for (j = i + 1; j < n_classes; j++) {
            scores[i] += dec[p];
            scores[j] -= dec[p];
            votes[dec[p] > 0.0f ? i : j]++;
            p++;
        }
    }
    for (c = 0; c < n_classes; c++) {
        float conf = scores[c];
        float mag = conf < 0.0f ? -conf : conf;
        scores[c] = (float)votes[c] + conf / (3.0f * (mag + 1.0f));
    }
    /* scikit-learn's ovr votes count dec == 0 for i (dec >= 0); libsvm's for j (dec > 0) */
    p = 0;
    for (i = 0; i < n_classes; i++) {
        for (j = i + 1; j < n_classes; j++) {
            if (dec[p] == 0.0f) {
                scores[i] += 1.0f;
                scores[j] -= 1.0f;
            }
            p++;
        }
    }
    if (break_ties) {
        return sf_argmax_f32(scores, (int)n_classes);
    }
    for (c = 0; c < n_classes; c++) {
        if (votes[c] > top) {
            top = votes[c];
            best = (int)c;
        }
    }
    for (c = (uint32_t)best + 1u; c < n_classes; c++) {
        if (votes[c] == top) {
            scores[c] -= 1.0f;
        }
    }
    return best;
}
