"""Shared helpers of the reliability tests: small fitted pipelines, artifacts, re-hashing (as
a tamperer would), and running the CLI in-process with its exit code and stderr."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, settings

from sensorflow import artifact
from sensorflow.cli import main
from sensorflow.pipeline import Pipeline

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]


def fuzz_settings(name: str, ci_examples: int, fuzz_examples: int):
    """Hypothesis settings for a fuzz module: ``ci_examples`` in CI (bounded), ``fuzz_examples``
    under ``HYPOTHESIS_PROFILE=fuzz`` (``make fuzz``); no deadline."""
    settings.register_profile(f"{name}-ci", max_examples=ci_examples, deadline=None, suppress_health_check=_SLOW_OK)
    settings.register_profile(f"{name}-fuzz", max_examples=fuzz_examples, deadline=None, suppress_health_check=_SLOW_OK)
    return settings.get_profile(f"{name}-fuzz" if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else f"{name}-ci")


PIPELINE = """\
name: rel
sensor: {{kind: generic, sample_rate: 100, channels: [a, b]}}
window: {{length: 32}}
stages:
  - type: stats
    functions: [mean, rms]
{extra}  - type: {model}
"""

MODELS = ["decision_tree", "random_forest", "extra_trees", "logistic", "gaussian_nb", "mlp", "knn"]
ANOMALY = ["gaussian_anomaly", "knn_anomaly"]


def pipeline_text(model: str = "decision_tree", scaler: bool = False) -> str:
    return PIPELINE.format(model=model, extra="  - type: scaler\n" if scaler else "")


def windows(n_classes: int = 2, n: int = 60, seed: int = 0, labels=None):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    X = rng.standard_normal((n, 32, 2)).astype(np.float32) + y[:, None, None].astype(np.float32)
    if labels is not None:
        y = np.asarray(labels)[y]
    return X, y


def fitted(model: str = "decision_tree", n_classes: int = 2, scaler: bool = False) -> Pipeline:
    pipe = Pipeline.from_string(pipeline_text(model, scaler))
    if model in ANOMALY:
        X, y = windows(2, labels=["normal", "fault"])
    else:
        X, y = windows(n_classes, labels=[f"c{i}" for i in range(n_classes)])
    return pipe.fit(X, y)


def saved(tmp_path: Path, model: str = "decision_tree", name: str = "art", **kw) -> Path:
    pipe = fitted(model, **kw)
    X, y = windows(2, n=8, seed=1)
    return artifact.save(pipe, tmp_path / name, arrays={"test_windows": X, "test_labels": pipe.classes_[y % 2]})


def rehash(art: Path) -> None:
    """Recompute the content hash after tampering, as anyone can: the hash is a checksum."""
    meta = json.loads((art / artifact.META).read_text())
    meta["content_hash"] = artifact.content_hash(art)
    (art / artifact.META).write_text(json.dumps(meta))


def stages_json(art: Path) -> list:
    return json.loads((art / "stages.json").read_text())


def write_stages_json(art: Path, entries) -> None:
    (art / "stages.json").write_text(json.dumps(entries))
    rehash(art)


def model_entry(art: Path) -> tuple[list, dict]:
    entries = stages_json(art)
    return entries, entries[-1]


def cli(capsys, *argv) -> tuple[int, str, float]:
    """``sensorflow ARGV`` in-process: (exit code, stderr, seconds). An unexpected exception
    propagates (a traceback is a test failure)."""
    capsys.readouterr()
    t = time.perf_counter()
    rc = main([str(a) for a in argv])
    dt = time.perf_counter() - t
    return rc, capsys.readouterr().err, dt


def one_line_error(rc: int, err: str, *, codes=(1, 2)) -> str:
    """Assert a clean failure: exit 1 or 2, exactly one line on stderr, no traceback."""
    lines = err.strip().splitlines()
    assert rc in codes, f"exit {rc}: {err}"
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]
