"""sensorflow model stage (and the vector stages before it) -> an ONNX graph that onnxruntime runs
with the stage's outputs, after the ONNX operator specs (ai.onnx opset 17, ai.onnx.ml 3).

The graph's input ``features`` ``(N, d)`` float32 is what the first exported stage receives;
signal and feature stages before it (stats, spectra...) and post stages after the model stay
outside the graph (``export`` lists them in its note). Outputs: ``label`` (the class, as
``classes_``: int64 or string) and ``probabilities`` ``(N, n_classes)`` float32.

Stages: ``scaler`` (Sub/Div, or Mul/Add[/Clip] for minmax); ``decision_tree`` / ``random_forest`` /
``extra_trees`` -> TreeEnsembleClassifier (thresholds already float32, BRANCH_LEQ; leaf weights
the class fractions / n_trees); ``logistic`` -> Gemm + Softmax (two classes: Sigmoid, [1 - p, p]);
``mlp`` -> Gemm + activation per layer + Softmax / Sigmoid; ``conv1d`` -> Reshape to frames,
Transpose to (N, C, L), Conv + Relu per layer, ReduceMax/ReduceMean over time, Gemm, Softmax;
``gaussian_nb`` -> the joint log-likelihood (Unsqueeze, Sub, Mul, Div, ReduceSum, Add) and
Softmax (= exp(jll - logsumexp(jll))); ``knn`` -> distances to the stored vectors (in float32),
TopK (ties to the lower index, as the stage), one-hot votes weighted uniformly or by 1/distance.
The gaussian_nb and knn graphs do not import back (no ONNX operator pattern maps onto them).
``svm`` -> SVMClassifier (libsvm's signs: scikit-learn's public arrays negated for two classes)
for the pair decision values, then the stage's scores from them (two classes: ``[dec, -dec]``;
more: votes + confidences / (3 (|conf| + 1)) by MatMul with one-hot pair matrices, the classes
tied at the top vote count after the first one less one vote unless ``break_ties``: Equal,
CumSum); it imports back to ``svm``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import CodegenError

EXPORTABLE = (
    "scaler",
    "decision_tree",
    "random_forest",
    "extra_trees",
    "logistic",
    "mlp",
    "conv1d",
    "gaussian_nb",
    "knn",
    "svm",
)
_ACT = {"relu": "Relu", "tanh": "Tanh", "logistic": "Sigmoid"}


class _Builder:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def const(self, value, dtype=np.float32) -> str:
        from onnx import numpy_helper

        name = f"c{len(self.inits)}"
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def op(self, op_type, inputs, out=None, domain=None, n_out=1, **attrs):
        from onnx import helper

        self.n += 1
        outs = [out] if out else [f"t{self.n}_{i}" for i in range(n_out)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=f"{op_type}_{self.n}", domain=domain, **attrs))
        return outs[0] if n_out == 1 else outs


def to_onnx(pipeline):
    """(onnx.ModelProto, names of the stages left outside the graph) for a fitted Pipeline or one
    fitted, bound model stage."""
    import onnx
    from onnx import TensorProto, helper

    if not hasattr(pipeline, "stages"):  # a lone model stage
        from types import SimpleNamespace

        pipeline = SimpleNamespace(name=pipeline.name, stages=[pipeline], model=pipeline)
    model = pipeline.model
    if model is None:
        raise CodegenError(f"pipeline '{pipeline.name}' has no model stage; nothing to export to ONNX")
    if model.name not in EXPORTABLE:
        raise CodegenError(f"model stage '{model.name}' has no ONNX export; exportable: {', '.join(EXPORTABLE)}")
    stages = list(pipeline.stages)
    at = stages.index(model)
    start = at
    while start > 0 and stages[start - 1].name == "scaler":
        start -= 1
    inside = stages[start : at + 1]
    outside = [s.name for s in stages[:start]] + [s.name for s in stages[at + 1 :]]
    d = int(inside[0].input_spec_.shape[0])
    b = _Builder()
    cur = "features"
    for s in inside[:-1]:
        cur = _scaler(b, s, cur)
    kind = "trees" if model.name in ("decision_tree", "random_forest", "extra_trees") else model.name
    proba = globals()[f"_{kind}"](b, model, cur)
    b.op("Identity", [proba], out="probabilities")
    classes = np.asarray(model.classes_)
    idx = b.op("ArgMax", ["probabilities"], axis=1, keepdims=0)
    if classes.dtype.kind in "iu":
        b.op("Gather", [b.const(classes, np.int64), idx], out="label")
        label_type = TensorProto.INT64
    else:
        from onnx import helper as h

        name = f"c{len(b.inits)}"
        b.inits.append(h.make_tensor(name, TensorProto.STRING, [len(classes)], [str(c).encode() for c in classes]))
        b.op("Gather", [name, idx], out="label")
        label_type = TensorProto.STRING
    graph = helper.make_graph(
        b.nodes,
        pipeline.name,
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", d])],
        [
            helper.make_tensor_value_info("label", label_type, ["N"]),
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", len(classes)]),
        ],
        b.inits,
    )
    m = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)],
        producer_name="sensorflow",
    )
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m, outside


def export(pipeline, out_dir) -> dict:
    """Write ``<pipeline name>.onnx`` into ``out_dir``; returns a report (file, stages in and out, note)."""
    model, outside = to_onnx(pipeline)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{pipeline.name}.onnx"
    path.write_bytes(model.SerializeToString())
    inside = [s.name for s in pipeline.stages if s.name not in outside]
    note = None
    if outside:
        note = (
            f"stages {', '.join(outside)} stay outside the graph (no ONNX form here): the graph's input is the "
            f"features they compute; run them with sensorflow or its C / MicroPython export"
        )
    return {"file": str(path), "inside": inside, "outside": outside, "note": note, "bytes": path.stat().st_size}


# ---------------------------------------------------------------------- stages
def _scaler(b: _Builder, s, cur: str) -> str:
    if s.params.method == "standard":
        return b.op("Div", [b.op("Sub", [cur, b.const(s.mean_)]), b.const(s.scale_)])
    out = b.op("Add", [b.op("Mul", [cur, b.const(s.scale_)]), b.const(s.min_)])
    if s.params.clip:
        lo, hi = s.params.feature_range
        out = b.op("Clip", [out, b.const(lo), b.const(hi)])
    return out


def _two_class(b: _Builder, p: str) -> str:
    return b.op("Concat", [b.op("Sub", [b.const(1.0), p]), p], axis=1)


def _logistic(b: _Builder, s, cur: str) -> str:
    z = b.op("Gemm", [cur, b.const(s.coef_), b.const(s.intercept_)], transB=1)
    if s.coef_.shape[0] == 1:
        return _two_class(b, b.op("Sigmoid", [z]))
    return b.op("Softmax", [z], axis=-1)


def _mlp(b: _Builder, s, cur: str) -> str:
    layers = list(s.layers())
    for i, (W, bias) in enumerate(layers):
        cur = b.op("Gemm", [cur, b.const(W), b.const(bias)])
        if i < len(layers) - 1 and s.params.activation != "identity":
            cur = b.op(_ACT[s.params.activation], [cur])
    if layers[-1][0].shape[1] == 1:
        return _two_class(b, b.op("Sigmoid", [cur]))
    return b.op("Softmax", [cur], axis=-1)


def _trees(b: _Builder, s, cur: str) -> str:
    from onnx import TensorProto  # noqa: F401  (ai.onnx.ml attributes are plain lists)

    n_trees = s.n_trees
    attrs = {k: [] for k in ("nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_values", "nodes_modes")}
    attrs |= {"nodes_truenodeids": [], "nodes_falsenodeids": []}
    cls = {"class_treeids": [], "class_nodeids": [], "class_ids": [], "class_weights": []}
    for t, tree in enumerate(s.trees()):
        for j in range(len(tree["left"])):
            leaf = tree["left"][j] < 0
            attrs["nodes_treeids"].append(t)
            attrs["nodes_nodeids"].append(j)
            attrs["nodes_featureids"].append(0 if leaf else int(tree["feature"][j]))
            attrs["nodes_values"].append(0.0 if leaf else float(tree["threshold"][j]))
            attrs["nodes_modes"].append("LEAF" if leaf else "BRANCH_LEQ")
            attrs["nodes_truenodeids"].append(0 if leaf else int(tree["left"][j]))
            attrs["nodes_falsenodeids"].append(0 if leaf else int(tree["right"][j]))
            if leaf:
                for c, v in enumerate(tree["value"][j]):
                    cls["class_treeids"].append(t)
                    cls["class_nodeids"].append(j)
                    cls["class_ids"].append(c)
                    cls["class_weights"].append(float(v) / n_trees)
    classes = np.asarray(s.classes_)
    labels = (
        {"classlabels_int64s": [int(c) for c in classes]}
        if classes.dtype.kind in "iu"
        else {"classlabels_strings": [str(c) for c in classes]}
    )
    _, proba = b.op(
        "TreeEnsembleClassifier",
        [cur],
        domain="ai.onnx.ml",
        n_out=2,
        **labels,
        post_transform="NONE",
        **attrs,
        **cls,
    )
    return proba


def _conv1d(b: _Builder, s, cur: str) -> str:
    if s.params.center_window:
        raise CodegenError("conv1d with center_window has no ONNX export yet; export it without centring")
    size = int(s.frame_size_)
    frames = b.op("Reshape", [cur, b.const([0, -1, size], np.int64)])
    h = b.op("Transpose", [frames], perm=[0, 2, 1])
    net = s.network()
    for L in net.layers:
        c = L.weight.shape[0] // L.kernel
        W = np.asarray(L.weight, np.float32).reshape(L.kernel, c, -1).transpose(2, 1, 0)  # (F, C, K)
        h = b.op("Conv", [h, b.const(W), b.const(L.bias)], kernel_shape=[L.kernel], strides=[L.stride])
        h = b.op("Relu", [h])
    pooled = b.op("ReduceMax" if net.pool == "max" else "ReduceMean", [h], axes=[2], keepdims=0)
    z = b.op("Gemm", [pooled, b.const(net.out_weight), b.const(net.out_bias)])
    return b.op("Softmax", [z], axis=-1)


def _gaussian_nb(b: _Builder, s, cur: str) -> str:
    var = np.asarray(s.var_, np.float64)
    const = np.log(s.class_prior_) - 0.5 * np.sum(np.log(2.0 * np.pi * var), axis=1)
    x = b.op("Unsqueeze", [cur, b.const([1], np.int64)])  # (N, 1, d)
    diff = b.op("Sub", [x, b.const(s.theta_)])  # (N, k, d)
    sq = b.op("Div", [b.op("Mul", [diff, diff]), b.const(var)])
    jll = b.op(
        "Add",
        [b.op("Mul", [b.op("ReduceSum", [sq, b.const([2], np.int64)], keepdims=0), b.const(-0.5)]), b.const(const)],
    )
    return b.op("Softmax", [jll], axis=-1)


def _knn(b: _Builder, s, cur: str) -> str:
    p = s.params
    x = b.op("Unsqueeze", [cur, b.const([1], np.int64)])
    diff = b.op("Abs", [b.op("Sub", [x, b.const(s.fit_X_)])])  # (N, n, d)
    axis = b.const([2], np.int64)
    if p.metric == "euclidean" or (p.metric == "minkowski" and p.p == 2):
        dist = b.op("Sqrt", [b.op("ReduceSum", [b.op("Mul", [diff, diff]), axis], keepdims=0)])
    elif p.metric == "manhattan" or (p.metric == "minkowski" and p.p == 1):
        dist = b.op("ReduceSum", [diff, axis], keepdims=0)
    elif p.metric == "chebyshev":
        dist = b.op("ReduceMax", [diff], axes=[2], keepdims=0)  # axes an attribute up to opset 17
    else:
        powered = b.op("ReduceSum", [b.op("Pow", [diff, b.const(p.p)]), axis], keepdims=0)
        dist = b.op("Pow", [powered, b.const(1.0 / p.p)])
    values, indices = b.op("TopK", [dist, b.const([p.n_neighbors], np.int64)], n_out=2, largest=0, sorted=1)
    onehot = np.eye(s.n_classes, dtype=np.float32)[np.asarray(s.fit_y_)]
    votes = b.op("Gather", [b.const(onehot), indices], axis=0)  # (N, k, n_classes)
    if p.weights == "distance":
        zero = b.op("Equal", [values, b.const(0.0)])
        any_zero = b.op(
            "Greater", [b.op("ReduceMax", [b.op("Cast", [zero], to=1)], axes=[1], keepdims=1), b.const(0.0)]
        )
        w = b.op("Where", [any_zero, b.op("Cast", [zero], to=1), b.op("Reciprocal", [values])])
        votes = b.op("Mul", [votes, b.op("Unsqueeze", [w, b.const([2], np.int64)])])
    total = b.op("ReduceSum", [votes, b.const([1], np.int64)], keepdims=0)
    return b.op("Div", [total, b.op("ReduceSum", [total, b.const([1], np.int64)], keepdims=1)])


def _svm(b: _Builder, s, cur: str) -> str:
    k = s.n_classes
    p = s.params
    sign = -1.0 if k == 2 else 1.0  # ONNX keeps libsvm's signs; scikit-learn negates them for two classes
    classes = np.asarray(s.classes_)
    labels = (
        {"classlabels_ints": [int(c) for c in classes]}
        if classes.dtype.kind in "iu"
        else {"classlabels_strings": [str(c) for c in classes]}
    )
    _, raw = b.op(
        "SVMClassifier",
        [cur],
        domain="ai.onnx.ml",
        n_out=2,
        **labels,
        coefficients=(sign * np.asarray(s.dual_coef_, np.float64)).ravel().tolist(),
        kernel_params=[float(s.gamma_), float(p.coef0), float(p.degree)],
        kernel_type=p.kernel.upper(),
        post_transform="NONE",
        rho=(sign * np.asarray(s.intercept_, np.float64)).tolist(),
        support_vectors=np.asarray(s.support_vectors_, np.float64).ravel().tolist(),
        vectors_per_class=[int(n) for n in s.n_support_],
    )
    if k == 2:  # onnxruntime's two-class scores are [-dec, dec]; the stage's [dec, -dec]
        return b.op("Neg", [raw])
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
    Vi = np.zeros((len(pairs), k), np.float32)
    Vj = np.zeros((len(pairs), k), np.float32)
    for q, (i, j) in enumerate(pairs):
        Vi[q, i] = Vj[q, j] = 1.0
    zero = b.const(0.0)

    def votes(first_op: str, second_op: str) -> str:
        a = b.op("MatMul", [b.op("Cast", [b.op(first_op, [raw, zero])], to=1), b.const(Vi)])
        return b.op("Add", [a, b.op("MatMul", [b.op("Cast", [b.op(second_op, [raw, zero])], to=1), b.const(Vj)])])

    conf = b.op("MatMul", [raw, b.const(Vi - Vj)])
    squash = b.op("Div", [conf, b.op("Mul", [b.op("Add", [b.op("Abs", [conf]), b.const(1.0)]), b.const(3.0)])])
    scores = b.op("Add", [votes("GreaterOrEqual", "Less"), squash])  # scikit-learn's ovr votes: dec >= 0
    if p.break_ties:
        return scores
    lib = votes("Greater", "LessOrEqual")  # libsvm's votes: dec > 0
    tied = b.op("Cast", [b.op("Equal", [lib, b.op("ReduceMax", [lib], axes=[1], keepdims=1)])], to=1)
    later = b.op("Cast", [b.op("Greater", [b.op("CumSum", [tied, b.const(1, np.int64)]), b.const(1.0)])], to=1)
    return b.op("Sub", [scores, b.op("Mul", [tied, later])])
