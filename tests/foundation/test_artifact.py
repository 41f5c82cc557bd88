"""Artifacts: JSON + .npy, content hash checked, version checked, atomic writes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sensorflow import artifact
from sensorflow.errors import ArtifactError
from sensorflow.pipeline import Pipeline

YAML = """\
name: tiny
sensor: {kind: generic, sample_rate: 100, channels: [a, b]}
window: {length: 20, hop: 10}
stages:
  - type: scale
    gain: [2.0, 3.0]
"""


@pytest.fixture
def saved(tmp_path):
    pipe = Pipeline.from_string(YAML)
    pipe.stages[0].extra_table_ = np.arange(6, dtype=np.float32).reshape(2, 3)
    pipe.stages[0].threshold_ = 0.25
    return artifact.save(pipe, tmp_path / "art", metrics={"accuracy": np.float64(0.5)}, dataset_fingerprint="abc")


def test_round_trip(saved):
    pipe, meta = artifact.load(saved)
    assert meta["metrics"]["accuracy"] == 0.5 and meta["dataset_fingerprint"] == "abc"
    np.testing.assert_array_equal(pipe.stages[0].extra_table_, np.arange(6, dtype=np.float32).reshape(2, 3))
    assert pipe.stages[0].threshold_ == 0.25
    assert sorted(p.suffix for p in saved.iterdir()) == [".json", ".json", ".npy", ".yaml"]


def test_no_pickle_anywhere(saved):
    for npy in saved.glob("*.npy"):
        np.load(npy, allow_pickle=False)


def test_tampered_file_refused(saved):
    npy = next(saved.glob("*.npy"))
    arr = np.load(npy)
    arr[0, 0] = 99
    np.save(npy, arr)
    with pytest.raises(ArtifactError, match="content hash mismatch"):
        artifact.load(saved)


def test_tampered_yaml_refused(saved):
    p = saved / "pipeline.yaml"
    p.write_text(p.read_text().replace("2.0", "4.0"))
    with pytest.raises(ArtifactError, match="hash"):
        artifact.load(saved)


def test_version_incompatible_refused(saved):
    meta = json.loads((saved / "meta.json").read_text())
    meta["format_version"] = 999
    (saved / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ArtifactError, match="format 999"):
        artifact.load(saved)


def test_not_an_artifact(tmp_path):
    with pytest.raises(ArtifactError, match="not an artifact"):
        artifact.load(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ArtifactError, match="no meta.json"):
        artifact.load(tmp_path / "empty")
    (tmp_path / "empty" / "meta.json").write_text("{not json")
    with pytest.raises(ArtifactError, match="corrupt JSON"):
        artifact.load(tmp_path / "empty")


def test_failed_save_leaves_nothing(tmp_path):
    pipe = Pipeline.from_string(YAML)
    pipe.stages[0].bad_ = np.array([object()], dtype=object)
    with pytest.raises(ArtifactError):
        artifact.save(pipe, tmp_path / "art")
    assert list(tmp_path.iterdir()) == []


def test_overwrite_keeps_single_copy(saved):
    pipe, _ = artifact.load(saved)
    artifact.save(pipe, saved)
    artifact.load(saved)
    assert [p.name for p in saved.parent.iterdir()] == ["art"]


def test_save_never_replaces_what_is_not_an_artifact(tmp_path):
    pipe = Pipeline.from_string(YAML)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("precious")
    with pytest.raises(ArtifactError, match="notes.txt: is a file"):
        artifact.save(pipe, a_file)
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "data.csv").write_text("1,2")
    with pytest.raises(ArtifactError, match="mine: a folder that is not a sensorflow artifact"):
        artifact.save(pipe, folder)
    assert a_file.read_text() == "precious" and (folder / "data.csv").read_text() == "1,2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "notes.txt"]  # no temp or .old left
    empty = tmp_path / "empty"
    empty.mkdir()
    artifact.load(artifact.save(pipe, empty))


def test_train_refuses_the_destination_before_fitting(tmp_path):
    from sensorflow.training import train

    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("x")
    pipe = Pipeline.from_string(
        YAML.replace(
            "  - type: scale\n    gain: [2.0, 3.0]\n",
            "  - type: stats\n    functions: [mean]\n  - type: decision_tree\n",
        )
    )
    # no data at all: the refusal comes before any windowing or fitting
    with pytest.raises(ArtifactError, match="taken: a folder that is not a sensorflow artifact"):
        train(pipe, None, out_dir=tmp_path / "taken")
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["keep.txt"]


def test_explicit_null_params_survive_the_round_trip(tmp_path):
    """``top_db: null`` (no clip) differs from the default 80 dB: a reloaded artifact must not
    quietly compute other features than the ones it was trained on."""
    p = Pipeline.from_string("""
name: t
sensor: {kind: audio, sample_rate: 8000, channels: [mic]}
window: {length: 1024}
stages:
  - {type: log_mel, n_fft: 256, hop_length: 256, n_mels: 8, center: false, top_db: null}
  - {type: logistic}
""")
    rng = np.random.default_rng(0)
    X = (rng.standard_normal((20, 1024, 1)) * np.linspace(1e-4, 1, 1024)[None, :, None]).astype(np.float32)
    p.fit(X, np.arange(20) % 2)
    artifact.save(p, tmp_path / "a")
    q, _ = artifact.load(tmp_path / "a")
    assert q.stages[0].params.top_db is None
    np.testing.assert_array_equal(q.transform(X), p.transform(X))
