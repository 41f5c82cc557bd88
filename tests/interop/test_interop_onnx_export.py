"""ONNX export: onnxruntime runs the exported graph with the pipeline's outputs (labels exactly,
probabilities within 1e-5), and importing it back gives the same stage answers (round trip)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from onnxcases import run_ort
from test_interop_onnx_import import FIXTURES

from sensorflow import artifact
from sensorflow.cli import main
from sensorflow.interop.onnx_export import to_onnx
from sensorflow.interop.onnx_import import from_model, load
from sensorflow.pipeline import Pipeline, run_steps

MODELS = [
    {"type": "decision_tree", "max_depth": 6},
    {"type": "random_forest", "n_estimators": 5},
    {"type": "extra_trees", "n_estimators": 4},
    {"type": "logistic"},
    {"type": "mlp", "hidden_layer_sizes": [8, 4], "activation": "tanh", "max_iter": 300},
    {"type": "mlp", "hidden_layer_sizes": [6], "activation": "logistic", "max_iter": 300},
]
SCALERS = {
    "none": [],
    "standard": [{"type": "scaler"}],
    "minmax": [{"type": "scaler", "method": "minmax", "clip": True}],
}


def fitted_pipeline(model, scaler, n_classes, labels=None):
    rng = np.random.default_rng(n_classes)
    y = np.arange(150) % n_classes
    W = (rng.standard_normal((150, 64, 2)) * (1 + 0.5 * y[:, None, None]) + 0.3 * y[:, None, None]).astype(np.float32)
    cfg = {
        "name": "exp",
        "sensor": {"kind": "generic", "sample_rate": 100.0, "channels": ["a", "b"]},
        "window": {"length": 64},
        "stages": [{"type": "stats", "functions": ["mean", "std", "rms"]}, *SCALERS[scaler], model],
    }
    y = np.asarray(labels)[y] if labels is not None else y
    return Pipeline.from_string(yaml.safe_dump(cfg)).fit(W[:100], y[:100]), W[100:]


def trained_windows(pipe):
    """The windows ``fitted_pipeline`` trained ``pipe`` on (same seed)."""
    n_classes = len(pipe.classes_)
    rng = np.random.default_rng(n_classes)
    y = np.arange(150) % n_classes
    W = (rng.standard_normal((150, 64, 2)) * (1 + 0.5 * y[:, None, None]) + 0.3 * y[:, None, None]).astype(np.float32)
    return W[:100]


def check(pipe, W):
    model, outside = to_onnx(pipe)
    assert outside == ["stats"]
    F = run_steps(pipe.steps[:1], W)
    label, proba = run_ort(model, F)
    np.testing.assert_array_equal(label, pipe.predict(W))
    np.testing.assert_allclose(proba, pipe.predict_proba(W), rtol=0, atol=1e-5)
    back = from_model(model)  # round trip
    Z = F
    for s in back.pre:
        Z = s.transform(Z)
    np.testing.assert_array_equal(back.model.predict(Z), pipe.predict(W))
    np.testing.assert_allclose(back.model.predict_proba(Z), pipe.predict_proba(W), rtol=0, atol=1e-6)
    return back


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("scaler", list(SCALERS))
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m["type"] + "-" + m.get("activation", ""))
def test_export_runs_in_onnxruntime_and_round_trips(model, scaler, n_classes):
    pipe, W = fitted_pipeline(model, scaler, n_classes)
    back = check(pipe, W)
    assert [s.name for s in back.pre] == [s["type"] for s in SCALERS[scaler]]


@pytest.mark.parametrize("n_classes", [2, 3])
def test_gaussian_nb_export(n_classes):
    pipe, W = fitted_pipeline({"type": "gaussian_nb"}, "standard", n_classes)
    model, _ = to_onnx(pipe)
    label, proba = run_ort(model, run_steps(pipe.steps[:1], W))
    np.testing.assert_array_equal(label, pipe.predict(W))
    np.testing.assert_allclose(proba, pipe.predict_proba(W), rtol=0, atol=1e-5)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"n_neighbors": 3, "weights": "distance", "metric": "manhattan"},
        {"n_neighbors": 4, "metric": "chebyshev"},
        {"n_neighbors": 5, "weights": "distance", "metric": "minkowski", "p": 3.0},
    ],
)
def test_knn_export(params):
    pipe, W = fitted_pipeline({"type": "knn", **params}, "standard", 3)
    model, _ = to_onnx(pipe)
    W = np.concatenate([W, trained_windows(pipe)[:10]])  # training windows: distance 0 to a neighbour
    F = run_steps(pipe.steps[:1], W)
    label, proba = run_ort(model, F)
    np.testing.assert_array_equal(label, pipe.predict(W))
    np.testing.assert_allclose(proba, pipe.predict_proba(W), rtol=0, atol=1e-5)


def test_string_labels():
    pipe, W = fitted_pipeline({"type": "random_forest", "n_estimators": 3}, "none", 3, labels=["idle", "run", "walk"])
    back = check(pipe, W)
    assert back.model.classes_ == ["idle", "run", "walk"]


@pytest.mark.parametrize(
    "name", ["pattern_torch_conv1d", "pattern_tf2onnx_conv1d", "torch_conv1d", "keras_conv1d", "keras_tf_conv1d"]
)
def test_conv1d_round_trip(name):
    imported = load(FIXTURES / f"{name}.onnx")
    stage = imported.model
    model, _ = to_onnx(stage)
    X = np.random.default_rng(2).standard_normal((50, imported.n_features)).astype(np.float32)
    label, proba = run_ort(model, X)
    np.testing.assert_array_equal(label, stage.predict(X))
    np.testing.assert_allclose(proba, stage.predict_proba(X), rtol=0, atol=1e-5)
    again = from_model(model).model
    assert again.name == "conv1d"
    np.testing.assert_allclose(again.predict_proba(X), stage.predict_proba(X), rtol=0, atol=1e-6)


def test_export_command(tmp_path, capsys):
    pipe, W = fitted_pipeline({"type": "logistic"}, "standard", 3)
    art = artifact.save(pipe, tmp_path / "art")
    rc = main(["export", str(art), "--lang", "onnx", "--out", str(tmp_path / "o"), "--json"])
    result = json.loads(capsys.readouterr().out)
    assert rc == 0, result
    assert result["inside"] == ["scaler", "logistic"] and result["outside"] == ["stats"]
    assert "stats stay outside the graph" in result["note"]
    import onnx

    label, _ = run_ort(onnx.load(result["file"]), run_steps(pipe.steps[:1], W))
    np.testing.assert_array_equal(label, pipe.predict(W))
    anomaly, _ = fitted_pipeline({"type": "gaussian_anomaly"}, "none", 2, labels=["normal", "fault"])
    art2 = artifact.save(anomaly, tmp_path / "anomaly")
    assert main(["export", str(art2), "--lang", "onnx", "--out", str(tmp_path / "k")]) != 0
    err = capsys.readouterr().err
    assert "model stage 'gaussian_anomaly' has no ONNX export; exportable:" in err
    assert main(["export", str(art), "--out", str(tmp_path / "c")]) == 2
    assert "--board is required" in capsys.readouterr().err
