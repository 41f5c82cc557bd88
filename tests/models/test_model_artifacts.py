"""Every model (and the post stages) survives artifact save/load as JSON + .npy: identical
probabilities, labels and events after loading, no pickle."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sensorflow import artifact
from sensorflow.datasets import Dataset
from sensorflow.pipeline import Pipeline
from sensorflow.training import train

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

BASE = """
name: rt
sensor: {{kind: vibration, sample_rate: 1000, channels: [x, y]}}
window: {{length: 64, hop: 32}}
stages:
  - type: stats
    functions: [mean, std, rms, ptp]
  - type: scaler
  - {model}
{post}
"""

MODELS = [
    "{type: decision_tree, max_depth: 5}",
    "{type: random_forest, n_estimators: 7}",
    "{type: extra_trees, n_estimators: 7}",
    "{type: knn, n_neighbors: 3, weights: distance}",
    "{type: gaussian_nb}",
    "{type: logistic}",
    "{type: mlp, hidden_layer_sizes: [8, 4], max_iter: 800, learning_rate_init: 0.01}",
    "{type: gaussian_anomaly, normal_class: healthy}",
    "{type: knn_anomaly, normal_class: healthy, n_neighbors: 3}",
]


def _data(rng):
    sig, lab, grp = [], [], []
    for i in range(36):
        label = ["healthy", "fault_a", "fault_b"][i % 3]
        amp = {"healthy": 0.2, "fault_a": 1.0, "fault_b": 3.0}[label]
        sig.append((rng.standard_normal((256, 2)) * amp + (i % 3)).astype(np.float32))
        lab.append(label)
        grp.append(f"machine{i % 6}")
    return Dataset(sig, lab, grp, 1000.0, ["x", "y"], [f"r{i}" for i in range(36)])


@pytest.mark.parametrize("model", MODELS)
def test_artifact_round_trip(model, tmp_path, rng):
    post = "  - {type: smooth, windows: 3}\n  - {type: threshold, threshold: 0.6}\n  - {type: refractory, windows: 2}"
    pipe = Pipeline.from_string(BASE.format(model=model, post=post))
    ds = _data(rng)
    res = train(pipe, ds, out_dir=tmp_path / "art", progress=False)
    assert res.metrics["accuracy"] >= 0.8
    loaded, meta = artifact.load(tmp_path / "art")
    X = artifact.load_array(tmp_path / "art", "test_windows")
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), pipe.predict(X))
    signal = np.concatenate(ds.signals[:6])
    a = [r["post"] for r in pipe.stream([signal])]
    b = [r["post"] for r in loaded.stream([signal[i : i + 50] for i in range(0, len(signal), 50)])]
    np.testing.assert_array_equal(np.array(a), np.array(b))
    assert not list((tmp_path / "art").glob("*.pkl"))
    stages = json.loads((tmp_path / "art" / "stages.json").read_text())
    assert stages[2]["values"]["classes_"] == loaded.classes_.tolist()
