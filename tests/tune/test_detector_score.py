"""Detectors in ``sensorflow tune`` are scored on events: recall on the dataset's dev streams at a
false-accept limit (never the evaluation streams), not window accuracy."""

from __future__ import annotations

import numpy as np
import pytest
from tunefix import small_pipeline  # noqa: F401  (imports optuna/distributed/aeon or skips)

from sensorflow.datasets import Dataset, Stream
from sensorflow.device import boards
from sensorflow.tune import budget as budget_mod
from sensorflow.tune import objective
from sensorflow.tune.objective import event_score
from sensorflow.tune.report import pareto, score

SR = 100.0


def _tone(rng, n):
    t = np.arange(n) / SR
    return (np.sin(2 * np.pi * 12 * t) + 0.1 * rng.standard_normal(n)).astype(np.float32)


def _noise(rng, n):
    return (0.1 * rng.standard_normal(n)).astype(np.float32)


def _stream(rng, part, starts, unannotated=()):
    sig = _noise(rng, int(60 * SR))
    for s in (*starts, *unannotated):
        a = int(s * SR)
        sig[a : a + 100] = _tone(rng, 100)
    return Stream(sig[:, None], [(s, s + 1.0, "tone") for s in starts], name=f"synthetic-{part}", part=part)


def _dataset():
    rng = np.random.default_rng(0)
    sigs = [_tone(rng, 50) if i % 2 else _noise(rng, 50) for i in range(80)]
    labels = ["tone" if i % 2 else "quiet" for i in range(80)]
    streams = [_stream(rng, "dev", [5, 20, 35, 50], unannotated=[42]), _stream(rng, "test", [10, 30])]
    return Dataset(
        [s[:, None] for s in sigs],
        labels,
        [str(i) for i in range(80)],
        SR,
        ("x",),
        [f"r{i}" for i in range(80)],
        streams=streams,
    )


def _pipeline(threshold):
    return {
        "name": "det",
        "sensor": {"kind": "generic", "sample_rate": SR, "channels": ["x"]},
        "window": {"length": 50, "hop": 25},
        "stages": [
            {"type": "stats", "functions": ["std", "zero_crossing_rate"]},
            {"type": "decision_tree", "max_depth": 3},
            {"type": "threshold", "threshold": threshold, "target": "tone"},
            {"type": "refractory", "seconds": 1.5},
        ],
        "train": {"cv_folds": 3},
    }


def _evaluate(monkeypatch, threshold, limit=1.0):
    ds = _dataset()
    seen = []

    def fake_dataset(pipe, data, run=None):
        seen.append(data)
        return ds

    monkeypatch.setattr(objective, "_dataset", fake_dataset)
    board = boards.get("stm32f411")
    payload = {
        "number": 0,
        "pipeline": _pipeline(threshold),
        "board": board.model_dump(mode="json"),
        "budget": budget_mod.budget_for(board).to_dict(),
        "max_false_accepts_per_hour": limit,
    }
    return objective.evaluate(payload)


def test_detector_is_scored_on_dev_stream_events(monkeypatch):
    r = _evaluate(monkeypatch, 0.5, limit=100.0)
    assert r["error"] is None and r["feasible"], r
    ev = r["events_dev"]
    assert ev["n_streams"] == 1 and ev["n_events"] == 4  # the dev stream only, never the test stream's 2 events
    assert ev["recall"] == 1.0
    assert ev["false_accepts_per_hour"] == pytest.approx(60.0)  # the one unannotated burst in a minute
    assert r["score"] == 1.0 and r["accuracy_cv"] > 0.9


def test_false_accepts_above_the_limit_lower_the_score(monkeypatch):
    r = _evaluate(monkeypatch, 0.5, limit=1.0)
    assert r["events_dev"]["recall"] == 1.0
    assert r["score"] == pytest.approx(1.0 / 60.0)  # recall x limit / rate


def test_event_score_and_ranking():
    assert event_score(0.9, 0.5, 1.0) == 0.9
    assert event_score(0.9, 2.0, 1.0) == pytest.approx(0.45)
    assert event_score(None, None, 1.0) == 0.0
    a = {"number": 0, "feasible": True, "accuracy_cv": 0.99, "score": 0.5, "flash_bytes": 10, "instructions": 10}
    b = {"number": 1, "feasible": True, "accuracy_cv": 0.90, "score": 0.8, "flash_bytes": 10, "instructions": 10}
    assert [t["number"] for t in pareto([a, b])] == [1]  # ranked by the detector's score, not window accuracy
    assert score({"accuracy_cv": 0.7}) == 0.7  # a trial stored before scores existed
