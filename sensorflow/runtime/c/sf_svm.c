#include "sf_svm.h"

#include <math.h>

SF_FP_CONTRACT_FAST

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
    for (i = 0; i < k->d; i++) {
        acc += x[i] * sv[i];
    }
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
            float acc = 0.0f;
            for (s = start[i]; s < start[i + 1]; s++) {
                acc += ci[s] * kv[s];
            }
            for (s = start[j]; s < start[j + 1]; s++) {
                acc += cj[s] * kv[s];
            }
            dec[p] = acc + rho[p];
            p++;
        }
    }
}

void sf_svm_ovo_linear_f32(const float *x, const float *W, const float *b, uint32_t n_pairs, uint32_t d, float *dec)
{
    uint32_t p, i;
    for (p = 0; p < n_pairs; p++) {
        const float *w = W + (size_t)p * d;
        float acc = 0.0f;
        for (i = 0; i < d; i++) {
            acc += w[i] * x[i];
        }
        dec[p] = acc + b[p];
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
