"""MicroPython emitters of the regression stages (``sensorflow/stages/models/regression.py``):
the classifiers' kernels (tree walk, k-NN search, dense layers) with one value written to
``out[0]`` and class index 0."""

from __future__ import annotations

import numpy as np

from ...c.emitters.regression import value_rows
from ..fragment import MPContext, MPFragment
from ..registry import mp_emitter
from .models import dense_layers, knn_search, node_table
from .svm import add_kernel, kernel_decisions


@mp_emitter("decision_tree_regressor", "random_forest_regressor", "extra_trees_regressor")
def emit_tree_regressor(stage, ctx: MPContext) -> MPFragment:
    """The node layout of the C export, packed as the classifiers' (``node_table``); leaf
    values as float32 pairs hi, lo (``sf_tree_value.h``) in one bytes table."""
    lay, hi, lo = value_rows(list(stage.trees()))
    n_int = lay["n_internal"]
    nodes, fmt, size = node_table(ctx, lay, len(hi))
    root = ctx.int_table("root", lay["root"])
    pairs = np.stack([np.asarray(hi, dtype="<f4"), np.asarray(lo, dtype="<f4")], axis=1)
    values = ctx.bytes_table("values", pairs.tobytes(), 8)
    return MPFragment(
        [
            f"{ctx.out}[0] = rt.forest_value({ctx.inp}, {nodes}, {fmt!r}, {size}, {root}, {values}, {n_int})",
            "label = 0",
        ]
    )


@mp_emitter("knn_regressor")
def emit_knn_regressor(stage, ctx: MPContext) -> MPFragment:
    head, best = knn_search(stage, ctx, ctx.f32_table)
    return MPFragment([f"{ctx.out}[0] = rt.knn_value({head}, {best})", "label = 0"])


@mp_emitter("linear", "ridge")
def emit_linear_regressor(stage, ctx: MPContext) -> MPFragment:
    coef = np.asarray(stage.coef_, dtype=np.float64).ravel()
    W = ctx.f32_packed("coef", coef)
    b = ctx.f32_packed("intercept", np.atleast_1d(stage.intercept_))
    return MPFragment([f"rt.linear({ctx.inp}, {len(coef)}, {W}, {b}, 1, {ctx.out})", "label = 0"])


@mp_emitter("mlp_regressor")
def emit_mlp_regressor(stage, ctx: MPContext) -> MPFragment:
    code, src = dense_layers(stage, ctx)
    return MPFragment([*code, f"{ctx.out}[0] = {src}[0]", "label = 0"])


@mp_emitter("svr")
def emit_svr(stage, ctx: MPContext) -> MPFragment:
    """The ``svm`` emitter's kernels (``svm.KERNEL``, printed once per module) as one class pair
    holding every support vector: ``sum coef K + intercept`` with compensated sums."""
    add_kernel(ctx)
    b = ctx.f32_table("b", stage.intercept_)
    dec = ctx.buffer("dec", 1)
    if stage.params.kernel == "linear":
        W = stage.primal()
        code = [f"_svm_linear({ctx.inp}, {len(W)}, {ctx.f32_table('W', W)}, {b}, 1, {dec})"]
    else:
        n_sv = len(stage.support_vectors_)
        code = [kernel_decisions(stage, ctx, stage.dual_coef_, [0, n_sv, n_sv], b, 2, dec)]
    return MPFragment([*code, f"{ctx.out}[0] = {dec}[0]", "label = 0"])
