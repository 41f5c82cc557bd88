"""Write the quantised ONNX fixtures under tests/fixtures/onnx/ (run from the repository root:
``python scripts/make_quantised_onnx_fixtures.py``; needs scikit-learn, onnx and onnxruntime).

A float network is fitted with scikit-learn on the standardised digits (the first two thirds of
``sklearn.datasets.load_digits``, as ``tests/models/int8_cases.py`` splits them), written with
``onnx.helper`` in the form ``torch.onnx.export`` gives ``nn.Linear`` / ``nn.ReLU``
(``Gemm(transB=1)`` + ``Relu``, logits out), then quantised by
``onnxruntime.quantization.quantize_static`` on those training rows (MinMax calibration,
activations and weights int8, per-tensor weights unless named ``_pc``):

* ``q_mlp_qdq.onnx``: 64 -> 16 relu -> 10, QDQ format (QuantizeLinear/DequantizeLinear around
  each Gemm);
* ``q_mlp_qop.onnx``: the same network in QOperator format (QLinearMatMul / QGemm...);
* ``q_mlp_qdq_pc.onnx``: QDQ with per-channel weight scales;
* ``q_logistic_qdq.onnx``: one Gemm (64 -> 10), QDQ.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "onnx"


def digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = ((X - X.mean(0)) / (X.std(0) + 1e-3)).astype(np.float32)
    n = len(X) * 2 // 3
    return X[:n], y[:n]


def float_graph(layers) -> onnx.ModelProto:
    """``Gemm(transB=1)`` per layer (W stored (out, in) as nn.Linear), Relu between, logits out."""
    d = layers[0][0].shape[0]
    nodes, inits, x = [], [], "input"
    for i, (W, b) in enumerate(layers):
        inits += [
            numpy_helper.from_array(np.asarray(W.T, np.float32), f"fc{i}.weight"),
            numpy_helper.from_array(np.asarray(b, np.float32), f"fc{i}.bias"),
        ]
        y = f"gemm{i}"
        nodes.append(helper.make_node("Gemm", [x, f"fc{i}.weight", f"fc{i}.bias"], [y], name=f"/fc{i}/Gemm", transB=1))
        x = y
        if i < len(layers) - 1:
            nodes.append(helper.make_node("Relu", [x], [f"relu{i}"], name=f"/relu{i}/Relu"))
            x = f"relu{i}"
    nodes[-1].output[0] = "logits"
    inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", d])
    out = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", layers[-1][0].shape[1]])
    m = helper.make_model(
        helper.make_graph(nodes, "torch_jit", [inp], [out], inits),
        opset_imports=[helper.make_opsetid("", 17)],
        producer_name="pytorch-style",
    )
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


class Rows:
    """``CalibrationDataReader`` over the training rows, 64 at a time."""

    def __init__(self, X):
        self.batches = iter([{"input": X[i : i + 64]} for i in range(0, len(X), 64)])

    def get_next(self):
        return next(self.batches, None)


def quantised(model, X, fmt: str, per_channel: bool, path: Path, activations: str = "QInt8") -> None:
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    CalibrationDataReader.register(Rows)
    src = path.with_suffix(".float.onnx")
    onnx.save(model, src)
    try:
        quantize_static(
            str(src),
            str(path),
            Rows(X),
            quant_format=QuantFormat.QDQ if fmt == "qdq" else QuantFormat.QOperator,
            activation_type=getattr(QuantType, activations),
            weight_type=QuantType.QInt8,
            per_channel=per_channel,
        )
    finally:
        src.unlink()
    print(path, [n.op_type for n in onnx.load(str(path)).graph.node])


def main() -> None:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    X, y = digits()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=0).fit(X, y)
        lr = LogisticRegression(max_iter=500).fit(X, y)
    net = float_graph(list(zip(mlp.coefs_, mlp.intercepts_)))
    lin = float_graph([(lr.coef_.T, lr.intercept_)])
    OUT.mkdir(parents=True, exist_ok=True)
    quantised(net, X, "qdq", False, OUT / "q_mlp_qdq.onnx")
    quantised(net, X, "qop", False, OUT / "q_mlp_qop.onnx")
    quantised(net, X, "qdq", True, OUT / "q_mlp_qdq_pc.onnx")
    quantised(lin, X, "qdq", False, OUT / "q_logistic_qdq.onnx")


if __name__ == "__main__":
    main()
