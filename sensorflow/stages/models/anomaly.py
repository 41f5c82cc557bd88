"""Anomaly scoring for vibration monitoring: trained on normal data only.

``gaussian_anomaly``: Mahalanobis distance to the normal windows' mean under a Ledoit-Wolf
shrunk covariance (``sklearn.covariance.LedoitWolf``; keeps ``location_`` and
``precision_``). ``knn_anomaly``: mean Euclidean distance to the ``n_neighbors`` nearest
normal training windows (``fit_X_``); a training window's own score leaves itself out.
``threshold_`` is the ``quantile`` of the training (normal) scores.

Both output ``(n, 2)`` scores for classes ``["normal", "anomaly"]``:
``[t / (d + t), d / (d + t)]`` for distance d and threshold t, so the anomaly column is 0.5
exactly at the threshold and ``predict`` says ``anomaly`` when ``d > t``. Labels equal to
``normal_class`` are normal, every other label is an anomaly (``encode_target``).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from ...cost import Cost
from ...errors import DataError
from ...registry import register
from ..base import StageParams, Tags
from .base import Model
from .knn import nearest

CLASSES = ["normal", "anomaly"]


class _AnomalyParams(StageParams):
    normal_class: str | int = Field("normal", description="the label of normal (healthy) windows")
    quantile: float = Field(0.99, gt=0, le=1, description="threshold = this quantile of the normal training scores")


class _Anomaly(Model):
    tags = Tags(role="model", trainable=True, supervised=False)

    def __init__(self, params=None, **kwargs):
        super().__init__(params, **kwargs)
        self.threshold_ = None

    def encode_target(self, y) -> np.ndarray:
        """Labels -> "normal" / "anomaly"."""
        y = np.asarray(y)
        normal = np.asarray([str(v) for v in y.tolist()]) == str(self.params.normal_class)
        return np.where(normal, "normal", "anomaly")

    def _normal_rows(self, X, y) -> np.ndarray:
        if y is None:
            return X
        normal = self.encode_target(y) == "normal"
        if not normal.any():
            labels = ", ".join(sorted({str(v) for v in np.asarray(y).tolist()}))
            raise DataError(
                f"stage '{self.name}': no training window has the label '{self.params.normal_class}' "
                f"(labels: {labels}); set normal_class to the label of healthy data"
            )
        return X[normal]

    def _fit(self, X, y):
        normal = self._normal_rows(X, y)
        self._fit_normal(normal)
        scores = self._train_scores(normal)
        self.threshold_ = float(max(np.quantile(scores, self.params.quantile), np.finfo(np.float32).tiny))
        self.classes_ = list(CLASSES)
        self._after_fit()

    def check_learned(self, values) -> None:
        """Classes exactly ["normal", "anomaly"]; ``threshold_`` a positive number."""
        super().check_learned(values)
        from ...errors import ArtifactError
        from .. import learned as L

        if values["classes_"] != CLASSES:
            raise ArtifactError(f"'classes_' of an anomaly model must be {CLASSES}")
        L.finite_number(values, "threshold_", positive=True)

    def score(self, X) -> np.ndarray:
        """Distance of each row from the normal data."""
        raise NotImplementedError

    def _proba(self, X):
        d = self.score(X)
        t = self.threshold_
        return np.stack([t / (d + t), d / (d + t)], axis=1)

    def _predict_index(self, X):
        return (self.score(X) > self.threshold_).astype(np.int64)

    @classmethod
    def example_input(cls, params, rng):
        spec, X, y = super().example_input(params, rng)
        return spec, X, np.where(y == 0, "normal", "fault")


@register
class GaussianAnomaly(_Anomaly):
    """Anomaly score: Mahalanobis distance to the normal training windows' mean under a Ledoit-Wolf
    shrunk covariance (``sklearn.covariance.LedoitWolf``); scores for ``["normal", "anomaly"]``."""

    name = "gaussian_anomaly"

    class Params(_AnomalyParams):
        type: Literal["gaussian_anomaly"] = "gaussian_anomaly"

    def __init__(self, params=None, **kwargs):
        super().__init__(params, **kwargs)
        self.location_ = self.precision_ = None

    def check_learned(self, values) -> None:
        """``location_`` ``(n_features,)`` and ``precision_`` ``(n_features, n_features)``."""
        super().check_learned(values)
        from .. import learned as L

        n = L.array(values, "location_", "f", shape=(self._learned_n_features(),)).shape[0]
        L.array(values, "precision_", "f", shape=(n, n))

    def _fit_normal(self, X):
        from sklearn.covariance import LedoitWolf

        if len(X) < 2:
            raise DataError(f"stage '{self.name}': needs at least 2 normal training windows, got {len(X)}")
        est = LedoitWolf().fit(X)
        self.location_ = np.asarray(est.location_, dtype=np.float64)
        self.precision_ = np.asarray(est.precision_, dtype=np.float64)

    def _train_scores(self, X):
        return self.score(X)

    def score(self, X):
        diff = np.asarray(X, dtype=np.float64) - self.location_
        m = np.einsum("ij,jk,ik->i", diff, self.precision_, diff)
        return np.sqrt(np.maximum(m, 0.0))

    def cost(self, board=None) -> Cost:
        d = self.n_features
        return Cost(flash_bytes=4 * (d * d + d + 1) + 256, ram_bytes=4 * 2 * d, ops=d * d + 2 * d + 8)


@register
class KNNAnomaly(_Anomaly):
    """Anomaly score: mean Euclidean distance to the ``n_neighbors`` nearest normal training windows
    (each training window leaves itself out when the threshold is set); scores for ``["normal", "anomaly"]``."""

    name = "knn_anomaly"

    class Params(_AnomalyParams):
        type: Literal["knn_anomaly"] = "knn_anomaly"
        n_neighbors: int = Field(5, ge=1)

    def __init__(self, params=None, **kwargs):
        super().__init__(params, **kwargs)
        self.fit_X_ = None

    def check_learned(self, values) -> None:
        """``fit_X_`` ``(n, n_features)`` with n > n_neighbors."""
        super().check_learned(values)
        from ...errors import ArtifactError
        from .. import learned as L

        fit_x = L.array(values, "fit_X_", "f", shape=(None, self._learned_n_features()))
        if len(fit_x) <= self.params.n_neighbors:
            raise ArtifactError(f"'fit_X_' has {len(fit_x)} rows; needs more than n_neighbors")

    def _fit_normal(self, X):
        if len(X) <= self.params.n_neighbors:
            raise DataError(
                f"stage '{self.name}': needs more than n_neighbors={self.params.n_neighbors} normal training "
                f"windows, got {len(X)}"
            )
        self.fit_X_ = np.array(X)

    def _train_scores(self, X):
        # leave each training window out of its own neighbours
        k = self.params.n_neighbors
        dist, idx = nearest(X, self.fit_X_, k + 1, "euclidean", 2.0)
        own = idx == np.arange(len(X))[:, None]
        keep = np.where(own.any(axis=1)[:, None], ~own, np.arange(k + 1)[None, :] < k)
        return np.array([row[m][:k].mean() for row, m in zip(dist, keep)])

    def score(self, X):
        dist, _ = nearest(np.asarray(X), self.fit_X_, self.params.n_neighbors, "euclidean", 2.0)
        return dist.mean(axis=1)

    def cost(self, board=None) -> Cost:
        n, d = self.fit_X_.shape if self.fit_X_ is not None else (60, self.n_features)
        k = self.params.n_neighbors
        return Cost(flash_bytes=4 * n * d + 256, ram_bytes=8 * k, ops=n * (3 * d + k))
