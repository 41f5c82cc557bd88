"""Emitted MicroPython == numpy reference, stage by stage, on the real MicroPython
interpreter (WebAssembly port under Node.js). Each case is a small fitted pipeline whose
windows run in one interpreter start; features and scores within tolerance (see
mphelp.py), labels exactly."""

from __future__ import annotations

import numpy as np
import pytest
from mphelp import assert_agrees, export_and_run, make_pipeline, need_micropython, synthetic

from sensorflow.stages.stats import FUNCTIONS

pytestmark = pytest.mark.emulator

CASES = {
    "stats_all+decision_tree": [
        {"type": "stats", "functions": list(FUNCTIONS)},
        {"type": "decision_tree", "max_depth": 5},
    ],
    "preprocess+scaler+knn": [
        {"type": "scale", "gain": [2.0, 0.5, 1.0], "offset": [0.1, -0.2, 0.0]},
        {"type": "dc_remove"},
        {"type": "pre_emphasis", "coef": 0.95, "initial": "repeat"},
        {"type": "magnitude", "channels": ["c0", "c1"]},
        {"type": "stats", "functions": ["mean", "std", "rms", "skew", "kurtosis", "zero_crossing_rate"]},
        {"type": "scaler"},
        {"type": "knn", "n_neighbors": 3, "weights": "distance", "metric": "manhattan"},
    ],
    "butter+magnitude_replace+minmax+logistic": [
        {"type": "butter", "order": 3, "cutoff": [2.0, 20.0], "btype": "bandpass", "zi": "steady"},
        {"type": "butter", "order": 2, "cutoff": 30.0},
        {"type": "magnitude", "mode": "replace", "output_channel": "norm"},
        {"type": "stats", "functions": ["rms", "ptp", "crest_factor", "energy", "abs_mean"]},
        {"type": "scaler", "method": "minmax", "feature_range": [-1.0, 1.0], "clip": True},
        {"type": "logistic"},
    ],
    "stats+gaussian_nb": [
        {"type": "stats", "functions": ["mean", "var", "min", "max"]},
        {"type": "gaussian_nb"},
    ],
    "stats+scaler+mlp": [
        {"type": "stats", "functions": ["mean", "std", "ptp", "rms"]},
        {"type": "scaler"},
        {"type": "mlp", "hidden_layer_sizes": [8, 6], "activation": "tanh", "max_iter": 300},
    ],
    "stats+random_forest": [
        {"type": "stats", "functions": ["mean", "std", "ptp", "rms", "abs_mean", "zero_crossing_rate"]},
        {"type": "random_forest", "n_estimators": 8, "max_depth": 6},
    ],
    "stats+extra_trees": [
        {"type": "stats", "functions": ["std", "skew", "kurtosis"]},
        {"type": "extra_trees", "n_estimators": 6},
    ],
}


@pytest.mark.parametrize("name", list(CASES))
def test_stage_chain_matches_reference(name, tmp_path):
    need_micropython()
    n_classes = 2 if "logistic" in name else 3
    pipe = make_pipeline(CASES[name])
    X, y = synthetic(60, 64, 3, n_classes, seed=len(name))
    pipe.fit(X[:40], y[:40])
    run, report = export_and_run(pipe, X, tmp_path)
    errors = assert_agrees(pipe, X, run)
    assert report["n_features"] == pipe.feature_spec.size
    print(name, errors)


@pytest.mark.parametrize("kind", ["mlp_binary_relu", "logistic_multiclass"])
def test_output_layers(kind, tmp_path):
    need_micropython()
    model = (
        {"type": "mlp", "hidden_layer_sizes": [5], "activation": "relu", "max_iter": 300}
        if kind == "mlp_binary_relu"
        else {"type": "logistic"}
    )
    n_classes = 2 if kind == "mlp_binary_relu" else 4
    pipe = make_pipeline([{"type": "stats", "functions": ["mean", "std", "rms"]}, {"type": "scaler"}, model])
    X, y = synthetic(48, 64, 3, n_classes, seed=5)
    pipe.fit(X, y)
    run, _ = export_and_run(pipe, X, tmp_path)
    assert_agrees(pipe, X, run)


@pytest.mark.parametrize("model", ["gaussian_anomaly", "knn_anomaly"])
def test_anomaly_models(model, tmp_path):
    need_micropython()
    params = {"type": model, "normal_class": "k0"}
    if model == "knn_anomaly":
        params["n_neighbors"] = 3
    pipe = make_pipeline([{"type": "stats", "functions": ["mean", "std", "rms"]}, params])
    X, y = synthetic(60, 64, 3, 3, seed=11)
    pipe.fit(X, y)
    run, _ = export_and_run(pipe, X, tmp_path)
    assert_agrees(pipe, X, run)


def test_push_and_post_stages_match_host_stream(tmp_path):
    """Overlapping windows streamed through push() in odd chunk sizes: labels and the
    smooth -> threshold -> refractory output equal the host's Pipeline.stream."""
    need_micropython()
    pipe = make_pipeline(
        [
            {"type": "stats", "functions": ["mean", "std", "ptp"]},
            {"type": "random_forest", "n_estimators": 5, "max_depth": 4},
            {"type": "smooth", "windows": 3},
            {"type": "threshold", "threshold": 0.5},
            {"type": "refractory", "windows": 2},
        ],
        hop=24,
    )
    X, y = synthetic(60, 64, 3, 3, seed=3)
    pipe.fit(X, y)
    rng = np.random.default_rng(0)
    signal = np.concatenate([X[i] for i in rng.permutation(60)[:12]])  # label changes along the stream
    windows = pipe.frame(signal)
    host = list(pipe.stream([signal[i : i + 37] for i in range(0, len(signal), 37)]))
    run, _ = export_and_run(pipe, windows, tmp_path, stream_chunks=(5, 1, 97, 300), stream_signal=signal)
    assert_agrees(pipe, windows, run)
    host_labels = np.array([int(np.argmax(r["scores"])) for r in host])
    host_post = np.array([r["post"] for r in host], dtype=np.float64)
    np.testing.assert_array_equal(run.stream_labels, host_labels)
    np.testing.assert_allclose(run.stream_post, host_post, atol=1e-4)
    assert host_post.max() > 0, "the test stream should produce events"
