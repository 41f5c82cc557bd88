"""Quantised ONNX graphs onto the int8 dense path (:mod:`sensorflow.stages.models.int8`) with
the graph's own scales and zero points (nothing is re-calibrated).

Forms read (as ``onnxruntime.quantization.quantize_static`` writes them, and the ONNX operator
specs define them):

* QDQ: ``QuantizeLinear`` of the input, then per layer ``DequantizeLinear -> Gemm | MatMul [Add]
  [Relu | Clip(0, inf)] -> QuantizeLinear``, the weights ``DequantizeLinear`` of int8 constants
  (zero point 0, per tensor or per output channel), the bias ``DequantizeLinear`` of an int32
  constant at scale ``s_in * s_w``; a final ``DequantizeLinear`` [``Softmax``].
* QOperator: ``QuantizeLinear``, ``QLinearMatMul`` or ``QGemm`` (com.microsoft) per layer,
  ``DequantizeLinear`` [``Softmax``].

Each layer becomes a :class:`~sensorflow.stages.models.int8.QLayer`: int8 weights as stored,
the int32 bias folded with the input zero point, and the requantisation scale
``s_in * s_w[j] / s_out`` as TFLite's 31-bit multiplier and shift. onnxruntime applies that
scale as one float32 product rounded half to even; the device's fixed point rounds twice, half
away from zero, so an output may differ by 1 LSB where the exact value is at (or within float32
error of) a half-way point (``sensorflow.interop.onnx_q8.explain``). The float input is
quantised as ``sf_q8_quantize`` does (fixed-point ``1 / scale``, ties away from zero) where
``QuantizeLinear`` rounds ``x / scale`` half to even: again at most 1 LSB, at ties. uint8
activations (zero point ``z``) are the int8 codes shifted by 128 (zero point ``z - 128``): the
same values and the same saturation, so they map exactly.

A hidden layer whose output zero point is -128 clamps at 0 whether or not the graph kept its
``Relu`` (quantize_static removes it): that is a relu layer. The stage's float arrays are the
dequantised weights and biases (``sensorflow export --numeric float`` runs those).
"""

from __future__ import annotations

import numpy as np

from ...errors import ConfigError
from .int8 import QMIN, imported_net

OPS = {"QuantizeLinear", "DequantizeLinear", "QLinearMatMul", "QGemm", "QLinearConv", "MatMulInteger", "ConvInteger"}
_SCALE_RTOL = 1e-5  # bias scale vs s_in * s_w (float32 products)


def is_quantised(g) -> bool:
    return any(n.op_type in OPS for n in g.nodes)


def fold_constant_dequantize(g) -> dict:
    """Every ``DequantizeLinear`` of a constant (weights, biases) becomes a float constant of the
    graph; returns ``{output: (q, scale, zero_point, axis)}`` of those, for the layers to read."""
    out = {}
    for n in g.nodes:
        if n.op_type == "DequantizeLinear" and n.input[0] in g.consts:
            q = np.asarray(g.consts[n.input[0]])
            s = np.asarray(g.consts[n.input[1]], np.float64) if n.input[1] in g.consts else None
            z = np.asarray(g.consts[n.input[2]]) if len(n.input) > 2 and n.input[2] else np.zeros((), q.dtype)
            if s is None:
                raise g.err(n, "a computed scale; quantisation parameters must be constants")
            axis = int(_attrs(n).get("axis", 1))
            out[n.output[0]] = (q, s, z, axis)
            g.consts[n.output[0]] = _dequantized(q, s, z, axis)
            g.producer.pop(n.output[0], None)
    return out


def _dequantized(q, s, z, axis) -> np.ndarray:
    q, s, z = np.asarray(q, np.float64), np.asarray(s, np.float64), np.asarray(z, np.float64)
    if s.size > 1:
        shape = [1] * q.ndim
        shape[axis % q.ndim] = -1
        s, z = s.reshape(shape), z.reshape(shape)
    return (q - z) * s


def dense(g, nodes, qconst: dict):
    """``(stage, n_outputs, n_in)``: a ``logistic`` (one layer) or ``mlp`` stage whose
    ``int8_import_`` holds the graph's int8 network."""
    from ...registry import stage as make

    cur = None  # (scale, zp) of the int8 tensor the chain holds, or None while it is float
    net_in = None
    pending = None  # a QDQ layer waiting for its QuantizeLinear: [w, w_scale, bias, in (s, z), relu, node]
    layers: list[dict] = []
    final_done = False
    for i, n in enumerate(nodes):
        op, a = n.op_type, _attrs(n)
        if final_done:
            if op == "Softmax" and i == len(nodes) - 1:
                continue
            raise g.err(n, "follows the dequantised output; only a final Softmax may")
        if op == "QuantizeLinear":
            s, z = _qparams(g, n, 1, 2)
            if pending is not None:
                layers.append(_layer_dict(pending, s, z, n.output[0]))
                pending = None
            elif net_in is None and not layers:
                net_in = (s, z, n.output[0])
            else:
                raise g.err(n, "quantises a tensor that is not a layer output")
            cur = (s, z)
        elif op == "DequantizeLinear":
            if cur is None or pending is not None:
                raise g.err(n, "dequantises a tensor the int8 path does not hold")
            if i == len(nodes) - 1 or nodes[i + 1].op_type == "Softmax":
                final_done = True
            cur = ("dq", cur)
        elif op in ("Gemm", "MatMul"):
            if not (isinstance(cur, tuple) and cur[0] == "dq"):
                raise g.err(n, "reads a float tensor; in a QDQ graph each layer reads a DequantizeLinear output")
            w, w_scale = _weights(g, n, qconst, 1, op == "Gemm" and a.get("transB", 0))
            if op == "Gemm" and (a.get("transA", 0) or a.get("alpha", 1.0) != 1.0 or a.get("beta", 1.0) != 1.0):
                raise g.err(n, "transA, alpha or beta; a plain Gemm maps")
            bias = None
            if op == "Gemm" and len(n.input) > 2 and n.input[2]:
                bias = _bias(g, n, n.input[2], qconst, cur[1][0], w_scale)
            pending = [w, w_scale, bias, cur[1], False, n]
            cur = None
        elif op == "Add" and pending is not None and pending[2] is None:
            name = next((x for x in n.input if x in g.consts), None)
            if name is None:
                raise g.err(n, "needs a constant (quantised int32) bias")
            pending[2] = _bias(g, n, name, qconst, pending[3][0], pending[1])
        elif (op == "Relu" or (op == "Clip" and _clip_is_relu(g, n, a))) and pending is not None:
            pending[4] = True
        elif op in ("Add", "QLinearAdd") and layers and pending is None:
            raise g.err(
                n,
                "an int8 Add after a layer's requantisation (MatMul and Add quantised apart: two roundings, not one "
                "int8 layer); run onnxruntime.quantization.quant_pre_process before quantize_static (it fuses them into Gemm)",
            )
        elif op in ("QLinearMatMul", "QGemm"):
            if cur is None or cur[0] == "dq":
                raise g.err(n, "reads a tensor that is not int8")
            layers.append(_qop_layer(g, n, a, cur))
            cur = (layers[-1]["scale"], layers[-1]["zp"])
        elif op in ("QLinearConv", "ConvInteger", "Conv"):
            raise g.err(n, "a quantised convolution; quantised graphs import onto the int8 dense path only (no conv1d)")
        elif op == "MatMulInteger":
            raise g.err(n, "MatMulInteger with a float requantisation; QDQ, QLinearMatMul and QGemm graphs map")
        else:
            raise g.err(n, "not supported in a quantised graph (QDQ / QLinearMatMul / QGemm dense layers)")
    if pending is not None:
        raise g.err(pending[5], "a layer whose output is not quantised; the int8 path needs int8 logits")
    if net_in is None or not layers:
        raise ConfigError(f"{g.source}: no quantised dense layer from a QuantizeLinear input found")
    if not final_done:
        raise ConfigError(f"{g.source}: the graph output is not a DequantizeLinear of the last layer")
    return _stage(g, make, net_in, layers)


def _qparams(g, n, si, zi) -> tuple[float, int]:
    """Per-tensor int8 (scale, zero point) of a QuantizeLinear / QLinear* operand."""
    if n.input[si] not in g.consts:
        raise g.err(n, "a computed scale; quantisation parameters must be constants")
    s = np.asarray(g.consts[n.input[si]], np.float32)
    z = np.asarray(g.consts[n.input[zi]]) if len(n.input) > zi and n.input[zi] else np.zeros((), np.uint8)
    if s.size != 1:
        raise g.err(n, f"{s.size} activation scales; the int8 path has one scale per activation tensor")
    if z.dtype not in (np.int8, np.uint8):
        raise g.err(n, f"{z.dtype} activations; int8 and uint8 activations map")
    if not s.ravel()[0] > 0:
        raise g.err(n, f"scale {s.ravel()[0]}; a positive scale is needed")
    shift = 128 if z.dtype == np.uint8 else 0  # uint8 code c is int8 code c - 128 (zero point too): exact
    return float(s.ravel()[0]), int(z.ravel()[0]) - shift


def _weights(g, n, qconst, idx, trans) -> tuple[np.ndarray, np.ndarray]:
    """int8 ``(n_out, n_in)`` weights and their per-output-channel scales."""
    name = n.input[idx]
    if name not in qconst:
        raise g.err(n, "float weights in a quantised graph; the weights must be a DequantizeLinear of int8")
    q, s, z, axis = qconst[name]
    return _check_weights(g, n, q, s, z, axis, trans)


def _check_weights(g, n, q, s, z, axis, trans) -> tuple[np.ndarray, np.ndarray]:
    q, s, z = np.asarray(q), np.asarray(s, np.float64).ravel(), np.asarray(z).ravel()
    if q.dtype != np.int8:
        raise g.err(n, f"{q.dtype} weights; the int8 path takes int8 weights (quantize with weight_type=QInt8)")
    if q.ndim != 2:
        raise g.err(n, f"weights of shape {q.shape}; a 2-D matrix maps")
    if np.any(z != 0):
        raise g.err(n, "weight zero points other than 0; the int8 path has symmetric weights")
    out_axis = 0 if trans else 1
    if s.size > 1 and axis % 2 != out_axis:
        raise g.err(n, "per-channel weight scales along the input axis; per output channel or per tensor maps")
    w = q if trans else q.T
    if s.size not in (1, w.shape[0]):
        raise g.err(n, f"{s.size} weight scales for {w.shape[0]} outputs")
    if np.any(s <= 0) or np.any(w == QMIN):
        raise g.err(n, "a non-positive weight scale or a -128 weight; symmetric int8 weights lie in [-127, 127]")
    return w.astype(np.int8), np.broadcast_to(s.astype(np.float32).astype(np.float64), (w.shape[0],)).copy()


def _bias(g, n, name, qconst, s_in, w_scale) -> np.ndarray:
    if name not in qconst:
        raise g.err(n, "a float bias in a quantised graph; the bias must be a DequantizeLinear of int32")
    q, s, z, _axis = qconst[name]
    q, s = np.asarray(q).ravel(), np.asarray(s, np.float64).ravel()
    want = np.float64(np.float32(s_in)) * w_scale
    if q.dtype != np.int32 or np.any(np.asarray(z) != 0):
        raise g.err(n, f"a {q.dtype} bias with zero point {np.asarray(z).ravel()[:1]}; int32 at zero point 0 maps")
    if q.size not in (1, w_scale.size) or not np.allclose(s, want, rtol=_SCALE_RTOL, atol=0):
        raise g.err(
            n, "a bias scale other than input scale x weight scale; the int8 path adds the bias to the accumulator"
        )
    return np.broadcast_to(q.astype(np.int64), w_scale.shape).copy()


def _attrs(node) -> dict:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _clip_is_relu(g, n, a) -> bool:
    lo, hi = a.get("min"), a.get("max")
    if len(n.input) > 1 and n.input[1]:
        lo = float(g.consts[n.input[1]])
    if len(n.input) > 2 and n.input[2]:
        hi = float(g.consts[n.input[2]])
    if lo == 0 and (hi is None or np.isinf(hi)):
        return True
    raise g.err(n, f"Clip({lo}, {hi}); in a quantised graph Clip(0, inf) maps (to relu)")


def _qop_layer(g, n, a, cur) -> dict:
    """QLinearMatMul (a, a_s, a_zp, b, b_s, b_zp, y_s, y_zp) or QGemm (a, a_s, a_zp, b, b_s,
    b_zp, C, y_s, y_zp)."""
    s_in, z_in = _qparams(g, n, 1, 2)
    if (s_in, z_in) != (cur[0], cur[1]):
        raise g.err(n, "input scale / zero point differ from those of the tensor it reads")
    for k in (3, 4):
        if n.input[k] not in g.consts:
            raise g.err(n, f"input {k} must be a constant")
    bz = np.asarray(g.consts[n.input[5]]) if len(n.input) > 5 and n.input[5] else np.zeros((), np.int8)
    trans = n.op_type == "QGemm" and a.get("transB", 0)
    if n.op_type == "QGemm" and (a.get("transA", 0) or a.get("alpha", 1.0) != 1.0):
        raise g.err(n, "transA or alpha; a plain QGemm maps")
    axis = 0 if trans else 1
    w, w_scale = _check_weights(g, n, g.consts[n.input[3]], g.consts[n.input[4]], bz, axis, trans)
    bias = np.zeros(w.shape[0], np.int64)
    y = (7, 8) if n.op_type == "QGemm" else (6, 7)
    if n.op_type == "QGemm" and len(n.input) > 6 and n.input[6]:
        b = np.asarray(g.consts.get(n.input[6]))
        if b.dtype != np.int32:
            raise g.err(n, "a non-int32 bias; QGemm's C is int32 at input scale x weight scale")
        bias = np.broadcast_to(b.astype(np.int64).ravel(), w.shape[:1]).copy()
    if len(n.input) <= y[0] or not n.input[y[0]]:
        raise g.err(n, "a float output; the int8 path needs int8 outputs (y_scale, y_zero_point)")
    s, z = _qparams(g, n, *y)
    return _layer_dict([w, w_scale, bias, (s_in, z_in), False, n], s, z, n.output[0])


def _layer_dict(pending, s_out, z_out, tensor: str) -> dict:
    w, w_scale, bias, (s_in, z_in), relu, node = pending
    bias = np.zeros(w.shape[0], np.int64) if bias is None else bias
    return {
        "w": w.astype(int).tolist(),
        "w_scale": w_scale.tolist(),
        "bias": bias.astype(int).tolist(),
        "in_scale": s_in,
        "in_zp": z_in,
        "scale": s_out,
        "zp": z_out,
        "relu": bool(relu),
        "node": node.name or node.output[0],
        "tensor": tensor,  # the graph's int8 output of this layer (tests compare with it)
    }


def _stage(g, make, net_in, layers):
    """The float stage (dequantised arrays) carrying ``int8_import_``."""
    qnet = {"in_scale": net_in[0], "in_zp": net_in[1], "in_tensor": net_in[2], "layers": layers}
    net = imported_net(qnet, g.source)  # every check now, not at export
    hidden = [L.act for L in net.layers[:-1]]
    if len(set(hidden)) > 1:
        raise ConfigError(f"{g.source}: hidden layers mix relu and identity {hidden}; the mlp stage has one activation")
    float_layers = []
    for L in net.layers:
        W = L.w.astype(np.float64) * L.w_scale[:, None]
        b = L.bias.astype(np.float64) * L.in_scale * L.w_scale
        float_layers.append((W, b))
    n_in, n_out = net.layers[0].w.shape[1], net.n_out
    if len(float_layers) == 1:
        s = make("logistic")
        s.coef_ = float_layers[0][0].astype(np.float32)
        s.intercept_ = float_layers[0][1].astype(np.float32)
    else:
        s = make("mlp", hidden_layer_sizes=[W.shape[0] for W, _ in float_layers[:-1]], activation=hidden[0])
        s.layer_sizes_ = [int(n_in)] + [int(W.shape[0]) for W, _ in float_layers]
        s.weights_ = np.concatenate([W.T.astype(np.float32).ravel() for W, _ in float_layers])
        s.biases_ = np.concatenate([b.astype(np.float32) for _, b in float_layers])
    s.int8_import_ = qnet
    return s, max(n_out, 2), int(n_in)
