"""C emitters of the model stages (``sensorflow/stages/models``): trees and forests, k-NN,
Gaussian naive Bayes, logistic regression, MLP, and the two anomaly scorers. Each calls
one hand-written runtime kernel on ``const`` tables printed from the learned arrays."""

from __future__ import annotations

import numpy as np

from ....errors import CodegenError
from .. import cgen
from ..fragment import CFragment, Field
from ..registry import c_emitter

LEAF_SCALE = 65520  # = 2^4 3^2 5 7 13: pure, half, third ... leaves scale exactly; fits uint16


# ---------------------------------------------------------------------------- trees
def forest_layout(trees: list[dict], n_classes: int, leaf_scale: int = LEAF_SCALE) -> dict:
    """Flatten scikit-learn-style trees (local ``left``/``right``/``feature``/``threshold``/
    ``value``) into the ``sf_tree.h`` layout: internal nodes in depth-first order, leaves as
    rows of scaled probabilities (pure rows implicit, the others deduplicated)."""
    n_trees = len(trees)
    if n_trees * (leaf_scale + n_classes) >= 2**32:
        raise CodegenError(f"{n_trees} trees overflow the 32-bit class sums; use fewer than 65000 trees")
    feat: list[int] = []
    thr: list[np.float32] = []
    kids: list[int] = []
    roots: list[int] = []
    rows: dict[tuple, int] = {}
    LEAF = 1 << 40  # marker added to leaf rows until n_internal is known
    for tree in trees:
        left, right = np.asarray(tree["left"]), np.asarray(tree["right"])
        value = np.asarray(tree["value"], dtype=np.float64)
        t32 = np.asarray(tree["threshold"], dtype=np.float32)
        f = np.asarray(tree["feature"])

        def leaf_code(node: int, value=value) -> int:
            v = value[node]
            s = v.sum()
            q = np.rint(v / s * leaf_scale).astype(np.int64) if s > 0 else np.zeros(n_classes, np.int64)
            nz = np.flatnonzero(q)
            if len(nz) == 1 and q[nz[0]] == leaf_scale:
                return LEAF + int(nz[0])
            key = tuple(int(a) for a in q)
            if key not in rows:
                rows[key] = n_classes + len(rows)
            return LEAF + rows[key]

        if left[0] < 0:
            roots.append(leaf_code(0))
            continue
        ids: dict[int, int] = {}
        order: list[int] = []
        stack = [0]
        while stack:  # depth-first, left first: a node's left child is usually next in memory
            n = stack.pop()
            ids[n] = len(feat) + len(order)
            order.append(n)
            for c in (right[n], left[n]):
                if left[c] >= 0:
                    stack.append(int(c))
        roots.append(ids[0])
        for n in order:
            feat.append(int(f[n]))
            thr.append(t32[n])
            for c in (left[n], right[n]):
                kids.append(ids[int(c)] if left[c] >= 0 else leaf_code(int(c)))
    n_int = len(feat)

    def fix(code: int) -> int:
        return n_int + (code - LEAF) if code >= LEAF else code

    kids = [fix(c) for c in kids]
    roots = [fix(c) for c in roots]
    leaf = (
        np.array(sorted(rows, key=lambda r: rows[r]), dtype=np.int64).reshape(-1, n_classes)
        if rows
        else np.zeros((0, n_classes))
    )
    return dict(
        n_trees=n_trees,
        n_internal=n_int,
        feature=np.array(feat, dtype=np.int64),
        threshold=np.array(thr, dtype=np.float32),
        child=np.array(kids, dtype=np.int64),
        root=np.array(roots, dtype=np.int64),
        leaf=leaf,
        leaf_scale=leaf_scale,
        n_rows=n_classes + len(rows),
    )


def float_key(v: np.float32) -> int:
    """``sf_tree_key``: an int32 that orders like the float32 ``v`` (-0.0 is mapped to +0.0
    first: ``x <= -0.0`` and ``x <= +0.0`` are the same test)."""
    v = np.float32(v)
    if v == 0:
        v = np.float32(0.0)
    b = int(np.array([v], dtype=np.float32).view(np.int32)[0])
    return b ^ 0x7FFFFFFF if b < 0 else b


def _node_literals(lay: dict, size: int, keys: bool = False) -> tuple[list[str], list[int]]:
    """Node structs with byte-offset references, and the roots, for nodes of ``size`` bytes;
    ``keys``: thresholds as integer keys (FPU-less targets)."""
    limit = lay["n_internal"] * size

    def ref(code: int) -> int:
        return code * size if code < lay["n_internal"] else limit + (code - lay["n_internal"])

    kids = lay["child"].reshape(-1, 2) if lay["n_internal"] else np.zeros((0, 2), np.int64)

    def thr(t) -> str:
        if not keys:
            return cgen.f32(t)
        k = float_key(t)
        return f"(-{-k - 1} - 1)" if k == -(2**31) else str(k)  # INT32_MIN has no literal

    nodes = [
        f"{{{thr(t)}, {int(f)}u, {ref(int(lo))}u, {ref(int(r))}u}}"
        for t, f, (lo, r) in zip(lay["threshold"], lay["feature"], kids)
    ]
    return nodes, [ref(int(c)) for c in lay["root"]]


@c_emitter("decision_tree", "random_forest", "extra_trees")
def emit_trees(stage, ctx) -> CFragment:
    nc = stage.n_classes
    lay = forest_layout(list(stage.trees()), nc)
    n_int = lay["n_internal"]
    if n_int and int(lay["feature"].max()) > 0xFFFF:
        raise CodegenError("more than 65536 features are not supported by the tree kernel")
    wide = n_int * 12 + lay["n_rows"] > 0xFFFF
    keys = ctx.integer  # integer path (auto: boards without an FPU): integer compares, no soft-float calls
    node_t, ref_t, size = ("sf_tree_node32", "uint32_t", 16) if wide else ("sf_tree_node16", "uint16_t", 12)
    if keys:
        node_t = node_t.replace("node", "knode")
    nodes, roots = _node_literals(lay, size, keys)
    s = ctx.sym
    body = ",\n    ".join(nodes) if nodes else "{0.0f, 0u, 0u, 0u}"
    tables = [
        f"/* {n_int} internal nodes: threshold (largest float32 <= scikit-learn's{', as an sf_tree_key' if keys else ''}), "
        f"feature, left, right "
        f"(byte offsets; >= {n_int * size} is a leaf row) */\n"
        f"static const {node_t} {s('nodes')}[{max(n_int, 1)}] = {{\n    {body}\n}};\n",
        cgen.array(s("root"), ref_t, roots),
        # one all-zero row when every leaf is pure: never read, but keeps the table a whole row
        cgen.array(
            s("leaf"),
            "uint16_t",
            lay["leaf"] if len(lay["leaf"]) else np.zeros(nc, np.int64),
            comment=f"mixed leaves, rows sum to ~{lay['leaf_scale']}",
        ),
        f"static const sf_forest_f32 {s('forest')} = {{{lay['n_trees']}u, {n_int * size}u, {nc}u, "
        f"{lay['leaf_scale']}u, {s('leaf')}}};\n",
        f"SF_FOREST_DEFINE{'_KEYS' if keys else ''}({s('predict')}, {node_t}, {ref_t}, {nc}u)\n",
    ]
    return CFragment(
        runtime=["sf_tree"],
        tables=tables,
        code=[f"return {s('predict')}(&{s('forest')}, {s('nodes')}, {s('root')}, in, out);"],
        returns_label=True,
    )


# ---------------------------------------------------------------------------- k-NN
_METRICS = {
    "euclidean": "SF_KNN_EUCLIDEAN",
    "manhattan": "SF_KNN_MANHATTAN",
    "chebyshev": "SF_KNN_CHEBYSHEV",
    "minkowski": "SF_KNN_MINKOWSKI",
}


def _knn_tables(ctx, X, metric: str, p: float, k: int):
    X = np.asarray(X, dtype=np.float32)
    if metric == "minkowski" and p == 2:
        metric = "euclidean"
    if metric == "minkowski" and p == 1:
        metric = "manhattan"
    n, d = X.shape
    tables = [
        cgen.array(ctx.sym("X"), "float", X, comment=f"{n} training vectors x {d}"),
        f"static const sf_knn_f32 {ctx.sym('knn')} = {{{ctx.sym('X')}, {n}u, {d}u, {k}u, {_METRICS[metric]}, "
        f"{cgen.f32(p)}}};\n",
    ]
    scratch = [Field("float", "dist", k), Field("uint32_t", "idx", k)]
    call = f"sf_knn_nearest_f32(&{ctx.sym('knn')}, in, {ctx.scratch('dist')}, {ctx.scratch('idx')});"
    return tables, scratch, call


@c_emitter("knn")
def emit_knn(stage, ctx) -> CFragment:
    p = stage.params
    nc = stage.n_classes
    tables, scratch, call = _knn_tables(ctx, stage.fit_X_, p.metric, p.p, p.n_neighbors)
    y = np.asarray(stage.fit_y_)
    y_t = cgen.uint_type(max(nc - 1, 0))
    tables.insert(1, cgen.array(ctx.sym("y"), y_t, y, comment="class index of each training vector"))
    weights = "SF_KNN_DISTANCE" if p.weights == "distance" else "SF_KNN_UNIFORM"
    return CFragment(
        runtime=["sf_knn"],
        tables=tables,
        scratch=scratch,
        code=[
            call,
            f"return sf_knn_vote_{y_t[:-2].replace('uint', 'u')}_f32({ctx.sym('y')}, {ctx.scratch('dist')}, "
            f"{ctx.scratch('idx')}, {p.n_neighbors}u, {weights}, {nc}u, out);",
        ],
        returns_label=True,
    )


@c_emitter("knn_anomaly")
def emit_knn_anomaly(stage, ctx) -> CFragment:
    k = stage.params.n_neighbors
    tables, scratch, call = _knn_tables(ctx, stage.fit_X_, "euclidean", 2.0, k)
    return CFragment(
        runtime=["sf_knn", "sf_linear"],
        tables=tables,
        scratch=scratch,
        code=[
            call,
            f"return sf_anomaly_scores_f32(sf_knn_mean_distance_f32({ctx.scratch('dist')}, {k}u), "
            f"{cgen.f32(stage.threshold_)}, out);",
        ],
        returns_label=True,
    )


# ---------------------------------------------------------------------------- Gaussian NB
@c_emitter("gaussian_nb")
def emit_gaussian_nb(stage, ctx) -> CFragment:
    theta = np.asarray(stage.theta_, dtype=np.float64)
    var = np.asarray(stage.var_, dtype=np.float64)
    nc, d = theta.shape
    const = np.log(stage.class_prior_) - 0.5 * np.sum(np.log(2.0 * np.pi * var), axis=1)
    s = ctx.sym
    return CFragment(
        runtime=["sf_nb"],
        tables=[
            cgen.array(s("theta"), "float", theta, comment="class means (n_classes x n_features)"),
            cgen.array(s("half_inv_var"), "float", 0.5 / var, comment="0.5 / variance"),
            cgen.array(s("const"), "float", const, comment="log prior - 0.5 sum log(2 pi var)"),
        ],
        code=[f"return sf_gaussian_nb_f32(in, {s('theta')}, {s('half_inv_var')}, {s('const')}, {nc}u, {d}u, out);"],
        returns_label=True,
    )


# ---------------------------------------------------------------------------- logistic
@c_emitter("logistic", "ridge_classifier")  # ridge: the same linear decision, softmax/expit scores
def emit_logistic(stage, ctx) -> CFragment:
    coef = np.atleast_2d(np.asarray(stage.coef_, dtype=np.float64))
    k, d = coef.shape
    s = ctx.sym
    tables = [cgen.array(s("coef"), "float", coef), cgen.array(s("intercept"), "float", stage.intercept_)]
    if k == 1:
        code = [f"return sf_logistic_binary_f32(in, {s('coef')}, {s('intercept')}[0], {d}u, out);"]
    else:
        code = [f"return sf_logistic_multi_f32(in, {s('coef')}, {s('intercept')}, {d}u, {k}u, out);"]
    return CFragment(runtime=["sf_linear"], tables=tables, code=code, returns_label=True)


# ---------------------------------------------------------------------------- MLP
_ACT = {"relu": "SF_ACT_RELU", "tanh": "SF_ACT_TANH", "logistic": "SF_ACT_LOGISTIC", "identity": "SF_ACT_IDENTITY"}


@c_emitter("mlp")
def emit_mlp(stage, ctx) -> CFragment:
    layers = list(stage.layers())
    s = ctx.sym
    widest = max(W.shape[1] for W, _ in layers)
    tables, code = [], []
    a, b = ctx.scratch("a"), ctx.scratch("b")
    src = "in"
    for i, (W, bias) in enumerate(layers):
        n_in, n_out = W.shape
        tables.append(
            cgen.array(s(f"W{i}"), "float", np.asarray(W).T, comment=f"layer {i}: {n_out} x {n_in} (transposed)")
        )
        tables.append(cgen.array(s(f"b{i}"), "float", bias))
        last = i == len(layers) - 1
        dst = b if i % 2 else a
        act = "SF_ACT_IDENTITY" if last else _ACT[stage.params.activation]
        code.append(f"sf_dense_f32({src}, {s(f'W{i}')}, {s(f'b{i}')}, {dst}, {n_in}u, {n_out}u, {act});")
        src = dst
    n_out = layers[-1][0].shape[1]
    if n_out == 1:
        code.append(f"return sf_binary_logit_f32({src}[0], out);")
    else:
        code.append(f"return sf_softmax_f32({src}, out, {n_out}u);")
    return CFragment(
        runtime=["sf_dense", "sf_linear"],
        tables=tables,
        scratch=[Field("float", "a", widest), Field("float", "b", widest)],
        code=code,
        returns_label=True,
    )


# ---------------------------------------------------------------------------- Gaussian anomaly
@c_emitter("gaussian_anomaly")
def emit_gaussian_anomaly(stage, ctx) -> CFragment:
    loc = np.asarray(stage.location_, dtype=np.float64)
    P = np.asarray(stage.precision_, dtype=np.float64)
    d = len(loc)
    s = ctx.sym
    return CFragment(
        runtime=["sf_linear"],
        tables=[cgen.array(s("location"), "float", loc), cgen.array(s("precision"), "float", P)],
        scratch=[Field("float", "diff", d)],
        code=[
            f"float dist = sf_mahalanobis_f32(in, {s('location')}, {s('precision')}, {ctx.scratch('diff')}, {d}u);",
            f"return sf_anomaly_scores_f32(dist, {cgen.f32(stage.threshold_)}, out);",
        ],
        returns_label=True,
    )
