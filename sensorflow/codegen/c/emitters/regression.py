"""C emitters of the regression stages (``sensorflow/stages/models/regression.py``). They reuse
the classifiers' kernels: the tree node layout and walk (``sf_tree.h``, leaf values summed by
``sf_tree_value.h``), the k-NN search (``sf_knn``), ``sf_dense_f32`` for linear models and MLPs.
The value goes to ``out[0]``; the stage returns class index 0."""

from __future__ import annotations

import numpy as np

from .. import cgen
from ..fragment import CFragment, Field
from ..registry import c_emitter
from .models import dense_layers, knn_tables, node_tables, tree_layout


def value_rows(trees: list[dict]) -> tuple[dict, np.ndarray, np.ndarray]:
    """``tree_layout`` with one row per distinct leaf value, and the rows as float32 pairs
    ``hi + lo`` of value / n_trees (``sf_tree_value.h``)."""
    rows: dict[float, int] = {}
    n = len(trees)

    def leaf_row(value: np.ndarray, node: int) -> int:
        v = float(value[node, 0])
        return rows.setdefault(v, len(rows))

    lay = tree_layout(trees, leaf_row)
    share = np.array(list(rows), dtype=np.float64) / n if n > 1 else np.array(list(rows), dtype=np.float64)
    hi = share.astype(np.float32)
    lo = (share - hi.astype(np.float64)).astype(np.float32) if n > 1 else np.zeros_like(hi)
    return lay, hi, lo


@c_emitter("decision_tree_regressor", "random_forest_regressor", "extra_trees_regressor")
def emit_tree_regressor(stage, ctx) -> CFragment:
    lay, hi, lo = value_rows(list(stage.trees()))
    s = ctx.sym
    tables, node_t, ref_t, size, keys = node_tables(lay, len(hi), ctx)
    tables += [
        cgen.array(s("hi"), "float", hi, comment="leaf value / n_trees, float32 high part"),
        cgen.array(s("lo"), "float", lo, comment="and low part (hi + lo: ~48 bits of the double)"),
        f"static const sf_forest_value_f32 {s('forest')} = {{{lay['n_trees']}u, {lay['n_internal'] * size}u, "
        f"{s('hi')}, {s('lo')}}};\n",
        f"SF_FOREST_VALUE_DEFINE{'_KEYS' if keys else ''}({s('predict')}, {node_t}, {ref_t})\n",
    ]
    return CFragment(
        runtime=["sf_tree", "sf_tree_value"],
        tables=tables,
        code=[f"out[0] = {s('predict')}(&{s('forest')}, {s('nodes')}, {s('root')}, in);", "return 0;"],
        returns_label=True,
    )


@c_emitter("knn_regressor")
def emit_knn_regressor(stage, ctx) -> CFragment:
    p = stage.params
    tables, scratch, call = knn_tables(ctx, stage.fit_X_, p.metric, p.p, p.n_neighbors)
    tables.insert(1, cgen.array(ctx.sym("y"), "float", stage.fit_y_, comment="target of each training vector"))
    weights = "SF_KNN_DISTANCE" if p.weights == "distance" else "SF_KNN_UNIFORM"
    return CFragment(
        runtime=["sf_knn"],
        tables=tables,
        scratch=scratch,
        code=[
            call,
            f"out[0] = sf_knn_value_f32({ctx.sym('y')}, {ctx.scratch('dist')}, {ctx.scratch('idx')}, "
            f"{p.n_neighbors}u, {weights});",
            "return 0;",
        ],
        returns_label=True,
    )


@c_emitter("linear", "ridge")
def emit_linear_regressor(stage, ctx) -> CFragment:
    coef = np.asarray(stage.coef_, dtype=np.float64)
    s = ctx.sym
    return CFragment(
        runtime=["sf_dense"],
        tables=[cgen.array(s("coef"), "float", coef), cgen.array(s("intercept"), "float", stage.intercept_)],
        code=[f"sf_dense_f32(in, {s('coef')}, {s('intercept')}, out, {len(coef)}u, 1u, SF_ACT_IDENTITY);", "return 0;"],
        returns_label=True,
    )


@c_emitter("mlp_regressor")
def emit_mlp_regressor(stage, ctx) -> CFragment:
    tables, code, src, scratch = dense_layers(stage, ctx)
    code += [f"out[0] = {src}[0];", "return 0;"]
    return CFragment(runtime=["sf_dense"], tables=tables, scratch=scratch, code=code, returns_label=True)


_SVM_KERNELS = {"linear": "SF_SVM_LINEAR", "rbf": "SF_SVM_RBF", "poly": "SF_SVM_POLY"}


@c_emitter("svr")
def emit_svr(stage, ctx) -> CFragment:
    """The ``svm`` kernel (``sf_svm.h``) as one class pair: class 0 holds every support vector, so
    ``sf_svm_ovo_f32`` gives ``sum coef K + intercept`` with its compensated sums; a linear kernel
    is one weight row summed at export (``sf_svm_ovo_linear_f32``)."""
    p = stage.params
    s = ctx.sym
    tables = [cgen.array(s("b"), "float", stage.intercept_, comment="intercept")]
    if p.kernel == "linear":
        W = stage.primal()
        tables.insert(0, cgen.array(s("W"), "float", W, comment="dual_coef_ @ support_vectors_"))
        return CFragment(
            runtime=["sf_svm"],
            tables=tables,
            code=[f"sf_svm_ovo_linear_f32(in, {s('W')}, {s('b')}, 1u, {len(W)}u, out);", "return 0;"],
            returns_label=True,
        )
    sv = np.asarray(stage.support_vectors_, dtype=np.float64)
    n_sv, d = sv.shape
    tables += [
        cgen.array(s("sv"), "float", sv, comment=f"{n_sv} support vectors x {d}"),
        cgen.array(s("coef"), "float", stage.dual_coef_, comment="dual coefficients"),
        cgen.array(s("start"), "uint32_t", [0, n_sv, n_sv], comment="all support vectors in the one pair"),
        f"static const sf_svm_kernel {s('kernel')} = {{{s('sv')}, {n_sv}u, {d}u, {_SVM_KERNELS[p.kernel]}, "
        f"{cgen.f32(stage.gamma_)}, {cgen.f32(p.coef0)}, {int(p.degree)}u}};\n",
    ]
    return CFragment(
        runtime=["sf_svm"],
        tables=tables,
        scratch=[Field("float", "kv", n_sv)],
        code=[
            f"sf_svm_kernel_values_f32(&{s('kernel')}, in, {ctx.scratch('kv')});",
            f"sf_svm_ovo_f32({ctx.scratch('kv')}, {s('coef')}, {s('b')}, {s('start')}, 2u, {n_sv}u, out);",
            "return 0;",
        ],
        returns_label=True,
    )
