"""The int8 network of a dense model (:class:`sensorflow.stages.models.int8.QNet`) as an ONNX
graph in the QDQ / integer-operator style, for onnxruntime to serve as an independent oracle.

Per layer: ``MatMulInteger`` (int8 codes x int8 weights, input zero point) -> int32, ``Add`` the
int32 bias (unfolded: ``round(b / (s_in * s_w))``), ``Cast`` to float, ``Mul`` by the real
requantisation multiplier ``s_in * s_w[j] / s_out`` (float32, per output channel),
``QuantizeLinear`` (scale 1, the output zero point: round half to even, saturate to int8);
relu as ``Max`` with the zero point; tanh / logistic as ``DequantizeLinear`` -> ``Tanh`` /
``Sigmoid`` -> ``QuantizeLinear``. The whole network takes float features through
``QuantizeLinear`` (the input scale and zero point).

Where this differs from the device (``sf_q8``) by design: onnxruntime multiplies by a float32
multiplier and rounds once (half to even); the device multiplies by a 31-bit fixed-point
multiplier and rounds twice, half away from zero (gemmlowp). They agree except where the exact
product lies within float32 rounding of a half-way point; ``explain`` finds those elements.
Opset 17 (ai.onnx).
"""

from __future__ import annotations

import numpy as np

OPSET = 17


def layer_graph(net, index: int, float_input: bool = False, table: bool = True):
    """``onnx.ModelProto`` of layer ``index`` alone (input int8 codes ``x``, output int8 ``y``;
    ``table=False``: stop at the requantised pre-activation of a tanh/logistic layer), or with
    ``float_input`` the whole network from float features."""
    from onnx import TensorProto, helper

    nodes, inits = [], []

    def const(name, arr):
        inits.append(_tensor(name, np.asarray(arr)))
        return name

    layers = range(len(net.layers)) if float_input else [index]
    src = "x"
    if float_input:
        const("in_scale", np.float32(net.in_scale))
        const("in_zp", np.int8(net.in_zp))
        nodes.append(helper.make_node("QuantizeLinear", ["x", "in_scale", "in_zp"], ["q_in"]))
        src = "q_in"
    for i in layers:
        src = _layer_nodes(net.layers[i], i, src, nodes, const, table)
    nodes.append(helper.make_node("Identity", [src], ["y"]))
    n_in = net.layers[0 if float_input else index].w.shape[1]
    n_out = net.layers[layers[-1]].w.shape[0]
    x_type = TensorProto.FLOAT if float_input else TensorProto.INT8
    graph = helper.make_graph(
        nodes,
        "sensorflow_q8",
        [helper.make_tensor_value_info("x", x_type, [None, n_in])],
        [helper.make_tensor_value_info("y", TensorProto.INT8, [None, n_out])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    return model


def _tensor(name: str, arr: np.ndarray):
    from onnx import numpy_helper

    return numpy_helper.from_array(arr, name)


def table_graph(L):
    """The tanh/logistic table of layer ``L`` as ``DequantizeLinear -> Tanh/Sigmoid -> QuantizeLinear``
    on int8 codes ``x`` (feed it all 256 codes to compare with ``L.lut``)."""
    from onnx import TensorProto, helper

    nodes, inits = [], []

    def const(name, arr):
        inits.append(_tensor(name, np.asarray(arr)))
        return name

    y = _table_nodes(L, 0, "x", nodes, const)
    nodes.append(helper.make_node("Identity", [y], ["y"]))
    graph = helper.make_graph(
        nodes,
        "sensorflow_q8_table",
        [helper.make_tensor_value_info("x", TensorProto.INT8, [None])],
        [helper.make_tensor_value_info("y", TensorProto.INT8, [None])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    return model


def _table_nodes(L, i: int, y: str, nodes: list, const) -> str:
    from onnx import helper

    names = [f"l{i}_dq", f"l{i}_act", f"l{i}_q"]
    nodes.append(
        helper.make_node(
            "DequantizeLinear", [y, const(f"l{i}_s", np.float32(L.scale)), const(f"l{i}_z", np.int8(L.zp))], [names[0]]
        )
    )
    nodes.append(helper.make_node("Tanh" if L.act == "tanh" else "Sigmoid", [names[0]], [names[1]]))
    so, zo = const(f"l{i}_so", np.float32(L.out_scale)), const(f"l{i}_zo", np.int8(L.out_zp))
    nodes.append(helper.make_node("QuantizeLinear", [names[1], so, zo], [names[2]]))
    return names[2]


def _layer_nodes(L, i: int, src: str, nodes: list, const, table: bool = True) -> str:
    from onnx import TensorProto, helper

    def node(op, ins, **kw):
        out = f"l{i}_{op.lower()}{len(nodes)}"
        nodes.append(helper.make_node(op, ins, [out], **kw))
        return out

    w = const(f"l{i}_w", np.ascontiguousarray(L.w.T))
    zx = const(f"l{i}_zx", np.int8(L.in_zp))
    acc = node("MatMulInteger", [src, w, zx])
    acc = node("Add", [acc, const(f"l{i}_bias", L.bias.astype(np.int32))])
    real = node("Cast", [acc], to=TensorProto.FLOAT)
    m = (L.in_scale * L.w_scale / L.scale).astype(np.float32)
    real = node("Mul", [real, const(f"l{i}_m", m)])
    y = node("QuantizeLinear", [real, const(f"l{i}_one", np.float32(1.0)), const(f"l{i}_zy", np.int8(L.zp))])
    if L.lo != -128:
        y = node("Max", [y, const(f"l{i}_lo", np.int8(L.lo))])
    if L.lut is not None and table:
        y = _table_nodes(L, i, y, nodes, const)
    return y


def run(model, x: np.ndarray) -> np.ndarray:
    """Run ``model`` in onnxruntime (CPU) on ``x``."""
    import onnxruntime as ort

    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(["y"], {"x": x})[0]


def explain(L, q_in: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Why an output of layer ``L`` on int8 inputs ``q_in`` may differ by 1 LSB from onnxruntime:
    ``(tie, near)``. ``tie``: gemmlowp's first rounding (``SaturatingRoundingDoublingHighMul``) left
    an exact half-way value that ``RoundingDivideByPOT`` rounds away from zero, while the exact
    product is on the other side of it (double rounding: up to 2^(shift - 1) LSB off).
    ``near``: the exact product is within 1e-4 LSB of a half-way point (float32 multiplier)."""
    from ..stages.models.int8 import saturating_rounding_doubling_high_mul

    acc = q_in.astype(np.int64) @ L.w.astype(np.int64).T + L.folded.astype(np.int64)
    e = np.maximum(-L.shift.astype(np.int64), 0)
    t = saturating_rounding_doubling_high_mul(acc, L.mult)
    tie = (e > 0) & ((t & ((np.int64(1) << e) - 1)) == (np.int64(1) << np.maximum(e - 1, 0)))
    v = acc * L.mult.astype(np.float64) * np.exp2(L.shift.astype(np.float64) - 31)
    near = np.abs(v - np.floor(v) - 0.5) < 1e-4
    return tie, near
