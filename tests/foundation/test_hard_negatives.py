"""Hard-negative mining (train.hard_negatives): the windows of the background recordings the first
fit finds least like their class are added as that class, and the model is fitted again."""

from __future__ import annotations

import numpy as np
import pytest

from sensorflow.datasets import Dataset
from sensorflow.errors import DataError
from sensorflow.pipeline import Pipeline
from sensorflow.training import fit_tail, frame, head_features, mine_hard_negatives, predict_tail, train

PIPE = """
name: toy_mining
sensor: {kind: audio, sample_rate: 100, channels: [mic]}
window: {length: 20, hop: 10}
stages:
  - type: stats
    functions: [rms]
  - type: decision_tree
train:
  cv_folds: 0
  hard_negatives: %d
"""


def _dataset(rng, background=True):
    """'yes' is loud noise, 'no' quiet; the background (all 'no') holds bursts of middling
    loudness that a tree fitted on the two extremes calls 'yes'."""
    clips = [rng.standard_normal((20, 1)) * (1.0 if i < 20 else 0.05) for i in range(40)]
    labels = ["yes"] * 20 + ["no"] * 20
    bg = rng.standard_normal((3000, 1)) * 0.05
    for a in range(100, 2900, 400):
        bg[a : a + 100] = rng.standard_normal((100, 1)) * 0.8
    return Dataset(
        clips,
        labels,
        [f"s{i % 4}" for i in range(40)],
        100,
        ["mic"],
        [f"c{i}" for i in range(40)],
        fold=["train"] * 16 + ["test"] * 4 + ["train"] * 16 + ["test"] * 4,
        source="toy",
        background=[bg, bg[:1234]] if background else [],
        background_label="no" if background else None,
    )


def test_mining_takes_the_highest_scoring_windows_across_chunks_and_recordings(rng):
    ds = _dataset(rng)
    pipe = Pipeline.from_string(PIPE % 0)
    H = head_features(pipe, np.stack(ds.signals))
    fit_tail(pipe, H[ds.fold == "train"], ds.labels[ds.fold == "train"])
    every = np.concatenate([head_features(pipe, frame(b, 20, 10)) for b in ds.background])
    score = 1.0 - predict_tail(pipe, every)[1][:, list(pipe.classes_).index("no")]
    got, ids, info = mine_hard_negatives(pipe, ds, 25, chunk=7)
    assert info["pool_windows"] == len(every) == 299 + 122
    assert info["above_half"] > 10  # the middling bursts fool the first tree
    best = np.argsort(-score, kind="stable")
    np.testing.assert_array_equal(np.sort(ids), np.sort(best[:25]))
    np.testing.assert_array_equal(got, every[ids])
    _, again, _ = mine_hard_negatives(pipe, ds, 25, taken=frozenset(ids.tolist()), chunk=7)
    np.testing.assert_array_equal(np.sort(again), np.sort(best[25:50]))  # a later round takes the next ones


def test_refit_learns_the_mined_windows_as_their_class(rng):
    ds = _dataset(rng)
    once = train(Pipeline.from_string(PIPE % 0), ds, progress=False)
    twice = train(Pipeline.from_string(PIPE % 40), ds, progress=False)
    bg = np.concatenate([frame(b, 20, 10) for b in ds.background])
    said_yes = {n: float(np.mean(r.pipeline.predict(bg) == "yes")) for n, r in (("once", once), ("twice", twice))}
    assert said_yes["once"] > 0.05 and said_yes["twice"] < said_yes["once"] / 2
    assert twice.metrics["hard_negatives"]["mined"] == 40 and "hard_negatives" not in once.metrics
    assert twice.metrics["n_train"] == once.metrics["n_train"]  # the held-out split is untouched


def test_rounds_mine_new_windows_each_time(rng):
    ds = _dataset(rng)
    r = train(Pipeline.from_string(PIPE % 15 + "  hard_negative_rounds: 3\n"), ds, progress=False)
    hn = r.metrics["hard_negatives"]
    assert len(hn["rounds"]) == 3 and hn["mined"] == 45 and all(x["mined"] == 15 for x in hn["rounds"])


def test_no_background_is_said_and_a_foreign_label_refused(rng):
    notes = []
    r = train(Pipeline.from_string(PIPE % 10), _dataset(rng, background=False), progress=False, note=notes.append)
    assert "hard_negatives" not in r.metrics and any("no background recordings" in n for n in notes)
    short = _dataset(rng)
    short.background = [b[:15] for b in short.background]
    r = train(Pipeline.from_string(PIPE % 10), short, progress=False, note=notes.append)
    assert "hard_negatives" not in r.metrics and any("shorter than one window of 20 samples" in n for n in notes)
    ds = _dataset(rng)
    ds.background_label = "maybe"
    with pytest.raises(DataError, match="background class 'maybe' is not one of the model's classes"):
        train(Pipeline.from_string(PIPE % 10), ds, progress=False)


def test_background_needs_its_label(rng):
    with pytest.raises(DataError, match="background_label"):
        Dataset([np.zeros((20, 1))], ["no"], ["a"], 100, ["mic"], ["c0"], background=[np.zeros((50, 1))])


def test_train_command_reports_the_mining(tmp_path, capsys, monkeypatch, rng):
    import sys
    import types

    from sensorflow.cli import main

    ds = _dataset(rng)
    monkeypatch.setitem(
        sys.modules,
        "sensorflow.datasets.recipes.toy_mining_for_tests",
        types.SimpleNamespace(load=lambda config, options: ds),
    )
    pipe = tmp_path / "pipe.yaml"
    pipe.write_text(PIPE % 30 + "dataset:\n  loader: recipe\n  name: toy_mining_for_tests\n")
    assert main(["train", str(pipe), "--out", str(tmp_path / "art"), "--no-progress"]) == 0
    assert "hard negatives: 30 of 421 background windows added" in capsys.readouterr().out
