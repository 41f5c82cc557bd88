/* sf_tree: decision trees and forests (scikit-learn DecisionTreeClassifier,
 * RandomForestClassifier, ExtraTreesClassifier), probability averaging.
 *
 * Layout (generated at export, all const):
 *   nodes: the internal nodes of every tree, each tree depth first, as structs of
 *          threshold, feature, left, right. Node references are BYTE OFFSETS into the node
 *          array (one add per level, no multiply); a reference >= limit (= n_internal *
 *          sizeof(node)) is a leaf, r = ref - limit its row;
 *   threshold: float32; go left when x[feature] <= threshold. The exporter stores the
 *          largest float32 <= scikit-learn's float64 threshold, which makes the float32 test
 *          equal to scikit-learn's float64 one for every float32 input;
 *   leaf rows: rows 0 .. n_classes-1 are "pure" leaves (all probability on class r, adds
 *          leaf_scale); row r >= n_classes is leaf[(r - n_classes) * n_classes ...], the class
 *          probabilities scaled to integers (about leaf_scale per row);
 *   root[t]: reference of tree t's first node (or leaf).
 * References are uint16_t while the forest fits (about 5,400 internal nodes), else uint32_t
 * (sf_tree_node32): no capacity limit. The traversal is a loop (no recursion).
 * Scores are exact integer sums over trees, divided once: the label is the first maximum of
 * the integer sums, so float rounding can never change the class.
 */
#ifndef SF_TREE_H
#define SF_TREE_H

#include <stdint.h>

#include <string.h>

#include "sf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    float threshold;
    uint16_t feature;
    uint16_t left, right;    /* byte offsets of the children (>= limit: leaf) */
} sf_tree_node16;

typedef struct {
    float threshold;
    uint32_t feature;
    uint32_t left, right;
} sf_tree_node32;

/* Variant for targets without an FPU: thresholds as order-preserving integer keys
 * (sf_tree_key), compared with one integer compare instead of a soft-float call. */
typedef struct {
    int32_t threshold;       /* sf_tree_key of the float32 threshold (never of -0.0) */
    uint16_t feature;
    uint16_t left, right;
} sf_tree_knode16;

typedef struct {
    int32_t threshold;
    uint32_t feature;
    uint32_t left, right;
} sf_tree_knode32;

/* An integer that orders like the float32 v (for all non-NaN v; -0.0 sorts just below
 * +0.0, which is why the exporter never stores a -0.0 threshold). */
static inline int32_t sf_tree_key(const float *v)
{
    int32_t b;
    memcpy(&b, v, sizeof b);
    return b ^ (int32_t)((uint32_t)(b >> 31) >> 1);
}

typedef struct {
    uint32_t n_trees;
    uint32_t limit;          /* references >= limit are leaves */
    uint32_t n_classes;      /* also passed to SF_FOREST_DEFINE as a constant */
    uint32_t leaf_scale;     /* value added for a pure leaf */
    const uint16_t *leaf;    /* (rows - n_classes) x n_classes scaled probabilities */
} sf_forest_f32;

/* Defines `static int fn(F, nodes, root, x, scores)` for one node type
 * (sf_tree_node16 with uint16_t references, or sf_tree_node32 with uint32_t) and a
 * compile-time class count (so the per-class loops unroll); the exporter instantiates the
 * one its forest needs (class sums live on the stack). Returns the class index: the first
 * maximum of the integer sums (numpy argmax's tie rule). Scores: sums / (n_trees * scale). */
/* n: a node reference in, the leaf row out. */
#define SF_TREE_WALK(node_t, base, limit, x, n)                                                  \
    do {                                                                                        \
        while ((n) < (limit)) {                                                                 \
            const node_t *p_ = (const node_t *)(const void *)((base) + (n));                    \
            (n) = ((x)[p_->feature] <= p_->threshold) ? p_->left : p_->right;                   \
        }                                                                                       \
        (n) -= (limit);                                                                         \
    } while (0)

#define SF_TREE_WALK_KEY(node_t, base, limit, x, n)                                              \
    do {                                                                                        \
        while ((n) < (limit)) {                                                                 \
            const node_t *p_ = (const node_t *)(const void *)((base) + (n));                    \
            (n) = (sf_tree_key(&(x)[p_->feature]) <= p_->threshold) ? p_->left : p_->right;     \
        }                                                                                       \
        (n) -= (limit);                                                                         \
    } while (0)

/* Unroll the short per-class loops (the class count is a compile-time constant). */
#if defined(__GNUC__) && !defined(__clang__) && (__GNUC__ >= 8)
#define SF_UNROLL _Pragma("GCC unroll 16")
#elif defined(__clang__)
#define SF_UNROLL _Pragma("clang loop unroll(full)")
#else
#define SF_UNROLL
#endif

#define SF_FOREST_DEFINE(fn, node_t, ref_t, n_classes) SF_FOREST_DEFINE_WALK(fn, node_t, ref_t, n_classes, SF_TREE_WALK)
/* The same with integer-key nodes (sf_tree_knode16 / sf_tree_knode32), for FPU-less targets. */
#define SF_FOREST_DEFINE_KEYS(fn, node_t, ref_t, n_classes)                                      \
    SF_FOREST_DEFINE_WALK(fn, node_t, ref_t, n_classes, SF_TREE_WALK_KEY)

#define SF_FOREST_DEFINE_WALK(fn, node_t, ref_t, n_classes, WALK)                                \
    static int fn(const sf_forest_f32 *F, const node_t *nodes, const ref_t *root, const float *x, \
                  float *scores)                                                                \
    {                                                                                           \
        uint32_t acc[n_classes];                                                                \
        uint32_t t, c, n, best = 0u, top;                                                       \
        const uint32_t limit = F->limit, scale = F->leaf_scale;                                 \
        const unsigned char *base = (const unsigned char *)nodes;                               \
        float total;                                                                            \
        SF_UNROLL for (c = 0; c < (n_classes); c++) {                                           \
            acc[c] = 0u;                                                                        \
        }                                                                                       \
        for (t = 0; t < F->n_trees; t++) {                                                      \
            n = root[t];                                                                        \
            WALK(node_t, base, limit, x, n);                                                    \
            if (n < (n_classes)) {                                                              \
                acc[n] += scale;                                                                \
            } else {                                                                            \
                const uint16_t *row = &F->leaf[(n - (n_classes)) * (n_classes)];                \
                SF_UNROLL for (c = 0; c < (n_classes); c++) {                                   \
                    acc[c] += row[c];                                                           \
                }                                                                               \
            }                                                                                   \
        }                                                                                       \
        total = (float)(F->n_trees * scale);                                                    \
        top = acc[0];                                                                           \
        SF_UNROLL for (c = 0; c < (n_classes); c++) {                                           \
            uint32_t a = acc[c];                                                                \
            scores[c] = (float)a / total; /* exact 0 and 1 for unanimous forests */             \
            if (a > top) {                                                                      \
                top = a;                                                                        \
                best = c;                                                                       \
            }                                                                                   \
        }                                                                                       \
        return (int)best;                                                                       \
    }

#ifdef __cplusplus
}
#endif

#endif /* SF_TREE_H */
