"""Regression model stages: vector -> one number per window, after scikit-learn's regressors.

``decision_tree_regressor``, ``random_forest_regressor``, ``extra_trees_regressor`` (trees
whose leaves hold values: the node tables of the classifier trees, ``value_`` one column),
``knn_regressor``, ``linear`` (``LinearRegression``), ``ridge`` (``Ridge``),
``mlp_regressor`` (``MLPRegressor``) and ``svr`` (``SVR``, linear / rbf / poly kernels, sharing
the ``svm`` stage's kernel). The target is one float per window.

Contract (the classifiers' API with one output): ``classes_`` is ``["value"]``, the output spec
``scores`` of shape ``(1,)``; ``predict(X)`` gives float64 values equal to scikit-learn's
``predict``; ``transform(X)`` the same as ``(n, 1)`` in the input dtype; the "label" of every
window is 0. Trees: a forest's value is the sum of its trees' leaf values in tree order divided
by the number of trees (``RandomForestRegressor.predict``). k-NN: the mean (or 1/distance
weighted mean) of the k nearest training targets, ties at the k-th neighbour to the lower index.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ...cost import Cost
from ...errors import DataError
from ...registry import register
from ...spec import Spec
from ..base import StageParams
from .base import Model
from .knn import KNNParams, _Neighbours, distance_weights
from .mlp import MLPParams, _DenseLayers
from .svm import Gamma, kernel_values
from .trees import MaxFeatures, _forest_kwargs, _tree_kwargs, _Trees

TARGET = "value"


def regression_targets(y, where: str = "") -> np.ndarray:
    """``y`` as float64 values (numbers, or strings of numbers as datasets keep non-integer
    labels), one per window; a DataError naming the first label that is not a number."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise DataError(f"{where or 'regression'}: targets must be one number per window, got shape {y.shape}")
    if y.dtype.kind in "iufb":
        out = y.astype(np.float64)
    else:
        out = np.empty(len(y), dtype=np.float64)
        for i, v in enumerate(y.tolist()):
            try:
                out[i] = float(v)
            except (TypeError, ValueError):
                raise DataError(
                    f"{where or 'regression'}: target {v!r} (window {i}) is not a number; a regression model "
                    "needs numeric targets (dataset labels or the recipe's target option)"
                ) from None
    if not np.all(np.isfinite(out)):
        raise DataError(f"{where or 'regression'}: a target is NaN or infinite")
    return out


class Regressor(Model):
    """A model with one numeric output (see the module docstring)."""

    task: ClassVar[str] = "regression"
    bit_exact: ClassVar[bool] = False
    """True when the exports give the float32 of scikit-learn's value bit for bit (trees)."""

    def _learned_target(self, y) -> np.ndarray:
        values = regression_targets(y, f"stage '{self.name}'")
        if len(values) < 2:
            raise DataError(f"stage '{self.name}': needs at least two windows to learn")
        self.classes_ = [TARGET]
        return values

    def _after_fit(self) -> None:
        if self.input_spec_ is not None:
            self.output_spec_ = Spec.scores([TARGET])

    def check_learned(self, values) -> None:
        """The base checks, and ``classes_`` exactly ``["value"]``."""
        from ...errors import ArtifactError

        classes = values.get("classes_")
        if isinstance(classes, np.ndarray):
            classes = classes.tolist()
        if classes != [TARGET]:
            raise ArtifactError(f"'classes_' of a regression model must be {[TARGET]}, got {classes!r:.60}")
        super(Model, self).check_learned(values)

    def predict(self, X) -> np.ndarray:
        """Values (float64), equal to scikit-learn's ``predict``."""
        return self._values(self._checked(X))

    def _values(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _proba(self, X):
        """The value as one score column (float64)."""
        return self._values(X)[:, None]

    def _predict_index(self, X):
        return np.zeros(len(X), dtype=np.int64)

    @classmethod
    def example_input(cls, params, rng):
        """Five features and a smooth target around 1000 (so relative tolerances are tested)."""
        n = 60
        X = rng.standard_normal((n, 5)).astype(np.float32)
        y = 1000.0 + 40.0 * X[:, 0] - 25.0 * X[:, 1] * X[:, 2] + 10.0 * np.sin(X[:, 3]) + rng.standard_normal(n)
        return Spec.vector([f"f{i}" for i in range(5)]), X, y


# ---------------------------------------------------------------------------- trees
class _RegTreeParams(StageParams):
    max_depth: int | None = Field(None, ge=1, description="deepest split level (None = grow until pure)")
    min_samples_split: int = Field(2, ge=2)
    min_samples_leaf: int = Field(1, ge=1)
    max_leaf_nodes: int | None = Field(None, ge=2)
    criterion: Literal["squared_error", "friedman_mse", "absolute_error", "poisson"] = "squared_error"
    random_state: int = 0


class _RegTrees(Regressor, _Trees):
    """Trees with one value per leaf: ``value_`` ``(n_nodes, 1)``, scikit-learn's ``tree_.value``."""

    bit_exact = True

    def _fit(self, X, y):
        values = self._learned_target(y)
        est = self._estimator().fit(X, values)
        self._store_trees(getattr(est, "estimators_", [est]))
        self._after_fit()

    def check_learned(self, values) -> None:
        """The tree tables (as the classifiers'), ``value_`` one column of values."""
        Regressor.check_learned(self, values)
        _Trees._check_tables(self, values, 1, fractions=False)

    def _values(self, X):
        return self._leaf_mean(X)[:, 0]

    def cost(self, board=None) -> Cost:
        n_nodes = int(self.offsets_[-1]) if self.offsets_ is not None else 1
        n_leaves = int(np.sum(self.left_ < 0)) if self.left_ is not None else 1
        depth = self.depth() if self.offsets_ is not None else 1
        n_trees = self.n_trees if self.offsets_ is not None else 1
        # inner node: threshold f32 + feature + two children (16 B at most); leaf: value as two f32
        flash = (n_nodes - n_leaves) * 16 + n_leaves * 8 + 4 * n_trees + 256
        return Cost(flash_bytes=flash, ram_bytes=16, ops=n_trees * (2 * depth + 8))

    @classmethod
    def examples(cls):
        return [{"max_depth": 6}, {}]


@register
class DecisionTreeRegressor(_RegTrees):
    """``sklearn.tree.DecisionTreeRegressor``: the value of the leaf reached."""

    name = "decision_tree_regressor"

    class Params(_RegTreeParams):
        type: Literal["decision_tree_regressor"] = "decision_tree_regressor"
        max_features: MaxFeatures = None

    def _estimator(self):
        from sklearn.tree import DecisionTreeRegressor as Sk

        return Sk(**_tree_kwargs(self.params, classifier=False))


class _RegForestParams(_RegTreeParams):
    n_estimators: int = Field(10, ge=1, le=1000, description="number of trees")
    max_features: MaxFeatures = 1.0


class _RegForest(_RegTrees):
    """A forest regressor: ``_sklearn_class`` fitted with the forests' keyword arguments."""

    @staticmethod
    def _sklearn_class():
        raise NotImplementedError

    def _estimator(self):
        return self._sklearn_class()(**_forest_kwargs(self.params, classifier=False))

    @classmethod
    def examples(cls):
        return [{"n_estimators": 6, "max_depth": 5}, {"n_estimators": 3}]


@register
class RandomForestRegressor(_RegForest):
    """``sklearn.ensemble.RandomForestRegressor``: the mean of the trees' leaf values."""

    name = "random_forest_regressor"

    class Params(_RegForestParams):
        type: Literal["random_forest_regressor"] = "random_forest_regressor"
        bootstrap: bool = True

    @staticmethod
    def _sklearn_class():
        from sklearn.ensemble import RandomForestRegressor

        return RandomForestRegressor


@register
class ExtraTreesRegressor(_RegForest):
    """``sklearn.ensemble.ExtraTreesRegressor`` (random thresholds): the mean of the trees' leaf values."""

    name = "extra_trees_regressor"

    class Params(_RegForestParams):
        type: Literal["extra_trees_regressor"] = "extra_trees_regressor"
        bootstrap: bool = False

    @staticmethod
    def _sklearn_class():
        from sklearn.ensemble import ExtraTreesRegressor

        return ExtraTreesRegressor


# ---------------------------------------------------------------------------- k-NN
@register
class KNNRegressor(Regressor, _Neighbours):
    """``sklearn.neighbors.KNeighborsRegressor``: the mean (uniform) or 1/distance weighted mean
    of the ``n_neighbors`` nearest training targets; ties at the k-th neighbour to the lower index."""

    name = "knn_regressor"

    class Params(KNNParams):
        type: Literal["knn_regressor"] = "knn_regressor"

    def __init__(self, params=None, **kwargs):
        super().__init__(params, **kwargs)
        self.fit_X_ = self.fit_y_ = None

    def _fit(self, X, y):
        self._store_neighbours(X, self._learned_target(y))
        self._after_fit()

    def check_learned(self, values) -> None:
        """``fit_X_`` ``(n, n_features)`` with n >= n_neighbors; ``fit_y_`` ``(n,)`` targets."""
        super().check_learned(values)
        self._check_neighbours(values, "f")

    def _values(self, X):
        dist, ind = self.kneighbors(X)
        y = self.fit_y_[ind]
        if self.params.weights == "uniform":
            return np.mean(y, axis=1)
        w = distance_weights(dist)
        return np.sum(y * w, axis=1) / np.sum(w, axis=1)

    def cost(self, board=None) -> Cost:
        n, d = self.fit_X_.shape if self.fit_X_ is not None else (60, self.n_features)
        k = self.params.n_neighbors
        return Cost(flash_bytes=n * (4 * d + 4) + 256, ram_bytes=8 * k + 8, ops=n * (3 * d + k))

    @classmethod
    def examples(cls):
        return [{}, {"n_neighbors": 3, "weights": "distance", "metric": "manhattan"}]


# ---------------------------------------------------------------------------- linear
class _LinearRegressor(Regressor):
    """``X @ coef_ + intercept_`` as scikit-learn's ``LinearModel.predict`` (``coef_`` 1-D, kept
    in the dtype scikit-learn fitted it in)."""

    def __init__(self, params=None, **kwargs):
        super().__init__(params, **kwargs)
        self.coef_ = self.intercept_ = None

    def _estimator(self):
        raise NotImplementedError

    def _fit(self, X, y):
        values = self._learned_target(y)
        est = self._estimator().fit(X, values)
        self.coef_ = np.asarray(est.coef_).ravel()
        self.intercept_ = np.atleast_1d(np.asarray(est.intercept_))
        self._after_fit()

    def check_learned(self, values) -> None:
        """``coef_`` ``(n_features,)`` and ``intercept_`` ``(1,)``."""
        super().check_learned(values)
        from .. import learned as L

        L.array(values, "coef_", "f", shape=(self._learned_n_features(),))
        L.array(values, "intercept_", "f", shape=(1,))

    def _values(self, X):
        return np.asarray(np.asarray(X) @ self.coef_ + self.intercept_[0], dtype=np.float64)

    def cost(self, board=None) -> Cost:
        d = self.n_features
        return Cost(flash_bytes=4 * (d + 1) + 256, ram_bytes=8, ops=2 * d + 2)


@register
class Linear(_LinearRegressor):
    """``sklearn.linear_model.LinearRegression`` (ordinary least squares)."""

    name = "linear"

    class Params(StageParams):
        type: Literal["linear"] = "linear"
        fit_intercept: bool = True

    def _estimator(self):
        from sklearn.linear_model import LinearRegression

        return LinearRegression(fit_intercept=self.params.fit_intercept)


@register
class Ridge(_LinearRegressor):
    """``sklearn.linear_model.Ridge`` (least squares with an L2 penalty ``alpha``)."""

    name = "ridge"

    class Params(StageParams):
        type: Literal["ridge"] = "ridge"
        alpha: float = Field(1.0, ge=0, description="L2 penalty")
        fit_intercept: bool = True

    def _estimator(self):
        from sklearn.linear_model import Ridge as Sk

        return Sk(alpha=self.params.alpha, fit_intercept=self.params.fit_intercept)

    @classmethod
    def examples(cls):
        return [{}, {"alpha": 10.0}]


# ---------------------------------------------------------------------------- MLP
@register
class MLPRegressor(Regressor, _DenseLayers):
    """``sklearn.neural_network.MLPRegressor``: dense layers with a relu / tanh / logistic /
    identity activation and one linear output unit (weights as the ``mlp`` stage keeps them)."""

    name = "mlp_regressor"

    class Params(MLPParams):
        type: Literal["mlp_regressor"] = "mlp_regressor"

    def __init__(self, params=None, **kwargs):
        super().__init__(params, **kwargs)
        self.layer_sizes_ = self.weights_ = self.biases_ = None

    def _fit(self, X, y):
        from sklearn.neural_network import MLPRegressor as Sk

        values = self._learned_target(y)
        self.load_layers(Sk(**self._estimator_kwargs()).fit(X, values))
        self._after_fit()

    def check_learned(self, values) -> None:
        """``layer_sizes_`` from n_features to one output; ``weights_``/``biases_`` flat, exactly
        as long as those layers need."""
        super().check_learned(values)
        self._check_layers(values, 1, "one output")

    def _values(self, X):
        return self._output_layer(X).ravel().astype(np.float64)

    def cost(self, board=None) -> Cost:
        return self._dense_cost(1)

    @classmethod
    def examples(cls):
        return [
            {"hidden_layer_sizes": [8], "max_iter": 300},
            {"hidden_layer_sizes": [6, 4], "activation": "tanh", "max_iter": 300},
        ]


# ---------------------------------------------------------------------------- SVR
@register
class SVR(Regressor):
    """``sklearn.svm.SVR`` (epsilon-SVR): ``sum_s dual_coef_[s] K(x, sv_s) + intercept_`` with the
    ``svm`` stage's kernels (linear, rbf, poly; ``gamma`` scale / auto / a number), in float64 as
    libsvm; equal to ``SVR.predict`` to float64 rounding (libsvm sums in support-vector order)."""

    name = "svr"

    class Params(StageParams):
        type: Literal["svr"] = "svr"
        kernel: Literal["linear", "rbf", "poly"] = "rbf"
        C: float = Field(1.0, gt=0, description="penalty of errors beyond epsilon")
        epsilon: float = Field(0.1, ge=0, description="half width of the tube where errors cost nothing")
        gamma: Gamma = "scale"
        degree: int = Field(3, ge=1, le=10, description="poly kernel degree")
        coef0: float = Field(0.0, description="poly kernel constant")
        max_iter: int = Field(-1, ge=-1, description="libsvm iterations (-1: until tol)")

    def __init__(self, params=None, **kwargs):
        super().__init__(params, **kwargs)
        self.support_vectors_ = self.dual_coef_ = self.intercept_ = self.gamma_ = None

    def estimator(self):
        """The unfitted ``sklearn.svm.SVR`` these params describe."""
        from sklearn.svm import SVR as Sk

        p = self.params
        return Sk(
            kernel=p.kernel, C=p.C, epsilon=p.epsilon, gamma=p.gamma, degree=p.degree, coef0=p.coef0,
            max_iter=p.max_iter,
        )  # fmt: skip

    def _fit(self, X, y):
        values = self._learned_target(y)
        self.load_estimator(self.estimator().fit(X, values))
        self._after_fit()

    def load_estimator(self, est) -> None:
        """Copy a fitted SVR's arrays (``dual_coef_`` as one row of n_sv)."""
        self.support_vectors_ = np.asarray(est.support_vectors_, dtype=np.float64)
        self.dual_coef_ = np.asarray(est.dual_coef_, dtype=np.float64).ravel()
        self.intercept_ = np.atleast_1d(np.asarray(est.intercept_, dtype=np.float64))
        self.gamma_ = float(est._gamma)

    def check_learned(self, values) -> None:
        """``support_vectors_`` ``(n_sv, n_features)``, ``dual_coef_`` ``(n_sv,)``, ``intercept_``
        ``(1,)``, ``gamma_`` a positive number."""
        super().check_learned(values)
        from .. import learned as L

        sv = L.array(values, "support_vectors_", "f", shape=(None, self._learned_n_features()))
        L.array(values, "dual_coef_", "f", shape=(len(sv),))
        L.array(values, "intercept_", "f", shape=(1,))
        L.finite_number(values, "gamma_", positive=True)

    def primal(self) -> np.ndarray:
        """A linear kernel's weights ``dual_coef_ @ support_vectors_`` (float64), ``(n_features,)``."""
        return self.dual_coef_ @ self.support_vectors_

    def _values(self, X):
        p = self.params
        K = kernel_values(X, self.support_vectors_, p.kernel, self.gamma_, p.coef0, p.degree)
        return K @ self.dual_coef_ + self.intercept_[0]

    def cost(self, board=None) -> Cost:
        """As the ``svm`` stage's for one class pair: linear one weight row; rbf/poly every
        support vector, its coefficient and one kernel value (rbf: one expf, ~120 instructions)."""
        d = self.n_features
        n_sv = len(self.support_vectors_) if self.support_vectors_ is not None else 30
        if self.params.kernel == "linear":
            return Cost(flash_bytes=4 * (d + 1) + 1400, ram_bytes=8, ops=5 * d + 4)
        per_sv = 3 * d + 120 if self.params.kernel == "rbf" else 5 * d + self.params.degree
        return Cost(flash_bytes=4 * n_sv * (d + 1) + 24 + 1400, ram_bytes=4 * n_sv + 8, ops=n_sv * (per_sv + 8))

    @classmethod
    def examples(cls):
        return [{}, {"kernel": "linear", "C": 10.0}, {"kernel": "poly", "degree": 2, "gamma": 0.3, "coef0": 1.0}]
