"""How a float32 MicroPython port (ESP32) would compute the exported modules: the generated
code run under CPython with float32 buffers and arithmetic (f32sim.py). The WebAssembly
interpreter computes in double, so these tests hold the float32 rounding to a tolerance:
features within rtol 1e-3 (atol 1e-4 of the feature scale; 1e-2 dB for log-mel/MFCC where
float32 FFTs of bands far below the peak differ most), labels exact."""

from __future__ import annotations

import f32sim
import numpy as np
import pytest
import test_spectral_on_interpreter as spectral
import test_stages_on_interpreter as stages
from conftest import REPO
from mphelp import make_pipeline, synthetic

from sensorflow import artifact
from sensorflow.cli import main
from sensorflow.codegen.micropython import export

pytestmark = pytest.mark.slow

F32_RTOL = 1e-3
F32_ATOL = 1e-4  # times max(1, max |feature|)


def _check(pipe, X, out, atol_scale=F32_ATOL):
    labels, feats, scores = f32sim.run(out, X)
    host = np.asarray(pipe.transform(X), dtype=np.float64)
    proba = np.asarray(pipe.predict_proba(X), dtype=np.float64)
    scale = max(1.0, float(np.abs(host).max()))
    np.testing.assert_allclose(feats, host, rtol=F32_RTOL, atol=atol_scale * scale)
    np.testing.assert_array_equal(labels, np.argmax(proba, axis=1))
    np.testing.assert_allclose(scores, proba, atol=1e-3)
    return float(np.max(np.abs(feats - host)) / scale)


@pytest.mark.parametrize("name", list(stages.CASES) + list(spectral.CASES))
def test_chains_in_float32(name, tmp_path):
    case = {**stages.CASES, **spectral.CASES}[name]
    n_classes = 2 if "logistic" in name and name in stages.CASES else 3
    extra = [] if name in stages.CASES else [{"type": "scaler"}, {"type": "logistic"}]
    pipe = make_pipeline(case + extra)
    X, y = synthetic(60, 64, 3, n_classes, seed=len(name))
    pipe.fit(X[:40], y[:40])
    export(pipe, {}, None, tmp_path, mpy=False)
    print(name, "max abs feature error / scale", _check(pipe, X, tmp_path))


@pytest.mark.parametrize("name", list(spectral.AUDIO))
def test_audio_in_float32(name, tmp_path):
    pipe = make_pipeline(
        [spectral.AUDIO[name], {"type": "scaler"}, {"type": "gaussian_nb"}], channels=1, length=800, sample_rate=8000.0
    )
    rng = np.random.default_rng(1)
    t = np.arange(800) / 8000.0
    y = np.arange(24) % 3
    X = np.stack(
        [0.5 * np.sin(2 * np.pi * (300 + 400 * c) * t + rng.uniform(0, 6)) + 0.05 * rng.standard_normal(800) for c in y]
    )[:, :, None].astype(np.float32)
    pipe.fit(X, np.array([f"v{c}" for c in y]))
    export(pipe, {}, None, tmp_path, mpy=False)
    print(name, _check(pipe, X[:8], tmp_path, atol_scale=1e-4))


@pytest.mark.slow
def test_gesture_in_float32(tmp_path):
    art = tmp_path / "artifact"
    assert main(["train", str(REPO / "pipelines" / "gesture.yaml"), "--out", str(art)]) == 0
    pipe, meta = artifact.load(art)
    export(pipe, meta, None, tmp_path / "out", mpy=False)
    X = np.load(art / "test_windows.npy")
    err = _check(pipe, X, tmp_path / "out")
    print("gesture float32: 40/40 labels, max abs feature error / scale", err)
