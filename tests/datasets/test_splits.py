"""Splits keep groups (speaker, subject, file) on one side; too few examples is an error naming
the class; the fingerprint changes with any array or label."""

from __future__ import annotations

import numpy as np
import pytest

from sensorflow.datasets import Dataset, cv_folds, holdout, window_groups
from sensorflow.errors import DataError


def _ds(rng, n_groups=8, per_group=3, classes=("a", "b", "c"), fold=None):
    sig, lab, grp, names = [], [], [], []
    for g in range(n_groups):
        for k in range(per_group):
            sig.append(rng.standard_normal((50, 2)).astype(np.float32))
            lab.append(classes[(g + k) % len(classes)])
            grp.append(f"speaker{g}")
            names.append(f"spk{g}_{k}.wav")
    return Dataset(sig, lab, grp, 100.0, ["x", "y"], names, fold)


@pytest.mark.parametrize("seed", range(5))
def test_group_split_keeps_each_group_on_one_side(rng, seed):
    ds = _ds(rng)
    w = ds.windows(10, 5)
    train, test = holdout(ds, w, "group", 0.25, seed)
    g = window_groups(ds, w, "group")
    assert not set(g[train]) & set(g[test])
    assert len(train) + len(test) == len(w.y)
    assert set(w.y[train]) == {"a", "b", "c"}
    # each recording's windows stay together too
    assert not set(w.recording[train]) & set(w.recording[test])


def test_file_split_keeps_files_together(rng):
    ds = _ds(rng)
    w = ds.windows(10, 10)
    train, test = holdout(ds, w, "file", 0.3, 0)
    assert not set(w.recording[train]) & set(w.recording[test])


def test_random_split_mixes_windows_of_one_recording(rng):
    ds = _ds(rng, n_groups=4)
    w = ds.windows(10, 5)
    train, test = holdout(ds, w, "random", 0.25, 0)
    assert set(w.recording[train]) & set(w.recording[test])  # that is what "random" means


def test_predefined_split(rng):
    ds = _ds(rng, n_groups=4, fold=["train"] * 9 + ["test"] * 3)
    w = ds.windows(50, 50)
    train, test = holdout(ds, w, "predefined", 0.25, 0)
    assert list(test) == [9, 10, 11]
    with pytest.raises(DataError, match="no predefined train/test folds; use dataset.split.by: group"):
        holdout(_ds(rng), w, "predefined", 0.25, 0)


def test_too_few_examples_of_a_class_names_it(rng):
    ds = _ds(rng)
    sig = ds.signals + [rng.standard_normal((50, 2)).astype(np.float32)]
    ds = Dataset(
        sig, list(ds.labels) + ["rare"], list(ds.groups) + ["speakerX"], 100.0, ["x", "y"], ds.names + ["only_rare.wav"]
    )
    w = ds.windows(10, 5)
    with pytest.raises(
        DataError, match=r"class 'rare' has only 1 recording group\(s\) \(only_rare.wav\); need at least 2"
    ):
        holdout(ds, w, "group", 0.25, 0)


def test_cv_folds_are_grouped_and_shrink(rng):
    ds = _ds(rng, n_groups=6)
    w = ds.windows(10, 10)
    g = window_groups(ds, w, "group")
    folds = cv_folds(w.y, g, 5, 0)
    assert 2 <= len(folds) <= 5
    for tr, va in folds:
        assert not set(g[tr]) & set(g[va])
    assert cv_folds(w.y[:1], g[:1], 5, 0) == []


def test_fingerprint_tracks_content(rng):
    ds = _ds(rng)
    fp = ds.fingerprint()
    assert fp == Dataset(ds.signals, ds.labels, ds.groups, 100.0, ds.channels, ds.names).fingerprint()
    sig = [s.copy() for s in ds.signals]
    sig[3][7, 1] += 1e-3
    assert Dataset(sig, ds.labels, ds.groups, 100.0, ds.channels, ds.names).fingerprint() != fp
    lab = ds.labels.copy()
    lab[0] = "c" if lab[0] != "c" else "a"
    assert Dataset(ds.signals, lab, ds.groups, 100.0, ds.channels, ds.names).fingerprint() != fp


def test_short_recordings_are_padded_to_one_window(rng):
    ds = Dataset([np.ones((30, 1)), np.ones((120, 1))], ["a", "b"], ["1", "2"], 100.0, ["m"], ["s", "l"])
    w = ds.windows(50, 50, "zero")
    assert len(w.y) == 3 and w.X[0, 30:].sum() == 0 and w.X[0, :30].sum() == 30
    with pytest.raises(DataError, match="no recording is long enough"):
        Dataset([np.ones((30, 1))], ["a"], ["1"], 100.0, ["m"], ["s"]).windows(50, 50, pad=None)


def test_nan_in_a_recording_names_it():
    with pytest.raises(DataError, match="bad.csv:2-9: sample 4 is NaN or Inf"):
        x = np.ones((8, 1))
        x[4] = np.nan
        Dataset([x], ["a"], ["g"], 10.0, ["m"], ["bad.csv:2-9"])
