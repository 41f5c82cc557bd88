/* sf_tree_value: regression trees and forests (scikit-learn DecisionTreeRegressor,
 * RandomForestRegressor, ExtraTreesRegressor): the mean of the trees' leaf values.
 *
 * Nodes, references and the walk are sf_tree.h's; a leaf row r holds one value, stored as a
 * float32 pair hi[r] + lo[r] (hi = the float32 nearest to value / n_trees in double, lo = the
 * float32 nearest to the rest), so the pair carries about 48 bits of the double. The trees'
 * pairs are summed in float32 with an error-free two-sum (Knuth's TwoSum: no FMA, no
 * reassociation; plain IEEE float32 adds), then rounded once: the result is the float32
 * nearest to the double mean scikit-learn computes unless that mean lies within about
 * n_trees x 2^-46 (relative) of a halfway point between two float32 values. One tree: hi.
 */
#ifndef SF_TREE_VALUE_H
#define SF_TREE_VALUE_H

#include <stdint.h>

#include "sf_common.h"
#include "sf_tree.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint32_t n_trees;
    uint32_t limit;          /* references >= limit are leaves */
    const float *hi;         /* per leaf row: value / n_trees, high part */
    const float *lo;         /* and the low part */
} sf_forest_value_f32;

/* s + e += a exactly (TwoSum), the rounding error of s + a carried into e with b. */
static inline void sf_two_sum_add(float *s, float *e, float a, float b)
{
    float x = *s + a;
    float av = x - *s;
    float sv = x - av;
    *e += ((*s - sv) + (a - av)) + b;
    *s = x;
}

/* Defines `static float fn(F, nodes, root, x)` for one node type (as SF_FOREST_DEFINE). */
#define SF_FOREST_VALUE_DEFINE_WALK(fn, node_t, ref_t, WALK)                                     \
    static float fn(const sf_forest_value_f32 *F, const node_t *nodes, const ref_t *root,        \
                    const float *x)                                                             \
    {                                                                                           \
        uint32_t t, n;                                                                          \
        const uint32_t limit = F->limit;                                                        \
        const unsigned char *base = (const unsigned char *)nodes;                               \
        float s = 0.0f, e = 0.0f;                                                               \
        for (t = 0; t < F->n_trees; t++) {                                                      \
            n = root[t];                                                                        \
            WALK(node_t, base, limit, x, n);                                                    \
            sf_two_sum_add(&s, &e, F->hi[n], F->lo[n]);                                          \
        }                                                                                       \
        return s + e;                                                                           \
    }

#define SF_FOREST_VALUE_DEFINE(fn, node_t, ref_t) SF_FOREST_VALUE_DEFINE_WALK(fn, node_t, ref_t, SF_TREE_WALK)
/* The same with integer-key nodes (sf_tree_knode16 / sf_tree_knode32), for FPU-less targets. */
#define SF_FOREST_VALUE_DEFINE_KEYS(fn, node_t, ref_t) SF_FOREST_VALUE_DEFINE_WALK(fn, node_t, ref_t, SF_TREE_WALK_KEY)

#ifdef __cplusplus
}
#endif

#endif /* SF_TREE_VALUE_H */
