"""Helpers of the MicroPython tests: skip (or fail under CI) without the interpreter, build
small fitted pipelines, export them and run them on the real interpreter.

Tolerances: the WebAssembly MicroPython computes in double precision (an ESP32 port in
float32). The generated module keeps every feature and score in ``array('f')``, so values
are rounded to float32 where the host's float32 reference rounds them; the remaining
difference is summation order and float32 rounding of intermediate results, covered by
FEATURE_RTOL / atol relative to the feature scale. Labels must agree exactly.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import yaml

from sensorflow.codegen.micropython import export
from sensorflow.mpy import available
from sensorflow.mpy.compare import ModuleRun, export_files, run_module
from sensorflow.pipeline import Pipeline

# stages whose C and MicroPython emitters wait for the code generator rewrite (issue 25 item 2):
# the emitter checks skip them until then
EMITTERS_PENDING = frozenset({"minirocket", "ridge_classifier"})
FEATURE_RTOL = 1e-4
FEATURE_ATOL = 1e-5  # times max(1, max |feature|)
SCORE_ATOL = 1e-4


def need_micropython() -> None:
    reason = available()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def make_pipeline(
    stages: list[dict],
    *,
    channels: int = 3,
    length: int = 64,
    sample_rate: float = 100.0,
    hop: int | None = None,
    prefix: str = "c",
) -> Pipeline:
    cfg = {
        "name": "mptest",
        "sensor": {
            "kind": "generic",
            "sample_rate": sample_rate,
            "channels": [f"{prefix}{i}" for i in range(channels)],
        },
        "window": {"length": length, **({"hop": hop} if hop else {})},
        "stages": stages,
    }
    return Pipeline.from_string(yaml.safe_dump(cfg, sort_keys=False), source="<mptest>")


def synthetic(n: int, length: int, channels: int, n_classes: int, seed: int = 0, sample_rate: float = 100.0):
    """Windows whose class sets tone frequency, amplitude and offset, plus noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    t = np.arange(length) / sample_rate
    X = np.empty((n, length, channels), dtype=np.float32)
    for i in range(n):
        for c in range(channels):
            f = 3.0 + 4.0 * y[i] + c + rng.uniform(-0.5, 0.5)
            X[i, :, c] = (1 + 0.3 * y[i]) * np.sin(2 * np.pi * f * t + rng.uniform(0, 6)) + 0.2 * y[i] * (c - 1)
        X[i] += 0.3 * rng.standard_normal((length, channels))
    return X.astype(np.float32), np.array([f"k{v}" for v in y])


def export_and_run(
    pipe: Pipeline, X: np.ndarray, out: Path, *, stream_chunks=None, stream_signal=None, use_mpy: bool = False
) -> tuple[ModuleRun, dict]:
    report = export(pipe, {"content_hash": "0123456789abcdef" * 4}, None, out, mpy=use_mpy)
    files = export_files(out, use_mpy=use_mpy)
    run = run_module(
        files,
        X,
        n_features=report["n_features"],
        n_classes=report["n_classes"],
        stream_chunks=stream_chunks,
        stream_signal=stream_signal,
    )
    return run, report


def assert_agrees(pipe: Pipeline, X: np.ndarray, run: ModuleRun) -> dict:
    """Labels exactly, features and scores within tolerance; returns the measured errors."""
    host_feat = np.asarray(pipe.transform(X), dtype=np.float64)
    host_scores = np.asarray(pipe.predict_proba(X), dtype=np.float64)
    host_labels = np.argmax(host_scores, axis=1)
    scale = max(1.0, float(np.max(np.abs(host_feat))))
    np.testing.assert_allclose(
        run.features,
        host_feat,
        rtol=FEATURE_RTOL,
        atol=FEATURE_ATOL * scale,
        err_msg="MicroPython features differ from the host reference",
    )
    np.testing.assert_allclose(
        run.scores, host_scores, rtol=0, atol=SCORE_ATOL, err_msg="MicroPython scores differ from the host reference"
    )
    bad = np.flatnonzero(run.labels != host_labels)
    assert len(bad) == 0, f"labels differ on windows {bad.tolist()}: board {run.labels[bad]}, host {host_labels[bad]}"
    return {
        "n": len(X),
        "max_rel_feature_error": float(np.max(np.abs(run.features - host_feat) / np.maximum(np.abs(host_feat), 1e-12)))
        if host_feat.size
        else 0.0,
        "max_abs_score_error": float(np.max(np.abs(run.scores - host_scores))),
    }
