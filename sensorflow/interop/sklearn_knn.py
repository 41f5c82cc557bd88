"""The ``knn`` / ``knn_regressor`` params of a fitted scikit-learn ``KNeighborsClassifier`` /
``KNeighborsRegressor`` (``effective_metric_``, its ``p``, ``weights``)."""

from __future__ import annotations

from ..errors import ConfigError

_METRICS = ("euclidean", "manhattan", "chebyshev", "minkowski")


def knn_params(est) -> dict:
    """``n_neighbors``, ``weights``, ``metric`` and ``p`` of the fitted neighbours model ``est``;
    a ConfigError for a metric or weighting the stages do not have."""
    metric = est.effective_metric_
    p = float(est.effective_metric_params_.get("p", 2.0))
    if metric not in _METRICS or est.weights not in ("uniform", "distance"):
        raise ConfigError(f"{type(est).__name__} with metric={metric!r}, weights={est.weights!r} has no stage")
    return {"n_neighbors": est.n_neighbors, "weights": est.weights, "metric": metric, "p": p}
