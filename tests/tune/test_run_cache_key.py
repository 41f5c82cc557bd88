"""A long-lived cluster (``--scheduler``) keeps each worker's dataset and feature caches between
tune runs: a later run must reload its data from disk, not reuse the previous run's copy."""

from __future__ import annotations

from sensorflow.pipeline import Pipeline
from sensorflow.tune import objective
from sensorflow.tune.featurise import DataChunks
from sensorflow.tune.runner import TuneOptions

YAML = """
name: t
sensor: {kind: imu, sample_rate: 50, channels: [ax]}
window: {length: 10, hop: 10}
stages:
  - {type: stats, functions: [mean]}
  - {type: decision_tree}
"""


def test_each_run_has_its_own_cache_key(tmp_path, monkeypatch):
    pipe = Pipeline.from_string(YAML)
    a, b = TuneOptions(pipeline="p.yaml", board="stm32f411"), TuneOptions(pipeline="p.yaml", board="stm32f411")
    assert a.run_token != b.run_token
    assert objective._data_key(pipe, "d", a.run_token) != objective._data_key(pipe, "d", b.run_token)
    assert DataChunks("d").run != DataChunks("d").run

    loads = []
    monkeypatch.setattr(Pipeline, "load_data", lambda self, data: loads.append(data) or object())
    monkeypatch.setattr(objective, "_DATA", {})
    objective._dataset(pipe, "d", a.run_token)
    objective._dataset(pipe, "d", a.run_token)  # same run: from the cache
    objective._dataset(pipe, "d", b.run_token)  # a later run: from disk again
    assert loads == ["d", "d"]
