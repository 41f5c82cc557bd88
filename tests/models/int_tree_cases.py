"""Fitted tree stages and integer codes shared by the integer-tree tests: integer features
(scale 1), quantised float features (codes fitted on the training rows), int32 codes, and a
deep unpruned tree."""

from __future__ import annotations

import numpy as np

from sensorflow import registry
from sensorflow.spec import Spec
from sensorflow.stages.models.int_trees import FeatureCodes, fit_codes, integer_codes


def fitted_stage(name: str, X, y, **params):
    stage = registry.stage(name, random_state=0, **params)
    stage.bind(Spec.vector([f"f{i}" for i in range(X.shape[1])]))
    stage.fit(np.asarray(X, dtype=np.float32), np.asarray(y))
    return stage


def integer_case(seed: int = 0):
    """Small-range integer features (many rows sit on thresholds), a forest on them."""
    rng = np.random.default_rng(seed)
    X = rng.integers(-40, 40, size=(300, 6)).astype(np.float64)
    y = ((X[:, 0] + 2 * X[:, 1] - X[:, 2]) > 0).astype(int) + (X[:, 3] > 10)
    stage = fitted_stage("random_forest", X, y, n_estimators=7, max_depth=6)
    return stage, integer_codes(6, "int16"), X.astype(np.int64)


def quantised_case(seed: int = 1, dtype: str = "int16", deep: bool = False):
    """Float features in mixed units, codes fitted on the training rows; ``deep``: one tree
    grown until pure (no max_depth)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((400, 5)) * np.array([1e-3, 1.0, 50.0, 3e4, 0.2]) + np.array([0, 5, -100, 0, 1])
    y = (X[:, 1] - 5 + X[:, 4] * 3 + rng.standard_normal(400) * 0.5 > 0).astype(int) + 2 * (X[:, 3] > 1e4)
    X = X.astype(np.float32)
    if deep:  # label noise: the unpruned tree grows many levels
        flip = rng.random(len(y)) < 0.25
        y[flip] = rng.integers(0, 4, int(flip.sum()))
        stage = fitted_stage("decision_tree", X, y)
    else:
        stage = fitted_stage("random_forest", X, y, n_estimators=5, max_depth=8)
    codes = fit_codes(X, dtype)
    return stage, codes, X


def odd_codes() -> FeatureCodes:
    """Codes with a non-integer scale and a zero point far from 0 (rounding edge cases)."""
    return FeatureCodes(np.array([0.1, 3.0, 1e-3], np.float32), np.array([-1000, 7, 30000], np.int64), "int16")
