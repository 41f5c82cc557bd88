"""Kernel support vector machine, after ``sklearn.svm.SVC`` (libsvm's C-SVC).

Keeps scikit-learn's public arrays: ``support_vectors_`` ``(n_sv, d)`` grouped by class,
``n_support_`` (support vectors per class), ``dual_coef_`` ``(k - 1, n_sv)``, ``intercept_``
(one per class pair, in libsvm's order (0, 1), (0, 2) ... (1, 2) ...) and the resolved
``gamma_`` (``scale``: 1 / (d * X.var()), ``auto``: 1 / d). Pair p = (i, j) has the decision
value ``sum_{sv of i} dual_coef_[j - 1, sv] K(x, sv) + sum_{sv of j} dual_coef_[i, sv] K(x, sv)
+ intercept_[p]``; > 0 is a vote for i, else for j (libsvm's ``svm_predict_values``). The label
is the class with most votes, a tie going to the lowest class index (libsvm), or with
``break_ties`` the argmax of the decision function (scikit-learn's ``break_ties=True``).
Kernels (libsvm's ``k_function``): linear ``<x, sv>``, rbf ``exp(-gamma |x - sv|^2)``, poly
``(gamma <x, sv> + coef0)^degree``; :func:`kernel_values` is the one evaluation (the ``svr``
regression stage can share it). Arithmetic in float64 as libsvm's.

Scores (``transform``): with two classes ``[-d, d]``, d being ``SVC.decision_function`` (d > 0 is
classes_[1]). With more, ``SVC.decision_function`` in its default ``ovr`` shape (votes + sum of
confidences / (3 (|sum| + 1)), scikit-learn's ``_ovr_decision_function``), except at a tie of the
top vote count without ``break_ties``: there the tied classes above the lowest index get one vote
less, so the argmax of the scores is always the label (the pipeline, HIL and streaming read the
label as that argmax). ``decision_function`` gives scikit-learn's values unchanged.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, field_validator

from ...cost import Cost
from ...registry import register
from ..base import StageParams
from .base import Model

KERNELS = ("linear", "rbf", "poly")
# bytes of sf_svm.c's code (arm-none-eabi-gcc -O2, Cortex-M4F: 1,420), which the export report
# measures as a whole object (a linker dropping unused sections keeps ~900 for a linear kernel)
_CODE = 1400


def kernel_values(X: np.ndarray, SV: np.ndarray, kernel: str, gamma: float, coef0: float, degree: int) -> np.ndarray:
    """``K[n, s] = K(X[n], SV[s])`` in float64, as libsvm's ``k_function`` (rbf by explicit
    differences, as its dense representation does)."""
    X = np.asarray(X, dtype=np.float64)
    SV = np.asarray(SV, dtype=np.float64)
    if kernel == "linear":
        return X @ SV.T
    if kernel == "poly":
        return (gamma * (X @ SV.T) + coef0) ** degree
    out = np.empty((len(X), len(SV)), dtype=np.float64)
    chunk = max(1, 2_000_000 // max(1, SV.size))
    for s in range(0, len(X), chunk):
        diff = X[s : s + chunk, None, :] - SV[None, :, :]
        out[s : s + chunk] = np.exp(-gamma * np.einsum("nsd,nsd->ns", diff, diff))
    return out


def class_pairs(k: int) -> list[tuple[int, int]]:
    """libsvm's one-vs-one order: (0, 1), (0, 2) ... (0, k-1), (1, 2) ..."""
    return [(i, j) for i in range(k) for j in range(i + 1, k)]


def ovo_decision(K: np.ndarray, dual_coef: np.ndarray, intercept: np.ndarray, n_support) -> np.ndarray:
    """Pairwise decision values ``(n, k (k - 1) / 2)`` from kernel values ``K`` ``(n, n_sv)``
    (libsvm's sign: > 0 votes for the first class of the pair)."""
    n_support = np.asarray(n_support, dtype=np.int64)
    start = np.concatenate([[0], np.cumsum(n_support)])
    k = len(n_support)
    out = np.empty((len(K), k * (k - 1) // 2), dtype=np.float64)
    for p, (i, j) in enumerate(class_pairs(k)):
        si, sj = slice(start[i], start[i + 1]), slice(start[j], start[j + 1])
        out[:, p] = K[:, si] @ dual_coef[j - 1, si] + K[:, sj] @ dual_coef[i, sj] + intercept[p]
    return out


def ovr_from_ovo(dec: np.ndarray, k: int) -> np.ndarray:
    """``sklearn.utils.multiclass._ovr_decision_function(dec < 0, -dec, k)``: votes plus the
    summed confidences squashed into (-1/3, 1/3)."""
    votes = np.zeros((len(dec), k))
    conf = np.zeros((len(dec), k))
    for p, (i, j) in enumerate(class_pairs(k)):
        conf[:, i] += dec[:, p]
        conf[:, j] -= dec[:, p]
        votes[dec[:, p] >= 0, i] += 1
        votes[dec[:, p] < 0, j] += 1
    return votes + conf / (3 * (np.abs(conf) + 1))


def ovo_votes(dec: np.ndarray, k: int) -> np.ndarray:
    """libsvm's votes per class: pair (i, j) votes i when its decision value is > 0, else j."""
    votes = np.zeros((len(dec), k), dtype=np.int64)
    for p, (i, j) in enumerate(class_pairs(k)):
        votes[:, i] += dec[:, p] > 0
        votes[:, j] += dec[:, p] <= 0
    return votes


@register
class SVM(Model):
    """``sklearn.svm.SVC``: one-vs-one kernel SVMs (linear, rbf, poly) voting as libsvm does
    (ties to the lowest class index); scores are the decision function."""

    name = "svm"

    class Params(StageParams):
        type: Literal["svm"] = "svm"
        kernel: Literal["linear", "rbf", "poly"] = "rbf"
        C: float = Field(1.0, gt=0, description="penalty of the soft margin")
        gamma: str | float = Field(
            "scale", description="kernel coefficient: scale = 1 / (d X.var()), auto = 1 / d, or a positive number"
        )
        degree: int = Field(3, ge=1, le=10, description="poly kernel degree")
        coef0: float = Field(0.0, description="poly kernel constant")
        class_weight: Literal["balanced"] | None = None
        break_ties: bool = Field(False, description="label = argmax of the decision function, not libsvm's vote")
        max_iter: int = Field(-1, ge=-1, description="libsvm iterations (-1: until tol)")

        @field_validator("gamma")
        @classmethod
        def _gamma(cls, v):
            if (isinstance(v, str) and v not in ("scale", "auto")) or (not isinstance(v, str) and not v > 0):
                raise ValueError(f"gamma should be 'scale', 'auto' or a positive number, got {v!r}")
            return v

    def __init__(self, params=None, **kwargs):
        super().__init__(params, **kwargs)
        self.support_vectors_ = self.dual_coef_ = self.intercept_ = self.n_support_ = None
        self.gamma_ = None

    def estimator(self):
        """The unfitted ``sklearn.svm.SVC`` these params describe."""
        from sklearn.svm import SVC

        p = self.params
        return SVC(
            C=p.C,
            kernel=p.kernel,
            gamma=p.gamma,
            degree=p.degree,
            coef0=p.coef0,
            class_weight=p.class_weight,
            break_ties=p.break_ties,
            max_iter=p.max_iter,
        )

    def _fit(self, X, y):
        codes = self._learned_classes(y)
        est = self.estimator().fit(X, codes)
        self.load_estimator(est)
        self._after_fit()

    def load_estimator(self, est) -> None:
        """Copy a fitted SVC's arrays (classes already set)."""
        self.support_vectors_ = np.asarray(est.support_vectors_, dtype=np.float64)
        self.dual_coef_ = np.asarray(est.dual_coef_, dtype=np.float64)
        self.intercept_ = np.asarray(est.intercept_, dtype=np.float64)
        self.n_support_ = np.asarray(est.n_support_, dtype=np.int32)
        self.gamma_ = float(est._gamma)

    def check_learned(self, values) -> None:
        """``support_vectors_`` ``(n_sv, d)``, ``n_support_`` ``(k,)`` summing to n_sv, ``dual_coef_``
        ``(k - 1, n_sv)``, ``intercept_`` ``(k (k - 1) / 2,)``, ``gamma_`` a positive number."""
        super().check_learned(values)
        from ...errors import ArtifactError
        from .. import learned as L

        k = len(values["classes_"])
        sv = L.array(values, "support_vectors_", "f", shape=(None, self._learned_n_features()))
        ns = L.array(values, "n_support_", "iu", shape=(k,))
        if np.any(ns < 0) or int(ns.sum()) != len(sv):
            raise ArtifactError(f"'n_support_' should count the {len(sv)} support vectors per class")
        L.array(values, "dual_coef_", "f", shape=(k - 1, len(sv)))
        L.array(values, "intercept_", "f", shape=(k * (k - 1) // 2,))
        g = values.get("gamma_")
        if not isinstance(g, (int, float)) or isinstance(g, bool) or not g > 0:
            raise ArtifactError(f"'gamma_' should be a positive number, got {g!r:.40}")

    # ------------------------------------------------------------------ inference
    def kernel(self, X) -> np.ndarray:
        p = self.params
        return kernel_values(X, self.support_vectors_, p.kernel, self.gamma_, p.coef0, p.degree)

    def ovo_decision(self, X) -> np.ndarray:
        """libsvm's pairwise decision values ``(n, k (k - 1) / 2)`` (> 0: first class of the pair)."""
        K = self.kernel(X)
        if self.n_classes == 2:  # scikit-learn's public dual_coef_ / intercept_ are negated for two classes
            return -(K @ self.dual_coef_[0] + self.intercept_[0])[:, None]
        return ovo_decision(K, self.dual_coef_, self.intercept_, self.n_support_)

    def decision_function(self, X) -> np.ndarray:
        """``SVC.decision_function`` (default ``ovr`` shape): ``(n,)`` for two classes, else ``(n, k)``."""
        dec = self.ovo_decision(np.asarray(X))
        if self.n_classes == 2:
            return -dec[:, 0]
        return ovr_from_ovo(dec, self.n_classes)

    def _proba(self, X):
        dec = self.ovo_decision(X)
        k = self.n_classes
        if k == 2:
            return np.stack([dec[:, 0], -dec[:, 0]], axis=1)
        scores = ovr_from_ovo(dec, k)
        if not self.params.break_ties:
            votes = ovo_votes(dec, k)
            top = votes.max(axis=1, keepdims=True)
            tied = votes == top
            winner = np.argmax(tied, axis=1)
            demote = tied.copy()
            demote[np.arange(len(X)), winner] = False
            scores[demote] -= 1.0
        return scores

    def _predict_index(self, X):
        dec = self.ovo_decision(X)
        if self.n_classes == 2:
            return (dec[:, 0] <= 0).astype(np.int64)  # libsvm: pair (0, 1) votes 0 only when > 0
        if self.params.break_ties:
            return np.argmax(ovr_from_ovo(dec, self.n_classes), axis=1)
        return np.argmax(ovo_votes(dec, self.n_classes), axis=1)

    def primal(self) -> np.ndarray:
        """Linear kernel only: the weights ``(n_pairs, d)`` of each pair's decision value in
        libsvm's sign (sum of dual coefficients x support vectors, float64)."""
        sv = self.support_vectors_
        k = self.n_classes
        if k == 2:
            return -(self.dual_coef_[0] @ sv)[None, :]
        start = np.concatenate([[0], np.cumsum(self.n_support_)])
        W = np.empty((k * (k - 1) // 2, sv.shape[1]))
        for p, (i, j) in enumerate(class_pairs(k)):
            si, sj = slice(start[i], start[i + 1]), slice(start[j], start[j + 1])
            W[p] = self.dual_coef_[j - 1, si] @ sv[si] + self.dual_coef_[i, sj] @ sv[sj]
        return W

    def pair_intercepts(self) -> np.ndarray:
        """Each pair's constant in libsvm's sign (scikit-learn negates it for two classes)."""
        return -self.intercept_ if self.n_classes == 2 else np.asarray(self.intercept_, dtype=np.float64)

    def cost(self, board=None) -> Cost:
        """linear: one weight row per class pair (the support vectors are summed at export);
        rbf/poly: every support vector (d floats) and its k - 1 coefficients, one kernel value
        per support vector (rbf: d differences and squares and one expf; poly: a compensated
        dot product, about 5 operations a term, and degree multiplies), then a compensated
        multiply-add per coefficient and the k (k - 1) / 2 votes. Flash counts the tables and
        the kernel's code, not libm's expf."""
        k = max(self.n_classes, 2)
        pairs = k * (k - 1) // 2
        d = self.n_features
        n_sv = len(self.support_vectors_) if self.support_vectors_ is not None else 30
        if self.params.kernel == "linear":
            return Cost(flash_bytes=4 * pairs * (d + 1) + _CODE, ram_bytes=4 * (pairs + 2 * k), ops=pairs * (5 * d + 4))
        flash = 4 * n_sv * d + 4 * (k - 1) * n_sv + 4 * pairs + 4 * (k + 1) + _CODE
        # one expf, about 120 instructions with newlib on a Cortex-M4F; measured (HIL,
        # qemu-mps2-an386): 25 rbf support vectors of 6 features, 3 classes, 5386 instructions
        exp_ops = 120
        per_sv = 3 * d + exp_ops if self.params.kernel == "rbf" else 5 * d + self.params.degree
        ops = n_sv * per_sv + 8 * (k - 1) * n_sv + 4 * pairs + 4 * k  # a compensated add: ~8
        return Cost(flash_bytes=flash, ram_bytes=4 * (n_sv + pairs + 2 * k), ops=ops)

    @classmethod
    def examples(cls):
        return [
            {},
            {"kernel": "linear", "C": 0.5},
            {"kernel": "rbf", "gamma": "auto", "C": 2.0},
            {"kernel": "poly", "degree": 2, "gamma": 0.3, "coef0": 1.0},
            {"break_ties": True},
        ]
