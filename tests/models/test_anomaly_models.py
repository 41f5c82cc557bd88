"""Anomaly models against scikit-learn oracles: LedoitWolf Mahalanobis distance and
NearestNeighbors mean distance; threshold = quantile of the normal training scores."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.covariance import LedoitWolf
from sklearn.neighbors import NearestNeighbors

from sensorflow import registry
from sensorflow.errors import DataError


def _data(rng):
    normal = rng.standard_normal((200, 6)).astype(np.float32)
    faults = (rng.standard_normal((60, 6)) * 1.5 + 4.0).astype(np.float32)
    X = np.concatenate([normal, faults])
    y = np.array(["healthy"] * 200 + ["outer_race"] * 30 + ["inner_race"] * 30)
    return X, y


def test_gaussian_anomaly_is_ledoit_wolf_mahalanobis(rng):
    X, y = _data(rng)
    m = registry.stage("gaussian_anomaly", normal_class="healthy", quantile=0.95).fit(X, y)
    lw = LedoitWolf().fit(X[y == "healthy"])
    np.testing.assert_allclose(m.score(X) ** 2, lw.mahalanobis(X), rtol=1e-9)
    assert m.threshold_ == pytest.approx(np.quantile(np.sqrt(lw.mahalanobis(X[:200])), 0.95))
    assert m.classes_ == ["normal", "anomaly"]


def test_knn_anomaly_is_mean_neighbour_distance(rng):
    X, y = _data(rng)
    m = registry.stage("knn_anomaly", normal_class="healthy", n_neighbors=4).fit(X, y)
    nn = NearestNeighbors(n_neighbors=4).fit(X[:200])
    d, _ = nn.kneighbors(X[200:])
    np.testing.assert_allclose(m.score(X[200:]), d.mean(axis=1), rtol=1e-6)
    # training windows leave themselves out: sklearn's kneighbors() without X does the same
    d_self, _ = nn.kneighbors()
    assert m.threshold_ == pytest.approx(np.quantile(d_self.mean(axis=1), 0.99), rel=1e-6)


@pytest.mark.parametrize("name", ["gaussian_anomaly", "knn_anomaly"])
def test_scores_and_labels(name, rng):
    X, y = _data(rng)
    m = registry.stage(name, normal_class="healthy").fit(X, y)
    proba = m.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    pred = m.predict(X)
    d = m.score(X)
    np.testing.assert_array_equal(pred == "anomaly", d > m.threshold_)
    np.testing.assert_array_equal(pred == "anomaly", proba[:, 1] > 0.5)
    # the faults are far away: all detected; most normal windows pass (threshold at the 99th percentile)
    assert np.all(pred[200:] == "anomaly")
    assert np.mean(pred[:200] == "normal") >= 0.97
    np.testing.assert_array_equal(m.encode_target(y)[:200], "normal")
    np.testing.assert_array_equal(m.encode_target(y)[200:], "anomaly")


def test_missing_normal_class_is_named(rng):
    X, y = _data(rng)
    with pytest.raises(DataError, match="no training window has the label 'normal'.*healthy"):
        registry.stage("gaussian_anomaly").fit(X, y)


def test_unsupervised_fit_uses_all_windows(rng):
    X, _ = _data(rng)
    m = registry.stage("gaussian_anomaly").fit(X[:200])
    assert np.mean(m.predict(X[200:]) == "anomaly") == 1.0
