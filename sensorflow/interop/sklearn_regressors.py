"""Fitted scikit-learn regressors -> the regression stages (``stages/models/regression.py``)
with the same learned arrays: ``DecisionTreeRegressor`` / ``RandomForestRegressor`` /
``ExtraTreesRegressor`` -> the tree regressors (thresholds rounded to float32 as the stages do),
``KNeighborsRegressor`` -> ``knn_regressor``, ``LinearRegression`` -> ``linear``, ``Ridge`` ->
``ridge``, and the other linear models whose ``predict`` is ``X @ coef_ + intercept_`` (``Lasso``,
``ElasticNet``, ``SGDRegressor``, ``LinearSVR``) -> ``linear`` with their ``coef_``/``intercept_``;
``MLPRegressor`` -> ``mlp_regressor``, ``SVR`` (linear, rbf, poly kernels) -> ``svr``. One
output only (a 1-D target)."""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from ..stages.models.regression import TARGET
from .sklearn_knn import knn_params

_TREES = {
    "DecisionTreeRegressor": "decision_tree_regressor",
    "RandomForestRegressor": "random_forest_regressor",
    "ExtraTreesRegressor": "extra_trees_regressor",
}
_LINEAR = ("LinearRegression", "Ridge", "Lasso", "ElasticNet", "SGDRegressor", "LinearSVR")
REGRESSORS = (*_TREES, "KNeighborsRegressor", *_LINEAR, "MLPRegressor", "SVR")


def regressor_stage(est):
    """The regression stage equal to the fitted regressor ``est`` (unbound)."""
    from ..registry import stage as make

    kind = type(est).__name__
    if not hasattr(est, "n_features_in_"):
        raise ConfigError(f"{kind} is not fitted; fit it first")
    coef = np.atleast_2d(getattr(est, "coef_", np.zeros(1)))
    if getattr(est, "n_outputs_", 1) != 1 or coef.shape[0] > 1:
        raise ConfigError(f"{kind} predicts several outputs; the regression stages give one value per window")
    if kind in _TREES:
        trees = getattr(est, "estimators_", [est])
        params = {"n_estimators": len(trees)} if kind != "DecisionTreeRegressor" else {}
        s = make(_TREES[kind], max_depth=est.max_depth, **params)
        s._store_trees(trees)
    elif kind == "KNeighborsRegressor":
        s = make("knn_regressor", **knn_params(est))
        s.fit_X_ = np.array(est._fit_X)
        s.fit_y_ = np.asarray(est._y, dtype=np.float64).ravel()
    elif kind in _LINEAR:
        s = make("ridge", alpha=float(est.alpha)) if kind == "Ridge" else make("linear")
        s.coef_ = np.asarray(est.coef_).ravel()
        s.intercept_ = np.atleast_1d(np.asarray(est.intercept_)).ravel()
    elif kind == "MLPRegressor":
        if est.out_activation_ != "identity":
            raise ConfigError(f"MLPRegressor with output activation {est.out_activation_!r} has no stage")
        s = make("mlp_regressor", hidden_layer_sizes=list(est.hidden_layer_sizes), activation=est.activation)
        s.load_layers(est)
    elif kind == "SVR":
        if est.kernel not in ("linear", "rbf", "poly"):
            raise ConfigError(f"SVR(kernel={est.kernel!r}) has no stage; linear, rbf and poly do")
        s = make("svr", kernel=est.kernel, C=est.C, epsilon=est.epsilon, gamma=float(est._gamma),
                 degree=est.degree, coef0=est.coef0)  # fmt: skip
        s.load_estimator(est)
    else:  # pragma: no cover - the caller dispatches on REGRESSORS
        raise ConfigError(f"no sensorflow stage mirrors {kind}")
    s.classes_ = [TARGET]
    return s
