"""``export --lang onnx`` of the regression stages (and the scaler before them): onnxruntime's
``value`` equals the stage's ``predict`` within 1e-5 relative (it computes in float32); the
k-NN regressor has no ONNX form and says so."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from sensorflow.errors import CodegenError
from sensorflow.testing.codegen_checks import make_pipeline, synthetic

ort = pytest.importorskip("onnxruntime")

MODELS = [
    {"type": "linear"},
    {"type": "ridge", "alpha": 2.0},
    {"type": "mlp_regressor", "hidden_layer_sizes": [6], "activation": "tanh", "max_iter": 300},
    {"type": "decision_tree_regressor", "max_depth": 5},
    {"type": "random_forest_regressor", "n_estimators": 6, "max_depth": 5},
    {"type": "extra_trees_regressor", "n_estimators": 6},
    {"type": "svr", "C": 20.0},
    {"type": "svr", "kernel": "poly", "degree": 2, "coef0": 1.0},
]


def _fitted(model):
    X, labels = synthetic(60, 64, 3, 3, seed=3)
    y = 100.0 + 25.0 * np.array([int(v[1:]) for v in labels]) + np.random.default_rng(0).standard_normal(60)
    pipe = make_pipeline([{"type": "stats", "functions": ["mean", "std", "rms"]}, {"type": "scaler"}, model])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pipe.fit(X, y), X


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m["type"] + ("-" + m["kernel"] if "kernel" in m else ""))
def test_onnxruntime_gives_the_stage_values(model, tmp_path):
    from sensorflow.interop.onnx_export import export

    pipe, X = _fitted(model)
    report = export(pipe, tmp_path)
    assert report["outside"] == ["stats"] and report["inside"] == ["scaler", model["type"]]
    sess = ort.InferenceSession(report["file"], providers=["CPUExecutionProvider"])
    F = pipe.stages[0].transform(X).astype(np.float32)  # the stats the graph's scaler receives
    (value,) = sess.run(["value"], {"features": F})
    want = pipe.predict(X)
    assert value.shape == (len(X), 1)
    np.testing.assert_allclose(value[:, 0], want, rtol=1e-5, atol=1e-5 * np.abs(want).max())


def test_knn_regressor_has_no_onnx_form(tmp_path):
    from sensorflow.interop.onnx_export import export

    pipe, _ = _fitted({"type": "knn_regressor"})
    with pytest.raises(CodegenError, match="'knn_regressor' has no ONNX export"):
        export(pipe, tmp_path)
