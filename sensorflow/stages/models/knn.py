"""k nearest neighbours, after ``sklearn.neighbors.KNeighborsClassifier``.

Keeps the training vectors (``fit_X_``) and their class indices (``fit_y_``). Distances are
computed exactly in float64 (euclidean, manhattan, chebyshev, minkowski ``p``); the ``k``
nearest are taken in order of distance, ties by lower training index. Probabilities are the
(uniform or 1/distance) weighted votes, normalised, as scikit-learn computes them; with
``weights: distance`` a query that equals training points gets those points only.
scikit-learn breaks exact distance ties at the k-th neighbour in heap order instead, so the
two can differ only when the k-th and (k+1)-th neighbours are exactly equidistant and of
different classes.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from ...cost import Cost
from ...errors import ConfigError
from ...registry import register
from ..base import StageParams
from .base import Model

_CHUNK_VALUES = 2_000_000  # float64 differences held at once (16 MB)


def pairwise_distances(A: np.ndarray, B: np.ndarray, metric: str, p: float) -> np.ndarray:
    """Distances ``(len(A), len(B))`` in float64, by explicit differences (no dot-product trick)."""
    diff = np.abs(A.astype(np.float64)[:, None, :] - B.astype(np.float64)[None, :, :])
    if metric == "euclidean" or (metric == "minkowski" and p == 2):
        return np.sqrt(np.sum(diff * diff, axis=2))
    if metric == "manhattan" or (metric == "minkowski" and p == 1):
        return np.sum(diff, axis=2)
    if metric == "chebyshev":
        return np.max(diff, axis=2)
    return np.sum(diff**p, axis=2) ** (1.0 / p)


def nearest(A: np.ndarray, B: np.ndarray, k: int, metric: str, p: float) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest rows of B to each row of A: (distances, indices), nearest first, ties by index."""
    dists, idxs = [], []
    chunk = max(1, _CHUNK_VALUES // max(1, B.shape[0] * B.shape[1]))
    for s in range(0, len(A), chunk):
        D = pairwise_distances(A[s : s + chunk], B, metric, p)
        order = np.argsort(D, axis=1, kind="stable")[:, :k]
        idxs.append(order)
        dists.append(np.take_along_axis(D, order, axis=1))
    return np.concatenate(dists), np.concatenate(idxs)


def distance_weights(dist: np.ndarray) -> np.ndarray:
    """scikit-learn's ``weights="distance"``: 1 / distance, and where a query equals training
    points (a distance of 0) weight 1 on those points and 0 on the others."""
    with np.errstate(divide="ignore"):
        w = 1.0 / dist
    inf_mask = np.isinf(w)
    inf_row = np.any(inf_mask, axis=1)
    w[inf_row] = inf_mask[inf_row]
    return w


class KNNParams(StageParams):
    """The params of ``knn`` and ``knn_regressor``; each stage's ``Params`` sets ``type``."""

    type: str
    n_neighbors: int = Field(5, ge=1)
    weights: Literal["uniform", "distance"] = "uniform"
    metric: Literal["euclidean", "manhattan", "chebyshev", "minkowski"] = "euclidean"
    p: float = Field(2.0, ge=1, description="power of the minkowski metric")


class _Neighbours:
    """The training vectors shared by ``knn`` and ``knn_regressor``: storing and checking
    ``fit_X_``/``fit_y_`` and finding the nearest."""

    def _store_neighbours(self, X, fit_y) -> None:
        if len(X) < self.params.n_neighbors:
            raise ConfigError(
                f"n_neighbors={self.params.n_neighbors} but only {len(X)} training windows", key=("n_neighbors",)
            )
        self.fit_X_ = np.array(X)
        self.fit_y_ = fit_y

    def _check_neighbours(self, values, y_kind: str) -> np.ndarray:
        """``fit_X_`` ``(n, n_features)`` with n >= n_neighbors, ``fit_y_`` ``(n,)`` of dtype kind
        ``y_kind``; gives ``fit_y_``."""
        from ...errors import ArtifactError
        from .. import learned as L

        fit_x = L.array(values, "fit_X_", "f", shape=(None, self._learned_n_features()))
        fit_y = L.array(values, "fit_y_", y_kind, shape=(len(fit_x),))
        if len(fit_x) < self.params.n_neighbors:
            raise ArtifactError(f"'fit_X_' has {len(fit_x)} rows, fewer than n_neighbors={self.params.n_neighbors}")
        return fit_y

    def kneighbors(self, X) -> tuple[np.ndarray, np.ndarray]:
        p = self.params
        return nearest(np.asarray(X), self.fit_X_, p.n_neighbors, p.metric, p.p)


@register
class KNN(_Neighbours, Model):
    """``sklearn.neighbors.KNeighborsClassifier``: uniform or 1/distance weighted votes of the
    ``n_neighbors`` nearest training vectors; ties at the k-th neighbour go to the lower training index."""

    name = "knn"

    class Params(KNNParams):
        type: Literal["knn"] = "knn"

    def __init__(self, params=None, **kwargs):
        super().__init__(params, **kwargs)
        self.fit_X_ = self.fit_y_ = None

    def _fit(self, X, y):
        codes = self._learned_classes(y)
        self._store_neighbours(X, codes.astype(np.int32))
        self._after_fit()

    def check_learned(self, values) -> None:
        """``fit_X_`` ``(n, n_features)`` with n >= n_neighbors; ``fit_y_`` ``(n,)`` class indices."""
        super().check_learned(values)
        from ...errors import ArtifactError

        fit_y = self._check_neighbours(values, "iu")
        if np.any(fit_y < 0) or np.any(fit_y >= len(values["classes_"])):
            raise ArtifactError("'fit_y_': a class index is outside the class list")

    def _proba(self, X):
        dist, ind = self.kneighbors(X)
        w = np.ones_like(dist) if self.params.weights == "uniform" else distance_weights(dist)
        proba = np.zeros((len(dist), self.n_classes), dtype=np.float64)
        rows = np.arange(len(dist))
        for i in range(ind.shape[1]):
            proba[rows, self.fit_y_[ind[:, i]]] += w[:, i]
        normalizer = proba.sum(axis=1)[:, None]
        normalizer[normalizer == 0.0] = 1.0
        return proba / normalizer

    def cost(self, board=None) -> Cost:
        n, d = self.fit_X_.shape if self.fit_X_ is not None else (60, self.n_features)
        k = self.params.n_neighbors
        return Cost(
            flash_bytes=n * (4 * d + 1) + 256, ram_bytes=8 * k + 4 * max(self.n_classes, 1), ops=n * (3 * d + k)
        )

    @classmethod
    def examples(cls):
        return [{}, {"n_neighbors": 3, "weights": "distance", "metric": "manhattan"}]
