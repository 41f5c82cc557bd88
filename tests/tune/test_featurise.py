"""Features by recording chunks (sensorflow.tune.featurise): the same as in one process."""

from __future__ import annotations

import numpy as np
import pytest

from sensorflow.cli import main
from sensorflow.config import loads
from sensorflow.pipeline import Pipeline
from sensorflow.training import head_features
from sensorflow.tune.benchmark import SYNTHETIC
from sensorflow.tune.featurise import SyntheticChunks, chunk_features


def test_synthetic_chunks_are_pure_and_match_head_features():
    src = SyntheticChunks(n_windows=230, per_recording=50, per_chunk=2, seed=7)
    assert src.n_chunks() == 3  # 5 recordings (the last of 30 windows), 2 per chunk
    a, b = chunk_features(SYNTHETIC, src, 2), chunk_features(SYNTHETIC, src, 2)
    assert np.array_equal(a["F"], b["F"]) and len(a["F"]) == 30 and set(a["recording"].tolist()) == {4}
    pipe = Pipeline.from_string(SYNTHETIC)
    ds, _ = src.load(pipe, 0)
    w = ds.windows(pipe.window_length, pipe.hop)
    assert np.array_equal(chunk_features(SYNTHETIC, src, 0)["F"], head_features(pipe, w.X))


def test_search_key_is_accepted_by_the_pipeline_schema():
    cfg, _, _ = loads(SYNTHETIC + "search:\n  params:\n    random_forest.max_depth: [2, 3]\n")
    assert cfg.search == {"params": {"random_forest.max_depth": [2, 3]}}


@pytest.mark.slow
def test_features_command_on_workers_equals_in_process(tmp_path):
    from pathlib import Path

    gesture = Path(__file__).resolve().parents[2] / "pipelines" / "gesture.yaml"
    assert main(["features", str(gesture), "--out", str(tmp_path / "a.npz")]) == 0
    assert main(["features", str(gesture), "--out", str(tmp_path / "b.npz"), "--workers", "2", "--chunk", "16"]) == 0
    a, b = np.load(tmp_path / "a.npz"), np.load(tmp_path / "b.npz")
    for k in a.files:
        assert np.array_equal(a[k], b[k]), k
