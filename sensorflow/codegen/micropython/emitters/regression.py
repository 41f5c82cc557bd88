"""MicroPython emitters of the regression stages (``sensorflow/stages/models/regression.py``):
the classifiers' kernels (tree walk, k-NN search, dense layers) with one value written to
``out[0]`` and class index 0."""

from __future__ import annotations

import numpy as np

from ...c.emitters.regression import value_rows
from ..fragment import MPContext, MPFragment
from ..registry import mp_emitter
from .models import dense_layers, knn_metric


@mp_emitter("decision_tree_regressor", "random_forest_regressor", "extra_trees_regressor")
def emit_tree_regressor(stage, ctx: MPContext) -> MPFragment:
    """The node layout of the C export; leaf values as float32 pairs (``sf_tree_value.h``)."""
    lay, hi, lo = value_rows(list(stage.trees()))
    n_int = lay["n_internal"]
    thr = ctx.f32_table("threshold", lay["threshold"] if n_int else [0.0])
    feat = ctx.int_table("feature", lay["feature"] if n_int else [0])
    child = ctx.int_table("child", lay["child"] if n_int else [0])
    root = ctx.int_table("root", lay["root"])
    hit, lot = ctx.f32_table("hi", hi), ctx.f32_table("lo", lo)
    return MPFragment(
        [
            f"{ctx.out}[0] = rt.forest_value({ctx.inp}, {feat}, {thr}, {child}, {root}, {hit}, {lot}, {n_int})",
            "label = 0",
        ]
    )


@mp_emitter("knn_regressor")
def emit_knn_regressor(stage, ctx: MPContext) -> MPFragment:
    X = np.asarray(stage.fit_X_, dtype=np.float32)
    n, d = X.shape
    p = stage.params
    k = p.n_neighbors
    metric, power = knn_metric(p.metric, p.p)
    Xt = ctx.f32_table("X", X)
    y = ctx.f32_table("y", stage.fit_y_)
    bd = ctx.buffer("best_d", k, "f")
    bi = ctx.buffer("best_i", k, "i")
    return MPFragment(
        [
            f"{ctx.out}[0] = rt.knn_value({ctx.inp}, {Xt}, {y}, {n}, {d}, {k}, {metric}, {power!r}, "
            f"{p.weights == 'distance'}, {bd}, {bi})",
            "label = 0",
        ]
    )


@mp_emitter("linear", "ridge")
def emit_linear_regressor(stage, ctx: MPContext) -> MPFragment:
    coef = np.asarray(stage.coef_, dtype=np.float64)
    W = ctx.f32_table("coef", coef)
    b = ctx.f32_table("intercept", stage.intercept_)
    return MPFragment([f"rt.dense({ctx.inp}, {len(coef)}, {W}, {b}, 1, {ctx.out}, 0)", "label = 0"])


@mp_emitter("mlp_regressor")
def emit_mlp_regressor(stage, ctx: MPContext) -> MPFragment:
    code, src = dense_layers(stage, ctx)
    return MPFragment([*code, f"{ctx.out}[0] = {src}[0]", "label = 0"])
