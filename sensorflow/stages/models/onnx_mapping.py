"""ONNX graph -> sensorflow model stage (plus ``scaler`` stages in front), after the ONNX operator
specs (ai.onnx and ai.onnx.ml domains).

The path from the graph input to its score output must be one chain (side inputs are
initializers or Constant nodes); label-only branches (ArgMax, ArrayFeatureExtractor...) are not
followed, the label being the argmax of the scores as in the stages. Mapped patterns:

* ``(Gemm | MatMul [+ Add]) [BatchNormalization] [Relu|Tanh|Sigmoid|Clip(0,inf)]`` ... ``[Softmax|Sigmoid]``
  -> ``mlp`` (one hidden activation for all hidden layers, BatchNormalization folded into the
  layer before it); a single layer -> ``logistic``. Logits without a final Softmax are mapped
  to the softmax of them (same argmax).
* ``[Transpose] (Conv [BatchNormalization] Relu)+ [Transpose] GlobalAveragePool|GlobalMaxPool|ReduceMean|ReduceMax
  (Gemm | MatMul + Add) [Softmax]`` -> ``conv1d`` (valid convolutions, one kernel size, kernels
  stored im2col-style ``(kernel * c_in, filters)``). The stage reads its input vector as
  time-major frames ``(steps, channels)`` flattened: the graph's ``(N, C, L)`` input transposed,
  or its ``(N, L, C)`` input when the graph starts with ``Transpose(perm=[0, 2, 1])`` (tf2onnx).
* ``TreeEnsembleClassifier`` (BRANCH_LEQ / BRANCH_LT, post_transform NONE) -> ``decision_tree``
  (one tree) or ``random_forest`` (mean of the trees' leaf weights).
* ``LinearClassifier`` -> ``logistic``; ``SVMClassifier`` (LINEAR, RBF, POLY kernels, any number
  of classes, no Platt probabilities) -> ``svm``; the nodes skl2onnx adds after it (the ovr
  decision function from the pair scores: Less, Neg, Sum, Abs, Div...) are not followed, the
  stage computing the same. ``Scaler`` -> a ``scaler`` stage in front of the model
  (``mean_`` = offset, ``scale_`` = 1 / scale); so do the Sub/Div and Mul/Add[/Clip] forms
  ``sensorflow export --lang onnx`` writes for the standard and minmax scalers.
* Layout-only ops are passed: Identity, Cast, Flatten, Reshape, Dropout, ZipMap, a Normalizer
  after a LinearClassifier (its output is already normalised).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...errors import ConfigError

SUPPORTED = (
    "Gemm, MatMul, Add, Mul, BatchNormalization, Relu, Tanh, Sigmoid, Clip, Softmax, Conv (1-D, valid), "
    "GlobalAveragePool, GlobalMaxPool, ReduceMean, ReduceMax (over time), Transpose (layout), Identity, Cast, "
    "Flatten, Reshape, Squeeze, Dropout, TreeEnsembleClassifier, LinearClassifier, SVMClassifier (linear, rbf, poly kernels), "
    "Scaler (or Sub+Div / Mul+Add[+Clip] by constants at the input), Normalizer (after LinearClassifier), ZipMap"
)
_SVM_KERNELS = {"LINEAR": "linear", "RBF": "rbf", "POLY": "poly"}
# what skl2onnx computes from SVMClassifier's pair scores: SVC.decision_function's ovr shape
# (skl2onnx's nodes, and those ``export --lang onnx`` writes, with its label branch)
_SVM_OVR_OPS = {"Cast", "Less", "Neg", "ArrayFeatureExtractor", "Sum", "Add", "Concat", "Abs", "Mul", "Div"}
_SVM_OVR_OPS |= {"Sub", "MatMul", "Greater", "GreaterOrEqual", "LessOrEqual", "Equal", "ReduceMax", "CumSum"}
_SVM_OVR_OPS |= {"ArgMax", "Gather"}
_PASS = {"Identity", "Cast", "Flatten", "Reshape", "Squeeze", "Dropout", "ZipMap"}
_ACT = {"Relu": "relu", "Tanh": "tanh", "Sigmoid": "logistic"}
_REGRESSORS = {"TreeEnsembleRegressor", "LinearRegressor", "SVMRegressor", "TreeEnsemble"}
_QUANTISED = {"QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul", "MatMulInteger", "ConvInteger"}


@dataclass
class Imported:
    """What a graph maps to: vector stages to run first (fitted ``scaler``s) and the model stage."""

    model: object
    pre: list = field(default_factory=list)
    n_features: int | None = None


def load(path, classes=None) -> Imported:
    """Read an .onnx file and map it (see the module docstring)."""
    import onnx

    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{path}: no such ONNX file")
    try:
        model = onnx.load(str(p))
    except Exception as exc:  # onnx raises DecodeError and others
        raise ConfigError(f"{path}: not a readable ONNX model ({type(exc).__name__})") from None
    return from_model(model, classes=classes, source=str(path))


class _Graph:
    def __init__(self, model, source):
        from onnx import numpy_helper

        g = model.graph
        self.source = source
        self.consts = {t.name: numpy_helper.to_array(t) for t in g.initializer}
        self.producer = {}
        for n in g.node:
            if n.op_type == "Constant":
                self.consts[n.output[0]] = numpy_helper.to_array(_attrs(n)["value"])
                continue
            for o in n.output:
                self.producer[o] = n
        inputs = [i for i in g.input if i.name not in self.consts]
        if len(inputs) != 1:
            raise ConfigError(f"{source}: the graph has {len(inputs)} inputs; one (the feature vector) is supported")
        self.input = inputs[0]
        self.nodes = list(g.node)
        self.outputs = list(g.output)

    def err(self, node, why: str) -> ConfigError:
        return ConfigError(
            f"{self.source}: node '{node.name or node.output[0]}' ({node.op_type}): {why}; supported operators: {SUPPORTED}"
        )

    def chain(self, out_name: str) -> list:
        nodes, name = [], out_name
        while name != self.input.name:
            node = self.producer.get(name)
            if node is None:
                raise ConfigError(f"{self.source}: tensor '{name}' is neither computed from the input nor a constant")
            live = [i for i in node.input if i and i not in self.consts]
            if node.op_type == "Concat" and len(live) == 2 and self._one_minus(live[0], live[1]):
                name = live[1]  # [1 - p, p]: the two-class expansion of one probability
                continue
            if len(live) != 1:
                raise self.err(node, f"takes {len(live)} computed inputs; only a single chain from the input maps")
            nodes.append(node)
            name = live[0]
        return nodes[::-1]

    def _one_minus(self, a: str, b: str) -> bool:
        sub = self.producer.get(a)
        if sub is None or sub.op_type != "Sub" or list(sub.input[1:]) != [b] or sub.input[0] not in self.consts:
            return False
        return bool(np.all(np.asarray(self.consts[sub.input[0]]) == 1))


def _attrs(node) -> dict:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _score_output(g: _Graph) -> str:
    from onnx import TensorProto

    names = [o.name for o in g.outputs]
    if "probabilities" in names:
        return "probabilities"
    for o in g.outputs:
        if o.type.HasField("tensor_type") and o.type.tensor_type.elem_type in (TensorProto.FLOAT, TensorProto.DOUBLE):
            return o.name
    return names[-1]


def _n_features(g: _Graph) -> int | None:
    dims = g.input.type.tensor_type.shape.dim
    if len(dims) >= 2 and dims[-1].HasField("dim_value"):
        return int(np.prod([d.dim_value for d in dims[1:]]))
    return None


def _labels(values) -> list:
    return [v.decode() if isinstance(v, bytes) else int(v) for v in values]


def _class_labels(g: _Graph, node=None) -> list | None:
    if node is not None:
        a = _attrs(node)
        for key in ("classlabels_int64s", "classlabels_ints", "classlabels_strings"):
            if a.get(key):
                return _labels(a[key])
    for n in g.nodes:  # skl2onnx MLP: ArrayFeatureExtractor(classes, argmax)
        if n.op_type == "ArrayFeatureExtractor" and n.input[0] in g.consts:
            return _labels(np.asarray(g.consts[n.input[0]]).ravel().tolist())
    return None


def from_model(model, classes=None, source: str = "<onnx>") -> Imported:
    """Map a loaded ``onnx.ModelProto``."""
    g = _Graph(model, source)
    nodes = [n for n in _model_chain(g) if n.op_type not in _PASS]
    n_features = _n_features(g)
    pre = []
    while nodes:
        scaler = _leading_scaler(g, nodes)
        if scaler is None:
            break
        pre.append(scaler)
    if not nodes:
        raise ConfigError(f"{source}: the graph has no model operator; supported operators: {SUPPORTED}")
    head = nodes[0]
    for n in nodes:
        if n.op_type in _REGRESSORS:
            raise g.err(n, "a regression model; sensorflow's model stages are classifiers (no regression stage yet)")
        if n.op_type in _QUANTISED:
            raise g.err(n, "a quantised graph; there is no integer model path to import it into yet")
    if head.op_type == "TreeEnsembleClassifier":
        _only(g, nodes[1:], set())
        model_stage, labels = _trees(g, head)
    elif head.op_type == "LinearClassifier":
        _only(g, nodes[1:], {"Normalizer", "ArrayFeatureExtractor"})
        model_stage, labels = _linear(g, head)
    elif head.op_type == "SVMClassifier":
        _only(g, nodes[1:], set())
        model_stage, labels = _svm(g, head)
    elif any(n.op_type == "Conv" for n in nodes):
        model_stage, labels = _conv(g, nodes), _class_labels(g)
    else:
        model_stage, labels = _dense(g, nodes), _class_labels(g)
    if classes is not None:
        labels = list(classes)
    k = model_stage.n_outputs
    if labels is None:
        labels = list(range(k))
    if len(labels) != k:
        raise ConfigError(f"{source}: the model scores {k} classes but {len(labels)} class labels were given")
    stage = model_stage.stage
    stage.classes_ = labels
    n = n_features or model_stage.n_in
    from ...spec import Spec

    stage.bind(Spec.vector([f"f{i}" for i in range(n)]))
    for s in pre:
        s.bind(Spec.vector([f"f{i}" for i in range(n)]))
    return Imported(stage, pre, n)


def _model_chain(g: _Graph) -> list:
    """The chain from the input to the score output; for an SVMClassifier, the chain to it and
    the node itself (skl2onnx turns its pair scores into the ovr decision function after it)."""
    svms = [n for n in g.nodes if n.op_type == "SVMClassifier"]
    if len(svms) != 1:
        return g.chain(_score_output(g))
    node = svms[0]
    for n in g.nodes:
        if n is not node and n.op_type not in _SVM_OVR_OPS | _PASS | {"Constant"} and _downstream(g, node, n):
            raise g.err(n, "follows a classifier operator; nothing may come after it except label/layout operators")
    return g.chain(node.input[0]) + [node]


def _argmax_labels(g: _Graph, node) -> bool:
    """An SVM graph whose label is the argmax of the scores with no tie demotion (CumSum):
    ``export --lang onnx`` of an ``svm`` with ``break_ties``; skl2onnx's label is the node's vote."""
    after = [n.op_type for n in g.nodes if n is not node and _downstream(g, node, n)]
    return "ArgMax" in after and "CumSum" not in after


def _downstream(g: _Graph, src, node) -> bool:
    """Whether ``node`` reads (through any path) an output of ``src``."""
    seen, todo = set(), list(node.input)
    while todo:
        name = todo.pop()
        if name in src.output:
            return True
        p = g.producer.get(name)
        if p is not None and id(p) not in seen:
            seen.add(id(p))
            todo.extend(p.input)
    return False


@dataclass
class _Mapped:
    stage: object
    n_outputs: int
    n_in: int


def _only(g, rest, allowed) -> None:
    for n in rest:
        if n.op_type not in allowed:
            raise g.err(n, "follows a classifier operator; nothing may come after it except label/layout operators")


def _leading_scaler(g: _Graph, nodes):
    """Pop a scaler at the head of ``nodes``: ai.onnx.ml Scaler, ``Sub(mean) Div(scale)``
    (sensorflow's standard scaler) or ``Mul(scale) Add(min) [Clip(lo, hi)]`` (its minmax)."""
    from ...registry import stage as make

    ops = [n.op_type for n in nodes[:3]]

    def const(n):
        return np.asarray(g.consts[next(x for x in n.input if x in g.consts)], dtype=np.float64)

    if ops[:1] == ["Scaler"]:
        a = _attrs(nodes.pop(0))
        return _scaler(np.asarray(a["offset"], dtype=np.float64), np.asarray(a["scale"], dtype=np.float64))
    if ops[:2] == ["Sub", "Div"] and nodes[0].input[1] in g.consts and nodes[1].input[1] in g.consts:
        s = make("scaler")
        s.mean_, s.scale_ = const(nodes.pop(0)), const(nodes.pop(0))
        return s
    if ops[:2] == ["Mul", "Add"] and nodes[0].input[1] in g.consts and nodes[1].input[1] in g.consts:
        scale, low = const(nodes[0]), const(nodes[1])
        clip = len(nodes) > 2 and nodes[2].op_type == "Clip" and all(x in g.consts for x in nodes[2].input[1:3])
        rng = (float(g.consts[nodes[2].input[1]]), float(g.consts[nodes[2].input[2]])) if clip else (0.0, 1.0)
        del nodes[: 3 if clip else 2]
        s = make("scaler", method="minmax", feature_range=rng, clip=clip)
        s.scale_, s.min_ = scale, low
        return s
    return None


def _scaler(offset, scale):
    from ...registry import stage as make

    if np.any(scale == 0):
        raise ConfigError("a Scaler with a zero scale cannot map to the scaler stage")
    s = make("scaler")
    s.mean_, s.scale_ = offset, 1.0 / scale
    s.var_ = s.scale_**2
    return s


# ---------------------------------------------------------------------- dense networks
def _dense(g: _Graph, nodes) -> _Mapped:
    from ...registry import stage as make

    layers: list[list] = []  # [W (n_in, n_out), b]
    acts: list[str] = []
    final = None
    i = 0
    while i < len(nodes):
        n = nodes[i]
        a = _attrs(n)
        op = n.op_type
        if op in ("Gemm", "MatMul"):
            if layers and len(acts) < len(layers):
                acts.append("identity")
            if final is not None:
                raise g.err(n, f"a layer after the output activation {final}")
            W = _const_operand(g, n, 1)
            if op == "Gemm":
                if a.get("transA", 0):
                    raise g.err(n, "transA=1 is not supported")
                W = W.T if a.get("transB", 0) else W
                W = W * a.get("alpha", 1.0)
                b = np.zeros(W.shape[1]) if len(n.input) < 3 or not n.input[2] else g.consts[n.input[2]]
                b = np.broadcast_to(np.asarray(b, dtype=np.float64) * a.get("beta", 1.0), (W.shape[1],)).copy()
            else:
                b = np.zeros(W.shape[1])
            if W.ndim != 2:
                raise g.err(n, f"weights of shape {W.shape}; a 2-D matrix is supported")
            layers.append([np.asarray(W, dtype=np.float64), b])
        elif op == "Add" and layers and len(acts) < len(layers):
            layers[-1][1] = layers[-1][1] + _bias(g, n, layers[-1][0].shape[1])
        elif op == "Mul" and layers and len(acts) < len(layers):
            c = _bias(g, n, layers[-1][0].shape[1])
            layers[-1][0] = layers[-1][0] * c
            layers[-1][1] = layers[-1][1] * c
        elif op == "BatchNormalization" and layers and len(acts) < len(layers):
            scale, bias, mean, var = (np.asarray(g.consts[x], dtype=np.float64) for x in n.input[1:5])
            s = scale / np.sqrt(var + a.get("epsilon", 1e-5))
            layers[-1][0] = layers[-1][0] * s
            layers[-1][1] = (layers[-1][1] - mean) * s + bias
        elif op in _ACT or op == "Clip":
            act = _ACT.get(op) or _clip_relu(g, n, a)
            if not layers or len(acts) == len(layers):
                raise g.err(n, "an activation must follow a Gemm/MatMul layer")
            if i == len(nodes) - 1 and op == "Sigmoid":
                final = "Sigmoid"
            acts.append(act)
        elif op == "Softmax":
            if i != len(nodes) - 1 or not layers:
                raise g.err(n, "Softmax is supported only as the last operator")
            if a.get("axis", -1) not in (-1, 1):
                raise g.err(n, f"Softmax over axis {a.get('axis')}; the class axis (-1) is supported")
            final = "Softmax"
        else:
            raise g.err(n, "not supported here")
        i += 1
    if not layers:
        raise ConfigError(f"{g.source}: no Gemm/MatMul layer found; supported operators: {SUPPORTED}")
    hidden = acts[: len(layers) - 1]
    if len(set(hidden)) > 1:
        raise ConfigError(
            f"{g.source}: hidden layers use different activations {hidden}; the mlp stage has one for all layers"
        )
    n_out = layers[-1][0].shape[1]
    if final == "Sigmoid" and n_out != 1:
        raise ConfigError(f"{g.source}: a final Sigmoid over {n_out} outputs (multi-label) has no stage")
    n_in = layers[0][0].shape[0]
    if len(layers) == 1:
        s = make("logistic")
        s.coef_ = layers[0][0].T.astype(np.float32)
        s.intercept_ = layers[0][1].astype(np.float32)
        return _Mapped(s, max(n_out, 2), n_in)
    s = make("mlp", hidden_layer_sizes=[W.shape[1] for W, _ in layers[:-1]], activation=(hidden or ["identity"])[0])
    s.layer_sizes_ = [n_in] + [W.shape[1] for W, _ in layers]
    s.weights_ = np.concatenate([W.astype(np.float32).ravel() for W, _ in layers])
    s.biases_ = np.concatenate([b.astype(np.float32) for _, b in layers])
    return _Mapped(s, max(n_out, 2), n_in)


def _conv(g: _Graph, nodes) -> _Mapped:
    from ...registry import stage as make

    layout = "nlc" if nodes[0].op_type == "Transpose" else "ncl"  # of the graph input; a Transpose swaps it
    convs: list[list] = []  # [W (kernel * c_in, filters), b, kernel, stride]
    relu_ok: list[bool] = []
    pool = None
    dense = []
    final = False
    for i, n in enumerate(nodes):
        a = _attrs(n)
        op = n.op_type
        if op == "Transpose":
            if list(a.get("perm", [])) != [0, 2, 1]:
                raise g.err(n, f"perm {list(a.get('perm', []))}; only the (N, L, C) <-> (N, C, L) swap [0, 2, 1] maps")
            layout = "nlc" if layout == "ncl" else "ncl"
        elif op == "Conv":
            if pool is not None or layout != "ncl":
                raise g.err(n, "a Conv must read (N, C, L) before the pooling")
            W = _const_operand(g, n, 1).astype(np.float64)
            if W.ndim != 3:
                raise g.err(n, f"kernel of shape {W.shape}; 1-D convolutions (F, C, K) map")
            if any(a.get("pads", [0])) or a.get("auto_pad", b"NOTSET") not in (b"NOTSET", b"VALID", "NOTSET", "VALID"):
                raise g.err(n, "padding; the conv1d stage runs valid convolutions (pads 0)")
            if a.get("group", 1) != 1 or any(d != 1 for d in a.get("dilations", [1])):
                raise g.err(n, "groups or dilations; plain convolutions map")
            f, c, k = W.shape
            b = np.asarray(g.consts[n.input[2]], np.float64) if len(n.input) > 2 and n.input[2] else np.zeros(f)
            convs.append([W.transpose(2, 1, 0).reshape(k * c, f), b, k, int(a.get("strides", [1])[0])])
            relu_ok.append(False)
        elif op == "BatchNormalization" and convs and not relu_ok[-1]:
            scale, bias, mean, var = (np.asarray(g.consts[x], dtype=np.float64) for x in n.input[1:5])
            sc = scale / np.sqrt(var + a.get("epsilon", 1e-5))
            convs[-1][0] = convs[-1][0] * sc
            convs[-1][1] = (convs[-1][1] - mean) * sc + bias
        elif (op == "Relu" or (op == "Clip" and _clip_relu(g, n, a) == "relu")) and convs and pool is None:
            relu_ok[-1] = True
        elif op in ("GlobalAveragePool", "GlobalMaxPool", "ReduceMean", "ReduceMax") and convs and pool is None:
            if op.startswith("Reduce"):
                axes = list(a.get("axes", [])) or (
                    np.asarray(g.consts[n.input[1]]).ravel().tolist() if len(n.input) > 1 else []
                )
                time_axis = 2 if layout == "ncl" else 1
                if [x % 3 for x in axes] != [time_axis]:
                    raise g.err(n, f"reduces axes {axes}; only the time axis ({time_axis} here) maps")
            elif layout != "ncl":
                raise g.err(n, "global pooling of (N, L, C); it pools (N, C, L)")
            pool = "avg" if op in ("GlobalAveragePool", "ReduceMean") else "max"
        elif op in ("Gemm", "MatMul", "Add") and pool is not None:
            dense.append(n)
        elif op == "Softmax" and i == len(nodes) - 1 and dense:
            final = True
        else:
            raise g.err(n, "not supported here (conv1d pattern: (Conv Relu)+ global pooling Gemm [Softmax])")
    if not all(relu_ok):
        raise ConfigError(f"{g.source}: every Conv must be followed by Relu (the conv1d stage's activation)")
    if pool is None or not dense:
        raise ConfigError(f"{g.source}: a conv1d network needs global pooling over time and a dense layer after it")
    if len({k for *_, k, _s in convs}) != 1:
        raise ConfigError(f"{g.source}: the convolutions use different kernel sizes; the conv1d stage has one")
    head = _dense(g, dense)
    if head.stage.name != "logistic":
        raise ConfigError(f"{g.source}: one dense layer after the pooling maps (found {len(dense)} operators)")
    _ = final
    frame = convs[0][0].shape[0] // convs[0][2]
    s = make(
        "conv1d",
        frame_size=frame,
        filters=[int(w.shape[1]) for w, *_ in convs],
        kernel_size=convs[0][2],
        strides=[st for *_, st in convs],
        pool=pool,
        standardize=False,
    )
    s.frame_size_ = frame
    s.layer_shapes_ = [[int(w.shape[0]), int(w.shape[1]), k, st] for w, _b, k, st in convs]
    s.weights_ = np.concatenate([w.astype(np.float32).ravel() for w, *_ in convs])
    s.biases_ = np.concatenate([b.astype(np.float32) for _w, b, *_ in convs])
    s.out_weight_ = np.asarray(head.stage.coef_.T, np.float32)
    s.out_bias_ = np.asarray(head.stage.intercept_, np.float32)
    return _Mapped(s, head.n_outputs, None)


def _const_operand(g, n, idx) -> np.ndarray:
    if len(n.input) <= idx or n.input[idx] not in g.consts:
        raise g.err(n, f"input {idx} must be a constant (initializer)")
    return np.asarray(g.consts[n.input[idx]])


def _bias(g, n, width) -> np.ndarray:
    name = next((x for x in n.input if x in g.consts), None)
    if name is None:
        raise g.err(n, "needs one constant operand")
    v = np.asarray(g.consts[name], dtype=np.float64)
    if v.size not in (1, width):
        raise g.err(n, f"constant of shape {v.shape} does not broadcast over {width} units")
    return np.broadcast_to(v.ravel(), (width,)).copy()


def _clip_relu(g, n, a) -> str:
    lo = a.get("min", None)
    hi = a.get("max", None)
    if len(n.input) > 1 and n.input[1]:
        lo = float(g.consts[n.input[1]])
    if len(n.input) > 2 and n.input[2]:
        hi = float(g.consts[n.input[2]])
    if lo == 0 and (hi is None or np.isinf(hi)):
        return "relu"
    raise g.err(n, f"Clip({lo}, {hi}) has no mlp activation; Clip(0, inf) maps to relu")


# ---------------------------------------------------------------------- ai.onnx.ml operators
def _trees(g: _Graph, node) -> tuple[_Mapped, list]:
    from ...registry import stage as make

    a = _attrs(node)
    if a.get("post_transform", b"NONE") not in (b"NONE", "NONE"):
        raise g.err(node, f"post_transform {a['post_transform']!r}; NONE is supported")
    if any(v != 0 for v in a.get("base_values", []) or []):
        raise g.err(node, "non-zero base_values are not supported")
    labels = _class_labels(g, node)
    k = len(labels)
    tids = np.asarray(a["nodes_treeids"])
    nids = np.asarray(a["nodes_nodeids"])
    feats = np.asarray(a["nodes_featureids"])
    thr = np.asarray(a["nodes_values"], dtype=np.float32)
    modes = [m.decode() if isinstance(m, bytes) else m for m in a["nodes_modes"]]
    tnode = np.asarray(a["nodes_truenodeids"])
    fnode = np.asarray(a["nodes_falsenodeids"])
    ct, cn, ci = (np.asarray(a[x]) for x in ("class_treeids", "class_nodeids", "class_ids"))
    cw = np.asarray(a["class_weights"], dtype=np.float32).astype(np.float64)
    trees = sorted(set(tids.tolist()))
    binary_one = k == 2 and len(set(ci.tolist())) == 1  # one weight per leaf: the score of class 1
    F, T, L, R, V, offsets = [], [], [], [], [], [0]
    for t in trees:
        rows = np.flatnonzero(tids == t)
        where = {int(nids[r]): r for r in rows}
        children = {int(tnode[r]) for r in rows if modes[r] != "LEAF"} | {
            int(fnode[r]) for r in rows if modes[r] != "LEAF"
        }
        roots = [nid for nid in where if nid not in children]
        order, stack = [], roots[:1]
        while stack:  # preorder: parents before children
            nid = stack.pop()
            order.append(nid)
            r = where[nid]
            if modes[r] != "LEAF":
                stack += [int(fnode[r]), int(tnode[r])]
        local = {nid: j for j, nid in enumerate(order)}
        m = len(order)
        f, th = np.full(m, -2, np.int32), np.full(m, -2.0, np.float32)
        left, right = np.full(m, -1, np.int32), np.full(m, -1, np.int32)
        val = np.zeros((m, k))
        for nid, j in local.items():
            r = where[nid]
            mode = modes[r]
            if mode == "LEAF":
                continue
            if mode not in ("BRANCH_LEQ", "BRANCH_LT"):
                raise g.err(node, f"node mode {mode}; BRANCH_LEQ and BRANCH_LT are supported")
            f[j] = feats[r]
            th[j] = thr[r] if mode == "BRANCH_LEQ" else np.nextafter(thr[r], np.float32(-np.inf))
            left[j], right[j] = local[int(tnode[r])], local[int(fnode[r])]
        sel = np.flatnonzero(ct == t)
        for r in sel:
            val[local[int(cn[r])], 1 if binary_one else int(ci[r])] += cw[r]
        # leaf fractions: the weights (fraction / n_trees in float32) times n_trees, rounded to
        # float32 so that 1/6 * 6 is 1 again (ties then break as onnxruntime and scikit-learn do)
        val = (val.astype(np.float32) * np.float32(len(trees))).astype(np.float64)
        if binary_one:
            leaf = left < 0
            val[leaf, 0] = 1.0 - val[leaf, 1]
        F.append(f)
        T.append(th)
        L.append(left)
        R.append(right)
        V.append(val)
        offsets.append(offsets[-1] + m)
    s = make("decision_tree") if len(trees) == 1 else make("random_forest", n_estimators=len(trees))
    s.feature_, s.threshold_ = np.concatenate(F), np.concatenate(T)
    s.left_, s.right_, s.value_ = np.concatenate(L), np.concatenate(R), np.concatenate(V)
    s.offsets_ = np.asarray(offsets, dtype=np.int64)
    return _Mapped(s, k, int(feats.max()) + 1), labels


def _linear(g: _Graph, node) -> tuple[_Mapped, list]:
    from ...registry import stage as make

    a = _attrs(node)
    labels = _class_labels(g, node)
    coef = np.asarray(a["coefficients"], dtype=np.float32)
    icpt = np.asarray(a.get("intercepts", []), dtype=np.float32)
    rows = len(icpt) if len(icpt) else (1 if len(labels) == 2 and coef.size % 2 else len(labels))
    coef = coef.reshape(rows, -1)
    if rows == 2 and len(labels) == 2 and np.array_equal(coef[0], -coef[1]) and icpt[0] == -icpt[1]:
        coef, icpt = coef[1:], icpt[1:]  # skl2onnx's two-class form [-d, d] of one decision value
    s = make("logistic")
    s.coef_, s.intercept_ = coef, icpt if len(icpt) else np.zeros(len(coef), np.float32)
    return _Mapped(s, len(labels), coef.shape[1]), labels


def _svm(g: _Graph, node) -> tuple[_Mapped, list]:
    """SVMClassifier -> ``svm``. ONNX keeps libsvm's own signs (scikit-learn's ``_dual_coef_`` /
    ``_intercept_``; the public arrays of a two-class SVC are negated) and ``kernel_params``
    [gamma, coef0, degree]."""
    from ...registry import stage as make

    a = _attrs(node)
    kernel = a.get("kernel_type", b"LINEAR")
    kernel = (kernel.decode() if isinstance(kernel, bytes) else kernel).upper()
    labels = _class_labels(g, node)
    if kernel not in _SVM_KERNELS:
        raise g.err(node, f"kernel {kernel}: the svm stage has LINEAR, RBF and POLY kernels")
    if a.get("prob_a") or a.get("prob_b"):
        raise g.err(node, "Platt-scaled probabilities (SVC(probability=True)); convert the SVC without probability")
    post = a.get("post_transform", b"NONE")
    if (post.decode() if isinstance(post, bytes) else post) != "NONE":
        raise g.err(node, f"post_transform {post!r}; only NONE maps")
    per_class = np.asarray(a.get("vectors_per_class", []), dtype=np.int64)
    k = len(labels) if labels is not None else len(per_class)
    labels = labels if labels is not None else list(range(k))
    if k < 2 or len(per_class) != k or not len(a.get("support_vectors", [])):
        raise g.err(
            node, "a support vector machine without vectors_per_class / support_vectors (an SVM regressor form)"
        )
    n_sv = int(per_class.sum())
    dual = np.asarray(a.get("coefficients", []), dtype=np.float64)
    sv = np.asarray(a["support_vectors"], dtype=np.float64)
    rho = np.asarray(a.get("rho", []), dtype=np.float64)
    if (
        np.any(per_class < 0)
        or dual.size != (k - 1) * n_sv
        or n_sv == 0
        or sv.size % n_sv
        or len(rho) != k * (k - 1) // 2
    ):
        raise g.err(
            node,
            f"{k} classes and {n_sv} support vectors need {(k - 1) * n_sv} coefficients, {k * (k - 1) // 2} rho values "
            f"and a multiple of {n_sv} vector values; got {dual.size}, {len(rho)}, {sv.size}",
        )
    dual, sv = dual.reshape(k - 1, n_sv), sv.reshape(n_sv, -1)
    gamma, coef0, degree = (list(a.get("kernel_params", [])) + [0.0, 0.0, 3.0])[:3]
    if kernel != "LINEAR" and not gamma > 0:
        raise g.err(node, f"kernel_params gamma {gamma}; a positive gamma is needed")
    s = make(
        "svm",
        kernel=_SVM_KERNELS[kernel],
        gamma=float(gamma) if gamma > 0 else "scale",
        coef0=float(coef0),
        degree=min(max(int(degree), 1), 10),
        break_ties=k > 2 and _argmax_labels(g, node),
    )
    sign = -1.0 if k == 2 else 1.0  # back to scikit-learn's public convention, which the stage keeps
    s.support_vectors_, s.dual_coef_, s.intercept_ = sv, sign * dual, sign * rho
    s.n_support_ = per_class.astype(np.int32)
    s.gamma_ = float(gamma) if gamma > 0 else 1.0
    return _Mapped(s, k, sv.shape[1]), labels
