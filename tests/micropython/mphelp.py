"""Helpers of the MicroPython tests: skip (or fail under CI) without the interpreter, build
small fitted pipelines, export them and run them on the real interpreter.

Tolerances: the WebAssembly MicroPython computes in double precision (an ESP32 port in
float32). The generated module keeps every feature and score in ``array('f')``, so values
are rounded to float32 where the host's float32 reference rounds them; the remaining
difference is summation order and float32 rounding of intermediate results, covered by
FEATURE_RTOL / atol relative to the feature scale. Labels must agree exactly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import skip_or_fail

from sensorflow.codegen.micropython import export
from sensorflow.mpy import available
from sensorflow.mpy.compare import ModuleRun, export_files, run_module
from sensorflow.pipeline import Pipeline
from sensorflow.testing.codegen_checks import make_pipeline, synthetic  # noqa: F401  (shared with the checks)

FEATURE_RTOL = 1e-4
FEATURE_ATOL = 1e-5  # times max(1, max |feature|)
SCORE_ATOL = 1e-4


def need_micropython() -> None:
    reason = available()
    if reason is not None:
        skip_or_fail(reason)


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
