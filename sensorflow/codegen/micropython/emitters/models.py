"""MicroPython emitters of the model stages (``sensorflow/stages/models``). Each calls one
runtime kernel on tables printed from the learned arrays and assigns the class index to
``label``, the probabilities to ``self.scores``."""

from __future__ import annotations

import numpy as np

from ....errors import CodegenError
from ...c.emitters.models import LEAF_SCALE, forest_layout
from ..fragment import MPContext, MPFragment
from ..registry import mp_emitter

_METRICS = {"euclidean": 0, "manhattan": 1, "chebyshev": 2, "minkowski": 3}
_ACTIVATIONS = {"identity": 0, "relu": 1, "tanh": 2, "logistic": 3}


def node_table(ctx: MPContext, lay: dict, n_rows: int) -> tuple[str, str, int]:
    """The internal nodes of a ``tree_layout`` as one ``bytes`` table of little-endian records
    (threshold float32, feature uint8/uint16, left, right uint16/uint32: the narrowest that
    hold them), read in place with ``struct.unpack_from`` (one copy in the heap, 9 bytes a
    node for up to 256 features and 65536 nodes + leaf rows): ``(symbol, struct format, record size)``."""
    n_int = lay["n_internal"]
    feat = lay["feature"] if n_int else np.zeros(0, np.int64)
    if n_int and int(feat.max()) > 0xFFFF:
        raise CodegenError("more than 65536 features are not supported by the tree kernel")
    fcode = "B" if not n_int or int(feat.max()) <= 0xFF else "H"
    ccode = "H" if n_int + n_rows <= 0x10000 else "I"
    rec = np.dtype([("t", "<f4"), ("f", "<" + fcode), ("lo", "<" + ccode), ("hi", "<" + ccode)], align=False)
    nodes = np.zeros(n_int, dtype=rec)
    if n_int:
        if not np.all(np.isfinite(lay["threshold"])):
            raise CodegenError("a tree threshold is NaN or Inf; the trained pipeline is broken, re-train it")
        kids = lay["child"].reshape(-1, 2)
        nodes["t"], nodes["f"], nodes["lo"], nodes["hi"] = lay["threshold"], feat, kids[:, 0], kids[:, 1]
    return ctx.bytes_table("nodes", nodes.tobytes(), rec.itemsize), f"<f{fcode}{ccode}{ccode}", rec.itemsize


@mp_emitter("decision_tree", "random_forest", "extra_trees")
def emit_trees(stage, ctx: MPContext) -> MPFragment:
    """Same node layout and integer soft voting as the C export (``sf_tree.h``); the nodes
    packed (``node_table``), the impure leaf rows as uint16 (pure leaves need no row)."""
    nc = stage.n_classes
    lay = forest_layout(list(stage.trees()), nc)
    n_int = lay["n_internal"]
    nodes, fmt, size = node_table(ctx, lay, lay["n_rows"])
    root = ctx.int_table("root", lay["root"])
    rows = ctx.bytes_table("rows", np.asarray(lay["leaf"], dtype="<u2").tobytes(), 2 * nc)
    acc = ctx.buffer("acc", nc, "I")
    return MPFragment(
        [
            f"label = rt.forest({ctx.inp}, {nodes}, {fmt!r}, {size}, {root}, {rows}, {n_int}, {nc}, "
            f"{lay['leaf_scale']}, {acc}, {ctx.out})"
        ]
    )


def knn_metric(metric: str, p: float) -> tuple[int, float]:
    if metric == "minkowski" and p == 2:
        return _METRICS["euclidean"], 2.0
    if metric == "minkowski" and p == 1:
        return _METRICS["manhattan"], 1.0
    return _METRICS[metric], float(p)


def knn_search(stage, ctx: MPContext, y_table) -> tuple[str, str]:
    """Tables and buffers of a k-NN search over ``fit_X_`` with ``fit_y_`` as ``y_table`` (the
    context's ``f32_table`` or ``int_table``): the leading arguments ``inp, X, y, n, d, k,
    metric, p, distance`` and the trailing ``best_d, best_i`` of ``rt.knn`` / ``rt.knn_value``."""
    X = np.asarray(stage.fit_X_, dtype=np.float32)
    n, d = X.shape
    k = stage.params.n_neighbors
    if k > n:
        raise CodegenError(f"{stage.name}: n_neighbors={k} but only {n} training rows")
    metric, p = knn_metric(stage.params.metric, getattr(stage.params, "p", 2.0))
    Xt = ctx.f32_table("X", X)
    y = y_table("y", stage.fit_y_)
    bd = ctx.buffer("best_d", k, "f")
    bi = ctx.buffer("best_i", k, "i")
    distance = stage.params.weights == "distance"
    return f"{ctx.inp}, {Xt}, {y}, {n}, {d}, {k}, {metric}, {p!r}, {distance}", f"{bd}, {bi}"


@mp_emitter("knn")
def emit_knn(stage, ctx: MPContext) -> MPFragment:
    head, best = knn_search(stage, ctx, ctx.int_table)
    return MPFragment([f"label = rt.knn({head}, {stage.n_classes}, {best}, {ctx.out})"])


@mp_emitter("logistic", "ridge_classifier")  # ridge: the same linear decision, softmax/expit scores
def emit_logistic(stage, ctx: MPContext) -> MPFragment:
    coef = np.atleast_2d(np.asarray(stage.coef_, dtype=np.float64))
    k, d = coef.shape
    W = ctx.f32_packed("coef", coef)
    b = ctx.f32_packed("intercept", stage.intercept_)
    z = ctx.buffer("z", k)
    code = [f"rt.linear({ctx.inp}, {d}, {W}, {b}, {k}, {z})"]
    if k == 1:
        code.append(f"label = rt.binary_proba({z}[0], {ctx.out})")
    else:
        code += [f"label = rt.argmax({z}, {k})", f"rt.softmax({z}, {k}, {ctx.out})"]
    return MPFragment(code)


@mp_emitter("gaussian_nb")
def emit_gaussian_nb(stage, ctx: MPContext) -> MPFragment:
    theta = np.asarray(stage.theta_, dtype=np.float64)
    var = np.asarray(stage.var_, dtype=np.float64)
    nc, d = theta.shape
    const = np.log(stage.class_prior_) - 0.5 * np.sum(np.log(2.0 * np.pi * var), axis=1)
    th = ctx.f32_table("theta", theta)
    vt = ctx.f32_table("var", var)
    ct = ctx.f32_table("const", const)
    jll = ctx.buffer("jll", nc)
    return MPFragment([f"label = rt.gaussian_nb({ctx.inp}, {d}, {th}, {vt}, {ct}, {nc}, {jll}, {ctx.out})"])


def dense_layers(stage, ctx: MPContext) -> tuple[list[str], str]:
    """``rt.dense`` calls for the layers of an MLP stage, the last one linear: (code, output buffer)."""
    sizes = [int(s) for s in stage.layer_sizes_]
    width = max(sizes[1:])
    a = ctx.buffer("a", width)
    b = ctx.buffer("b", width)
    act = _ACTIVATIONS[stage.params.activation]
    code, src = [], ctx.inp
    layers = list(stage.layers())
    for i, (W, bias) in enumerate(layers):
        Wt = ctx.f32_table(f"W{i}", W)
        bt = ctx.f32_table(f"b{i}", bias)
        dst = a if i % 2 == 0 else b
        last = i == len(layers) - 1
        code.append(f"rt.dense({src}, {W.shape[0]}, {Wt}, {bt}, {W.shape[1]}, {dst}, {0 if last else act})")
        src = dst
    return code, src


@mp_emitter("mlp")
def emit_mlp(stage, ctx: MPContext) -> MPFragment:
    code, src = dense_layers(stage, ctx)
    sizes = [int(s) for s in stage.layer_sizes_]
    if sizes[-1] == 1:
        code.append(f"label = rt.binary_proba({src}[0], {ctx.out})")
    else:
        code += [f"label = rt.argmax({src}, {sizes[-1]})", f"rt.softmax({src}, {sizes[-1]}, {ctx.out})"]
    return MPFragment(code)


@mp_emitter("gaussian_anomaly")
def emit_gaussian_anomaly(stage, ctx: MPContext) -> MPFragment:
    loc = np.asarray(stage.location_, dtype=np.float64)
    d = len(loc)
    lt = ctx.f32_table("location", loc)
    pt = ctx.f32_table("precision", stage.precision_)
    tmp = ctx.buffer("tmp", d)
    t = ctx.scalar("threshold", stage.threshold_)
    return MPFragment(
        [
            f"m = rt.mahalanobis2({ctx.inp}, {d}, {lt}, {pt}, {tmp})",
            f"label = rt.anomaly(rt.math.sqrt(m if m > 0.0 else 0.0), {t}, {ctx.out})",
        ]
    )


@mp_emitter("knn_anomaly")
def emit_knn_anomaly(stage, ctx: MPContext) -> MPFragment:
    X = np.asarray(stage.fit_X_, dtype=np.float32)
    n, d = X.shape
    k = stage.params.n_neighbors
    Xt = ctx.f32_table("X", X)
    bd = ctx.buffer("best_d", k, "f")
    bi = ctx.buffer("best_i", k, "i")
    t = ctx.scalar("threshold", stage.threshold_)
    return MPFragment(
        [
            f"rt.nearest({ctx.inp}, {Xt}, {n}, {d}, {k}, 0, 2.0, {bd}, {bi})",
            "s = 0.0",
            f"for j in range({k}):",
            f"    s += {bd}[j]",
            f"label = rt.anomaly(s / {k}, {t}, {ctx.out})",
        ]
    )


__all__ = ["LEAF_SCALE"]
