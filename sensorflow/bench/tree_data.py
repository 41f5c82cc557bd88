"""Real datasets for the tree benchmarks, as fixed-length float32 feature vectors.

Summary features per channel, in this order: mean, standard deviation (ddof 0), min, max,
first sample, last sample. JapaneseVowels (aeon, 12 LPC channels, variable length) gives
12 x 6 = 72 features and 9 classes; BasicMotions (aeon, 6 IMU channels x 100 samples)
gives 36 features and 4 classes. aeon's own train/test splits are used."""

from __future__ import annotations

import dataclasses

import numpy as np

from ..errors import DataError

STATS = ("mean", "std", "min", "max", "first", "last")


@dataclasses.dataclass
class FeatureSet:
    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    feature_names: list[str]


def summary_features(series) -> np.ndarray:
    """(n_cases,) of (n_channels, length) arrays -> (n_cases, n_channels * 6) float32."""
    rows = []
    for case in series:
        a = np.asarray(case, dtype=np.float64)
        per_channel = [a.mean(axis=1), a.std(axis=1), a.min(axis=1), a.max(axis=1), a[:, 0], a[:, -1]]
        rows.append(np.stack(per_channel, axis=1).reshape(-1))
    return np.asarray(rows, dtype=np.float32)


def load(name: str) -> FeatureSet:
    """``japanese_vowels`` or ``basic_motions`` from aeon's bundled data (no download)."""
    try:
        from aeon.datasets import load_classification
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise DataError(f"aeon is not installed ({exc}); install the 'datasets' extra") from None
    aeon_name = {"japanese_vowels": "JapaneseVowels", "basic_motions": "BasicMotions"}.get(name)
    if aeon_name is None:
        raise DataError(f"unknown tree benchmark dataset {name!r}")
    parts = {}
    for split in ("train", "test"):
        X, y = load_classification(aeon_name, split=split)
        parts[split] = (summary_features(X), np.asarray(y).astype(str))
    n_channels = parts["train"][0].shape[1] // len(STATS)
    names = [f"ch{c}_{s}" for c in range(n_channels) for s in STATS]
    return FeatureSet(name, parts["train"][0], parts["train"][1], parts["test"][0], parts["test"][1], names)


def threshold_vectors(model, X_ref: np.ndarray, max_vectors: int, seed: int = 0) -> np.ndarray:
    """Inputs exactly at split thresholds, as float32.

    For split nodes of every tree, a test row that reaches the node has the node's feature
    replaced by the two float32 values bracketing the (float64) threshold: the largest float32
    <= threshold (scikit-learn goes left) and the next float32 above it (goes right). A row
    that reaches no such node uses the first test row. Up to ``max_vectors`` rows, chosen
    evenly over all split nodes."""
    trees = getattr(model, "estimators_", None)
    trees = list(trees) if trees is not None else [model]
    X_ref = np.asarray(X_ref, dtype=np.float32)
    candidates = []
    for t, est in enumerate(trees):
        tree = est.tree_
        internal = np.flatnonzero(tree.children_left >= 0)
        for node in internal:
            candidates.append((t, int(node)))
    rng = np.random.default_rng(seed)
    take = min(len(candidates), max(1, max_vectors // 2))
    chosen = sorted(rng.choice(len(candidates), size=take, replace=False).tolist())
    paths = {}
    out = []
    for k in chosen:
        t, node = candidates[k]
        est = trees[t]
        if t not in paths:
            paths[t] = est.decision_path(X_ref).tocsc()
        rows = paths[t][:, node].nonzero()[0]
        base = X_ref[rows[0] if len(rows) else 0].copy()
        thr = float(est.tree_.threshold[node])
        f = int(est.tree_.feature[node])
        lo = np.float32(thr)
        if float(lo) > thr:
            lo = np.nextafter(lo, np.float32(-np.inf))
        hi = np.nextafter(lo, np.float32(np.inf))
        for v in (lo, hi):
            r = base.copy()
            r[f] = v
            out.append(r)
    return np.asarray(out, dtype=np.float32)
