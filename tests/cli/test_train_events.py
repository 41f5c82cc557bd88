"""Event detectors: recall and false accepts per hour over continuous streams, in train and
eval, checked against events placed at known times."""

from __future__ import annotations

import json
import sys
import types

import numpy as np
import pytest

from sensorflow.cli import main
from sensorflow.datasets import Dataset, Stream
from sensorflow.pipeline import Pipeline
from sensorflow.training import event_metrics

PIPE = """
name: toy_wake
sensor: {kind: audio, sample_rate: 200, channels: [mic]}
window: {length: 40, hop: 20}
stages:
  - type: stats
    functions: [rms]
  - type: logistic
  - type: smooth
    windows: 2
  - type: threshold
    threshold: 0.7
    target: "yes"
  - type: refractory
    seconds: 1.0
dataset:
  loader: recipe
  name: toy_wake_for_tests
"""

SR = 200


def _clip(rng, loud: bool, n=40):
    return (rng.standard_normal((n, 1)) * (1.0 if loud else 0.05)).astype(np.float32)


def _stream(rng, seconds=60.0, at=(5.0, 20.0, 41.5), dur=0.5, false_at=()):
    x = (rng.standard_normal((int(seconds * SR), 1)) * 0.05).astype(np.float32)
    for t in list(at) + list(false_at):
        a = int(t * SR)
        x[a : a + int(dur * SR)] = rng.standard_normal((int(dur * SR), 1)) * 1.0
    return Stream(x, [(t, t + dur, "yes") for t in at], name="stream")


def _recipe(config, options):
    rng = np.random.default_rng(0)
    sig = [_clip(rng, True) for _ in range(20)] + [_clip(rng, False) for _ in range(20)]
    labels = ["yes"] * 20 + ["_background"] * 20
    ds = Dataset(
        sig,
        labels,
        [f"spk{i % 5}" for i in range(40)],
        SR,
        ["mic"],
        [f"c{i}" for i in range(40)],
        streams=[_stream(rng), _stream(rng, false_at=(30.0,))],
        source="toy",
    )
    return ds


@pytest.fixture
def recipe(monkeypatch):
    mod = types.ModuleType("sensorflow.datasets.recipes.toy_wake_for_tests")
    mod.load = _recipe
    monkeypatch.setitem(sys.modules, mod.__name__, mod)


def test_event_metrics_count_hits_and_false_accepts(recipe):
    ds = _recipe(None, {})
    pipe = Pipeline.from_string(PIPE)
    w = ds.windows(pipe.window_length, pipe.hop)
    pipe.fit(w.X, w.y)
    m = event_metrics(pipe, ds.streams, SR)
    # 6 annotated events, all found; the unannotated burst at 30 s is the one false accept
    assert m["n_events"] == 6 and m["detected"] == 6 and m["recall"] == 1.0
    assert m["false_accepts"] == 1
    assert m["hours"] == pytest.approx(120 / 3600)
    assert m["false_accepts_per_hour"] == pytest.approx(1 / (120 / 3600))


def test_train_and_eval_report_event_metrics(recipe, tmp_path, capsys):
    pipe = tmp_path / "p.yaml"
    pipe.write_text(PIPE)
    rc = main(["train", str(pipe), "--out", str(tmp_path / "art"), "--json"])
    res = json.loads(capsys.readouterr().out)
    assert rc == 0 and res["events"]["recall"] == 1.0 and res["events"]["false_accepts"] == 1
    rc = main(["eval", str(tmp_path / "art"), "--out", str(tmp_path / "ev")])
    text = capsys.readouterr().out
    assert rc == 0 and "events: 6/6 detected (recall 1.000), 1 false accepts in 2.0 min (30.00 per hour)" in text
    rc = main(["eval", str(tmp_path / "art"), "--no-events", "--json", "--out", str(tmp_path / "ev")])
    assert "events" not in json.loads(capsys.readouterr().out)


def test_run_prints_events_with_timestamps(recipe, tmp_path, capsys):
    pipe = tmp_path / "p.yaml"
    pipe.write_text(PIPE)
    assert main(["train", str(pipe), "--out", str(tmp_path / "art"), "--no-progress"]) == 0
    capsys.readouterr()
    rng = np.random.default_rng(5)
    st = _stream(rng, seconds=30.0, at=(4.0, 17.0))
    np.save(tmp_path / "rec.npy", st.signal)
    assert main(["run", str(tmp_path / "art"), "--input", str(tmp_path / "rec.npy"), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    times = [r["time"] for r in res["records"] if "event" in r]
    assert len(times) == 2 and abs(times[0] - 4.0) < 0.3 and abs(times[1] - 17.0) < 0.3
    assert all(r["event"] == "yes" for r in res["records"])
    assert main(["run", str(tmp_path / "art"), "--input", str(tmp_path / "rec.npy")]) == 0
    assert "EVENT yes" in capsys.readouterr().out
