"""Imported models through the existing exports, with onnxruntime as the oracle: the generated C
(host cc, strict flags) and the generated MicroPython (the real interpreter) give onnxruntime's
labels on the features they computed themselves, and its probabilities within 1e-5."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
import yaml
from onnxcases import fitted, run_ort, to_onnx
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from test_interop_onnx_import import FIXTURES, PIPE, _softmax, features, windows

from sensorflow.interop.onnx_import import load
from sensorflow.pipeline import Pipeline

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "micropython"))

pytestmark = pytest.mark.slow

MODELS = {
    "forest": lambda: RandomForestClassifier(6, max_depth=6, random_state=0),
    "linear_svc": lambda: LinearSVC(),
    "scaler+logistic": lambda: make_pipeline(StandardScaler(), LogisticRegression()),
    "mlp": lambda: make_pipeline(StandardScaler(), MLPClassifier((10,), max_iter=600, random_state=0)),
}
PROBA_ATOL = 1e-5


def imported_pipeline(tmp_path, kind):
    """(pipeline with the ONNX model on stats features, the ONNX model, windows, has probabilities)."""
    W, y = windows(150)
    F = features(W)
    est = fitted(MODELS[kind](), F[:100], y[:100])
    model = to_onnx(est, F)
    (tmp_path / "model.onnx").write_bytes(model.SerializeToString())
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(PIPE))
    pipe = Pipeline.from_yaml(tmp_path / "p.yaml").fit(W[:100], y[:100])
    return pipe, model, W[100:], hasattr(est, "predict_proba")


def _assert_labels_equal_but_ties(labels, ort_labels, ort_scores, classes, rel: float = 1e-5):
    """Labels equal onnxruntime's on every window whose best score leads the second by more than
    float32 summation-order noise (``rel`` of the score scale); on such a near tie (a different
    training thread count can put a window there) either of the two leading classes is an answer."""
    labels, ort_labels = np.asarray(labels), np.asarray(ort_labels)
    s = np.asarray(ort_scores, dtype=np.float64).reshape(len(ort_labels), -1)
    if s.shape[1] == 1:  # one decision value for two classes
        s = np.hstack([-s, s])
    top = np.sort(s, axis=1)
    tie = (top[:, -1] - top[:, -2]) <= rel * np.maximum(1.0, np.abs(top[:, -1]))
    np.testing.assert_array_equal(labels[~tie], ort_labels[~tie])
    lead2 = np.argsort(s, axis=1)[:, -2:]
    for i in np.flatnonzero(tie):
        assert labels[i] in np.asarray(classes)[lead2[i]], (i, labels[i], s[i])


def check_against_ort(pipe, model, W, feats, labels, scores, has_proba):
    """``feats``: the features the export computed (the model's input); after a scaler stage they
    are scaled, and onnxruntime gets the host's unscaled features instead."""
    if "scaler" in [s.name for s in pipe.stages]:
        feats = features(W)
    ort_labels, ort_scores = run_ort(model, feats)[:2]
    _assert_labels_equal_but_ties(labels, ort_labels, ort_scores, pipe.classes_)
    if has_proba:
        np.testing.assert_allclose(scores, ort_scores, rtol=0, atol=PROBA_ATOL)


@pytest.mark.parametrize("kind", list(MODELS))
def test_c_export_gives_onnxruntime_answers(tmp_path, kind):
    from conftest import need_tools

    from sensorflow.testing import ccompare

    need_tools("cc")
    pipe, model, W, has_proba = imported_pipeline(tmp_path, kind)
    harness = ccompare.build(pipe, tmp_path / "c")
    labels, scores, feats = harness.infer(W)
    check_against_ort(pipe, model, W, feats, pipe.classes_[labels], scores, has_proba)
    np.testing.assert_array_equal(pipe.classes_[labels], pipe.predict(W))


@pytest.mark.parametrize(
    "name", ["pattern_torch_conv1d", "pattern_tf2onnx_conv1d", "pattern_torch_mlp", "pattern_tf2onnx_mlp"]
)
def test_network_fixture_stage_in_c(tmp_path, name):
    from conftest import need_tools

    from sensorflow.testing import ccompare

    need_tools("cc")
    imported = load(FIXTURES / f"{name}.onnx")
    rng = np.random.default_rng(7)
    if "conv" in name:
        frames = rng.standard_normal((60, 16, 4)).astype(np.float32)
        feed = frames.transpose(0, 2, 1) if "torch" in name else frames
        X = frames.reshape(60, -1)
    else:
        X = feed = rng.standard_normal((60, 6)).astype(np.float32)
    out = run_ort(onnx.load(str(FIXTURES / f"{name}.onnx")), feed)[0].astype(np.float64)
    labels, scores = ccompare.run_stage(imported.model, X, tmp_path)
    np.testing.assert_array_equal(labels, np.argmax(out, axis=1))
    np.testing.assert_allclose(scores, _softmax(out) if "torch" in name else out, rtol=0, atol=PROBA_ATOL)


@pytest.mark.emulator
@pytest.mark.parametrize("kind", list(MODELS))
def test_micropython_export_gives_onnxruntime_answers(tmp_path, kind):
    from mphelp import export_and_run, need_micropython

    need_micropython()
    pipe, model, W, has_proba = imported_pipeline(tmp_path, kind)
    run, _ = export_and_run(pipe, W, tmp_path / "mp")
    check_against_ort(pipe, model, W, run.features.astype(np.float32), pipe.classes_[run.labels], run.scores, has_proba)
