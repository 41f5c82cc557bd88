/* sf_tree: decision trees and forests (scikit-learn DecisionTreeClassifier,
 * RandomForestClassifier, ExtraTreesClassifier), probability averaging.
 *
 * Layout (generated at export, all const):
 *   internal nodes 0 .. n_internal-1 of every tree, each tree's nodes in depth-first order;
 *   feature[n]   input index tested at node n (uint8_t or uint16_t);
 *   threshold[n] float32: go left when x[feature[n]] <= threshold[n]. The exporter stores
 *                the largest float32 <= scikit-learn's float64 threshold, which makes the
 *                float32 test equal to scikit-learn's float64 one for every float32 input;
 *   child[2n], child[2n+1]  left and right child of n. A value >= n_internal is a leaf:
 *                r = value - n_internal is its row. Rows 0 .. n_classes-1 are "pure" leaves
 *                (all probability on class r); row r >= n_classes is the stored row
 *                leaf[(r - n_classes) * n_classes ...] of class probabilities scaled to
 *                integers (about leaf_scale per row);
 *   root[t]      first node (or leaf) of tree t.
 * Child/root index type (uint8_t / uint16_t / uint32_t) is sized to the forest, so there is
 * no capacity limit; the traversal is a loop (no recursion), one compare per level.
 * Scores are the exact integer sums over trees, divided once: label = first maximum of the
 * integer sums, so float rounding can never change the class.
 */
#ifndef SF_TREE_H
#define SF_TREE_H

#include <stdint.h>

#include "sf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint32_t n_trees;
    uint32_t n_internal;     /* node ids >= n_internal are leaves */
    uint32_t n_classes;
    uint32_t leaf_scale;     /* value added for a pure leaf */
    const float *threshold;  /* n_internal */
    const uint16_t *leaf;    /* (rows - n_classes) x n_classes scaled probabilities */
} sf_forest_f32;

/* scores[c] = acc[c] / total; returns the first index of the largest acc (numpy argmax). */
static inline int sf_forest_finish(const uint32_t *acc, uint32_t n_classes, uint32_t total, float *scores)
{
    uint32_t c;
    for (c = 0; c < n_classes; c++) {
        scores[c] = (float)acc[c] / (float)total; /* exact 0 and 1 for unanimous forests */
    }
    return sf_argmax_u32(acc, (int)n_classes);
}

/* Adds one leaf row to the class sums. */
static inline void sf_forest_add_leaf(const sf_forest_f32 *F, uint32_t row, uint32_t *acc)
{
    uint32_t c;
    const uint32_t nc = F->n_classes;
    if (row < nc) {
        acc[row] += F->leaf_scale;
    } else {
        const uint16_t *p = &F->leaf[(row - nc) * nc];
        for (c = 0; c < nc; c++) {
            acc[c] += p[c];
        }
    }
}

/* Defines `static int fn(F, feature, child, root, x, acc, scores)` for one pair of index
 * types; the exporter instantiates the one its forest needs. acc: n_classes scratch words.
 * Returns the class index. */
#define SF_FOREST_DEFINE(fn, feat_t, child_t)                                                   \
    static int fn(const sf_forest_f32 *F, const feat_t *feature, const child_t *child,          \
                  const child_t *root, const float *x, uint32_t *acc, float *scores)            \
    {                                                                                           \
        uint32_t t, c;                                                                          \
        const uint32_t n_int = F->n_internal;                                                   \
        const float *thr = F->threshold;                                                        \
        for (c = 0; c < F->n_classes; c++) {                                                    \
            acc[c] = 0u;                                                                        \
        }                                                                                       \
        for (t = 0; t < F->n_trees; t++) {                                                      \
            uint32_t n = root[t];                                                               \
            while (n < n_int) {                                                                 \
                n = child[2u * n + (uint32_t)(x[feature[n]] > thr[n])];                         \
            }                                                                                   \
            sf_forest_add_leaf(F, n - n_int, acc);                                              \
        }                                                                                       \
        return sf_forest_finish(acc, F->n_classes, F->n_trees * F->leaf_scale, scores);         \
    }

#ifdef __cplusplus
}
#endif

#endif /* SF_TREE_H */
