"""Quantised ONNX graphs (onnxruntime ``quantize_static``: QDQ, QOperator, per-channel) import onto
the int8 dense path with the graph's own scales: labels equal onnxruntime's on every test row,
the int8 logits are within 1 LSB of onnxruntime's, and every difference is explained layer by
layer (onnxruntime's intermediate int8 tensors fed to our layer): the input quantisation at a
half-way point of ``x / scale`` (QuantizeLinear rounds half to even, the device's fixed point
half away from zero), a requantisation at (or within float32 error of) a half-way point
(``onnx_q8.explain``). Host C under ASan/UBSan gives the same labels and logits' scores. An
unsupported quantisation is a one-line error naming the node."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import numpy_helper
from onnxcases import run_ort
from qcases import FIXTURES, NAMES, held_out_rows, with_outputs

from sensorflow.errors import ConfigError
from sensorflow.interop.onnx_import import from_model, load
from sensorflow.interop.onnx_q8 import explain
from sensorflow.stages.models.int8 import layer_forward, quantize

HALF_WAY = 1e-4  # in LSB: |x / scale - (k + 0.5)| below this is a tie (or float32 error of one)


@pytest.mark.parametrize("name", NAMES)
def test_labels_equal_onnxruntime_and_logits_within_one_lsb_explained(name):
    path = FIXTURES / f"{name}.onnx"
    imp = load(path)
    net = quantize(imp.model)
    assert imp.model.name == ("logistic" if "logistic" in name else "mlp")
    X = held_out_rows()
    spec = imp.model.int8_import_
    tensors = [spec["in_tensor"]] + [d["tensor"] for d in spec["layers"]]
    out = run_ort(with_outputs(onnx.load(str(path)), tensors), X)
    logits_f, codes = out[0], out[1:]
    np.testing.assert_array_equal(net.predict_index(X), np.argmax(logits_f, axis=1))  # labels exact
    np.testing.assert_array_equal(imp.model.classes_, list(range(10)))
    # the input: fixed point vs QuantizeLinear, 1 LSB at half-way points of x / scale
    q = net.quantize_input(X)
    d = q.astype(np.int64) - codes[0]
    assert np.abs(d).max() <= 1
    t = X.astype(np.float64) / net.in_scale
    assert np.all(np.abs(np.abs(t - np.floor(t)) - 0.5)[d != 0] < HALF_WAY), "unexplained input differences"
    for i, L in enumerate(net.layers):  # each layer on onnxruntime's own int8 input
        mine = layer_forward(L, codes[i]).astype(np.int64)
        diff = mine - codes[i + 1]
        assert np.abs(diff).max() <= 1, f"layer {i}: {np.abs(diff).max()} LSB"
        tie, near = explain(L, codes[i])
        assert np.all((tie | near)[diff != 0]), f"layer {i}: {np.sum(~(tie | near)[diff != 0])} unexplained"
    # end to end (the input differences propagate): still within 1 LSB on these rows
    assert np.abs(net.forward(q).astype(np.int64) - codes[-1]).max() <= 1


def test_imported_int8_net_survives_the_artifact(tmp_path):
    from sensorflow.stages.models.mlp import MLP

    imp = load(FIXTURES / "q_mlp_qdq.onnx")
    s = MLP()
    s.check_learned(imp.model.learned())
    s.load_learned(imp.model.learned())
    a, b = quantize(s), quantize(imp.model)
    X = held_out_rows()
    np.testing.assert_array_equal(a.forward(a.quantize_input(X)), b.forward(b.quantize_input(X)))


def test_host_c_equals_the_reference(tmp_path):
    """The generated C (ASan/UBSan) of the imported model: labels and scores of the int8 reference."""
    from sensorflow.pipeline import Pipeline
    from sensorflow.stages.models.int8 import scores
    from sensorflow.testing.ccompare import build

    yaml = tmp_path / "p.yaml"
    (tmp_path / "q.onnx").write_bytes((FIXTURES / "q_mlp_qdq.onnx").read_bytes())
    yaml.write_text(
        "name: qdq\nsensor: {kind: imu, sample_rate: 50, channels: [a]}\nwindow: {length: 64, hop: 64}\n"
        "stages:\n  - type: frames\n  - type: onnx\n    path: q.onnx\n"
    )
    p = Pipeline.from_yaml(yaml)
    X = held_out_rows()[:80].reshape(80, 64, 1)
    p.fit(X, np.zeros(80, int))
    net = quantize(p.stages[-1])
    h = build(p, tmp_path / "c", sanitize=True, numeric="int8")
    labels, sc, feats = h.infer(X)
    np.testing.assert_array_equal(labels, net.predict_index(feats))
    np.testing.assert_array_equal(sc, scores(net, net.forward(net.quantize_input(feats))))


def _edited(edit):
    m = onnx.load(str(FIXTURES / "q_mlp_qdq.onnx"))
    inits = {t.name: t for t in m.graph.initializer}
    edit(m, inits)
    return m


def _set(inits, name, arr):
    inits[name].CopyFrom(numpy_helper.from_array(np.asarray(arr), name))


def _uint8_weights(m, inits):
    w = numpy_helper.to_array(inits["fc0.weight_quantized"]).astype(np.int16) + 128
    _set(inits, "fc0.weight_quantized", w.astype(np.uint8))
    _set(inits, "fc0.weight_zero_point", np.uint8(128))


def _int16_activations(m, inits):
    _set(inits, "input_zero_point", np.int16(18))


def _weight_zero_point(m, inits):
    _set(inits, "fc1.weight_zero_point", np.int8(3))


def _per_input_channel(m, inits):
    _set(inits, "fc0.weight_scale", np.full(64, 0.0064, np.float32))
    next(n for n in m.graph.node if n.output[0] == "fc0.weight_DequantizeLinear_Output").attribute.append(
        onnx.helper.make_attribute("axis", 1)
    )


def _bias_scale(m, inits):
    _set(inits, "fc1.bias_quantized_scale", np.array([0.01], np.float32))


def _vector_activation_scale(m, inits):
    _set(inits, "relu0_scale", np.full(16, 0.08, np.float32))


@pytest.mark.parametrize(
    "edit, node, words",
    [
        (_uint8_weights, "/fc0/Gemm", "uint8 weights"),
        (_int16_activations, "input_QuantizeLinear", "int16 activations"),
        (_weight_zero_point, "/fc1/Gemm", "weight zero points"),
        (_per_input_channel, "/fc0/Gemm", "along the input axis"),
        (_bias_scale, "/fc1/Gemm", "bias scale"),
        (_vector_activation_scale, "relu0_QuantizeLinear", "activation scales"),
    ],
)
def test_unsupported_quantisation_is_a_one_line_error_naming_the_node(edit, node, words):
    with pytest.raises(ConfigError) as e:
        from_model(_edited(edit), source="m.onnx")
    msg = str(e.value)
    assert "\n" not in msg and node in msg and words in msg, msg


def test_quantised_convolution_is_refused_naming_the_node():
    from onnx import TensorProto, helper

    def c(name, v):
        return numpy_helper.from_array(np.asarray(v), name)

    nodes = [
        helper.make_node("QuantizeLinear", ["x", "s", "z"], ["xq"], name="q_in"),
        helper.make_node("QLinearConv", ["xq", "s", "z", "w", "s", "z", "s", "z"], ["yq"], name="conv_q"),
        helper.make_node("DequantizeLinear", ["yq", "s", "z"], ["y"], name="dq_out"),
    ]
    inits = [c("s", np.float32(0.1)), c("z", np.int8(0)), c("w", np.ones((2, 3, 3), np.int8))]
    g = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        inits,
    )
    with pytest.raises(ConfigError, match="conv_q.*QLinearConv.*quantised convolution"):
        from_model(helper.make_model(g), source="m.onnx")


def _matmul_add(tmp_path):
    """tf2onnx's Dense: MatMul + Add (random weights), as a float graph file."""
    from onnx import TensorProto, helper

    rng = np.random.default_rng(0)
    W = rng.standard_normal((64, 10)).astype(np.float32) * 0.1
    b = rng.standard_normal(10).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["input", "W"], ["mm"], name="dense/MatMul")]
    nodes.append(helper.make_node("Add", ["mm", "b"], ["logits"], name="dense/BiasAdd"))
    g = helper.make_graph(
        nodes,
        "keras",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["n", 64])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["n", 10])],
        [numpy_helper.from_array(W, "W"), numpy_helper.from_array(b, "b")],
    )
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.save(m, tmp_path / "f.onnx")
    return tmp_path / "f.onnx"


@pytest.mark.parametrize("fmt, node", [("qdq", "dense/BiasAdd"), ("qop", "QLinearAdd")])
def test_matmul_and_add_quantised_apart_say_to_preprocess(tmp_path, fmt, node):
    from qcases import mq

    X, _ = mq.digits()
    mq.quantised(onnx.load(str(_matmul_add(tmp_path))), X, fmt, False, tmp_path / "q.onnx")
    with pytest.raises(ConfigError, match=f"{node}.*quant_pre_process") as e:
        load(tmp_path / "q.onnx")
    assert "\n" not in str(e.value)


def test_preprocessed_matmul_add_imports_as_one_layer(tmp_path):
    from onnxruntime.quantization.shape_inference import quant_pre_process
    from qcases import mq

    X, _ = mq.digits()
    quant_pre_process(str(_matmul_add(tmp_path)), str(tmp_path / "pre.onnx"), skip_symbolic_shape=True)
    mq.quantised(onnx.load(str(tmp_path / "pre.onnx")), X, "qdq", False, tmp_path / "q.onnx")
    net = quantize(load(tmp_path / "q.onnx").model)
    Xt = held_out_rows()
    np.testing.assert_array_equal(
        net.predict_index(Xt), np.argmax(run_ort(onnx.load(str(tmp_path / "q.onnx")), Xt)[0], 1)
    )


@pytest.mark.parametrize("fmt", ["qdq", "qop"])
def test_uint8_activations_map_exactly(tmp_path, fmt):
    """quantize_static with activation_type=QUInt8: the codes are the int8 ones + 128."""
    from qcases import mq

    X, y = mq.digits()
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(max_iter=300).fit(X, y)
    mq.quantised(mq.float_graph([(lr.coef_.T, lr.intercept_)]), X, fmt, False, tmp_path / "q.onnx", "QUInt8")
    model = onnx.load(str(tmp_path / "q.onnx"))
    assert any(t.data_type == onnx.TensorProto.UINT8 for t in model.graph.initializer)
    net = quantize(load(tmp_path / "q.onnx").model)
    Xt = held_out_rows()
    ref = run_ort(model, Xt)[0]
    np.testing.assert_array_equal(net.predict_index(Xt), np.argmax(ref, axis=1))
    L = net.layers[-1]
    codes = np.round(ref / L.out_scale).astype(np.int64) + L.out_zp
    assert np.abs(net.forward(net.quantize_input(Xt)).astype(np.int64) - codes).max() <= 1
