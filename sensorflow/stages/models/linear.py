"""Linear and probabilistic models: logistic regression and Gaussian naive Bayes.

Learned arrays keep the dtype scikit-learn fitted them in (float32 for float32 features), so
the arithmetic is the same. ``logistic`` keeps ``coef_``/``intercept_`` of ``sklearn.linear_model.LogisticRegression``:
softmax of ``X @ coef_.T + intercept_`` for several classes, ``[1 - expit(d), expit(d)]``
for two (predict: ``d > 0``). ``gaussian_nb`` keeps ``theta_``, ``var_`` and
``class_prior_`` of ``sklearn.naive_bayes.GaussianNB`` and evaluates its joint
log-likelihood and log-sum-exp normalisation the same way.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from ...cost import Cost
from ...registry import register
from ..base import StageParams
from .base import Model
from .int8 import calibration_ranges


def expit(x, out=None):
    """``scipy.special.expit``, imported on first use (``sensorflow validate`` imports this module)."""
    from scipy.special import expit as _expit

    return _expit(x, out=out)


def softmax(Z: np.ndarray) -> np.ndarray:
    """``sklearn.utils.extmath.softmax``: subtract the row max, exp, divide by the row sum."""
    Z = Z - Z.max(axis=1)[:, None]
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=1)[:, None]
    return Z


def logsumexp(a: np.ndarray) -> np.ndarray:
    """Row-wise log-sum-exp, as scikit-learn's ``_logsumexp`` computes it."""
    a_max = np.max(a, axis=1, keepdims=True)
    is_max = a == a_max
    rest = a.copy()
    rest[is_max] = -np.inf
    m = np.sum(is_max.astype(a.dtype), axis=1, keepdims=True, dtype=a.dtype)
    shift = np.where(np.isfinite(a_max), a_max, 0)
    s = np.sum(np.exp(rest - shift), axis=1, keepdims=True, dtype=a.dtype)
    s = np.where(s == 0, s, s / m)
    return np.squeeze(np.log1p(s) + np.log(m) + a_max, axis=1)


@register
class Logistic(Model):
    """``sklearn.linear_model.LogisticRegression`` (L2, ``C``): softmax of ``X @ coef_.T + intercept_``,
    the logistic of the one decision value for two classes."""

    name = "logistic"

    class Params(StageParams):
        type: Literal["logistic"] = "logistic"
        C: float = Field(1.0, gt=0, description="inverse regularisation strength (L2)")
        max_iter: int = Field(1000, ge=1)
        class_weight: Literal["balanced"] | None = None

    def __init__(self, params=None, **kwargs):
        super().__init__(params, **kwargs)
        self.coef_ = self.intercept_ = None
        self.int8_ranges_ = None  # calibration for the int8 path (stages.models.int8)

    def _fit(self, X, y):
        from sklearn.linear_model import LogisticRegression

        codes = self._learned_classes(y)
        p = self.params
        est = LogisticRegression(C=p.C, max_iter=p.max_iter, class_weight=p.class_weight).fit(X, codes)
        self.coef_ = np.asarray(est.coef_)
        self.intercept_ = np.asarray(est.intercept_)
        self.int8_ranges_ = calibration_ranges(self, X)
        self._after_fit()

    def check_learned(self, values) -> None:
        """``coef_`` ``(k, n_features)`` and ``intercept_`` ``(k,)``, k = 1 for two classes else one per class."""
        super().check_learned(values)
        from .. import learned as L

        n_classes = len(values["classes_"])
        k = 1 if n_classes == 2 else n_classes
        L.array(values, "coef_", "f", shape=(k, self._learned_n_features()))
        L.array(values, "intercept_", "f", shape=(k,))

    def decision_function(self, X) -> np.ndarray:
        d = np.asarray(X) @ self.coef_.T + self.intercept_
        return d.ravel() if d.shape[1] == 1 else d

    def _proba(self, X):
        d = self.decision_function(X)
        if d.ndim == 1:
            p = expit(d)
            return np.stack([1 - p, p], axis=1)
        return softmax(d)

    def _predict_index(self, X):
        d = self.decision_function(X)
        return (d > 0).astype(np.int64) if d.ndim == 1 else np.argmax(d, axis=1)

    def cost(self, board=None) -> Cost:
        k = self.coef_.shape[0] if self.coef_ is not None else 1
        d = self.n_features
        return Cost(flash_bytes=4 * k * (d + 1) + 256, ram_bytes=4 * max(k, 2), ops=k * (d + 4))


@register
class GaussianNB(Model):
    """``sklearn.naive_bayes.GaussianNB``: per-class Gaussian likelihoods (``theta_``, ``var_``,
    ``class_prior_``), normalised by log-sum-exp as scikit-learn does."""

    name = "gaussian_nb"

    class Params(StageParams):
        type: Literal["gaussian_nb"] = "gaussian_nb"
        var_smoothing: float = Field(1e-9, ge=0, description="fraction of the largest variance added to all")

    def __init__(self, params=None, **kwargs):
        super().__init__(params, **kwargs)
        self.theta_ = self.var_ = self.class_prior_ = None

    def _fit(self, X, y):
        from sklearn.naive_bayes import GaussianNB as SkGaussianNB

        codes = self._learned_classes(y)
        est = SkGaussianNB(var_smoothing=self.params.var_smoothing).fit(X, codes)
        self.theta_ = np.asarray(est.theta_)
        self.var_ = np.asarray(est.var_)
        self.class_prior_ = np.asarray(est.class_prior_)
        self._after_fit()

    def check_learned(self, values) -> None:
        """``theta_``/``var_`` ``(n_classes, n_features)`` with ``var_`` > 0, ``class_prior_`` > 0 per class."""
        super().check_learned(values)
        from ...errors import ArtifactError
        from .. import learned as L

        shape = (len(values["classes_"]), self._learned_n_features())
        L.array(values, "theta_", "f", shape=shape)
        if np.any(L.array(values, "var_", "f", shape=shape) <= 0):
            raise ArtifactError("'var_': variances must be positive")
        if np.any(L.array(values, "class_prior_", "f", shape=shape[:1]) <= 0):
            raise ArtifactError("'class_prior_': priors must be positive")

    def joint_log_likelihood(self, X) -> np.ndarray:
        X = np.asarray(X)
        jll = []
        for i in range(self.n_classes):
            jointi = np.log(self.class_prior_[i])
            n_ij = -0.5 * np.sum(np.log(2.0 * np.pi * self.var_[i, :]))
            n_ij = n_ij - 0.5 * np.sum(((X - self.theta_[i, :]) ** 2) / (self.var_[i, :]), axis=1)
            jll.append(jointi + n_ij)
        return np.stack(jll).T

    def _proba(self, X):
        jll = self.joint_log_likelihood(X)
        return np.exp(jll - np.atleast_2d(logsumexp(jll)).T)

    def _predict_index(self, X):
        return np.argmax(self.joint_log_likelihood(X), axis=1)

    def cost(self, board=None) -> Cost:
        k, d = max(self.n_classes, 1), self.n_features
        return Cost(flash_bytes=4 * k * (2 * d + 1) + 256, ram_bytes=4 * k, ops=k * (3 * d + 4))


@register
class RidgeClassifier(Logistic):
    """``sklearn.linear_model.RidgeClassifierCV``: ridge regression on {-1, 1} class targets,
    alpha chosen by efficient leave-one-out cross-validation over ``alphas``; keeps ``coef_``,
    ``intercept_`` and ``alpha_``. Prediction is scikit-learn's (``d > 0`` for two classes,
    else argmax of ``X @ coef_.T + intercept_``); scikit-learn gives no probabilities, so the
    scores are the softmax of the decision values (expit for two classes), as ``logistic``'s."""

    name = "ridge_classifier"

    class Params(StageParams):
        type: Literal["ridge_classifier"] = "ridge_classifier"
        alphas: list[float] = Field(
            default_factory=lambda: np.logspace(-3, 3, 10).tolist(),
            min_length=1,
            description="regularisation strengths tried (aeon's MiniRocket: 10^-3 .. 10^3, 10 values)",
        )
        class_weight: Literal["balanced"] | None = None

    def __init__(self, params=None, **kwargs):
        super().__init__(params, **kwargs)
        self.alpha_ = None

    def _fit(self, X, y):
        from sklearn.linear_model import RidgeClassifierCV

        codes = self._learned_classes(y)
        p = self.params
        est = RidgeClassifierCV(alphas=np.asarray(p.alphas), class_weight=p.class_weight).fit(X, codes)
        self.coef_ = np.asarray(est.coef_)
        self.intercept_ = np.atleast_1d(np.asarray(est.intercept_))
        self.alpha_ = float(est.alpha_)
        self.int8_ranges_ = calibration_ranges(self, X)
        self._after_fit()

    def check_learned(self, values) -> None:
        """As ``logistic``'s; for two classes scikit-learn's 1-D ``coef_`` counts as one row."""
        coef = values.get("coef_")
        if isinstance(coef, np.ndarray) and coef.ndim == 1:
            values = {**values, "coef_": coef[None, :]}
        super().check_learned(values)

    def decision_function(self, X) -> np.ndarray:
        """``X @ coef_.T + intercept_`` as scikit-learn computes it (two classes: ``coef_`` is
        one row, kept 1-D as scikit-learn keeps it, so the product is the same BLAS call)."""
        d = np.asarray(X) @ self.coef_.T + self.intercept_
        return d.ravel() if d.ndim == 2 and d.shape[1] == 1 else d

    def cost(self, board=None) -> Cost:
        k = np.atleast_2d(self.coef_).shape[0] if self.coef_ is not None else 1
        d = self.n_features
        return Cost(flash_bytes=4 * k * (d + 1) + 256, ram_bytes=4 * max(k, 2), ops=k * (d + 4))
