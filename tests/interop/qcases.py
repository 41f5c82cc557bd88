"""Quantised ONNX graphs for the tests: the committed fixtures (``scripts/make_quantised_onnx_fixtures.py``)
and the same recipe (float Gemm graph -> onnxruntime ``quantize_static``) on an import case's
features, run at test time."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import onnx

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
import make_quantised_onnx_fixtures as mq  # noqa: E402

FIXTURES = REPO / "tests" / "fixtures" / "onnx"
NAMES = ("q_mlp_qdq", "q_mlp_qop", "q_mlp_qdq_pc", "q_logistic_qdq")
digits = mq.digits


def held_out_rows() -> np.ndarray:
    """The digits rows the fixtures were not calibrated on (the last third)."""
    from sklearn.datasets import load_digits

    X, _ = load_digits(return_X_y=True)
    X = ((X - X.mean(0)) / (X.std(0) + 1e-3)).astype(np.float32)
    return X[len(X) * 2 // 3 :]


def quantised_mlp(X, y, path: Path, fmt: str = "qdq", hidden=(12,)) -> Path:
    """A scikit-learn MLP on ``X`` as a torch-style Gemm graph, quantised on ``X``."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = MLPClassifier(hidden_layer_sizes=hidden, max_iter=600, random_state=0).fit(X, y)
    mq.quantised(mq.float_graph(list(zip(est.coefs_, est.intercepts_))), np.asarray(X, np.float32), fmt, False, path)
    return path


def with_outputs(model: onnx.ModelProto, names) -> onnx.ModelProto:
    """The graph with intermediate tensors ``names`` added as outputs (int8 codes)."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for name in names:
        m.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.INT8, None))
    return m
