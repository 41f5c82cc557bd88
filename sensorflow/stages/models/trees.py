"""Decision tree, random forest and extra trees, after scikit-learn.

Trained with scikit-learn; kept as flat node arrays (all trees concatenated, ``offsets_``
marks where each tree starts; child indices are local to their tree, -1 at leaves):
``feature_`` (int32), ``threshold_`` (float32), ``left_``/``right_`` (int32) and ``value_``
(float64 class fractions per node, as ``tree_.value``). Inference walks all rows level by
level (no recursion, any depth).

Exactness: scikit-learn casts X to float32 and tests ``x <= threshold`` against a float64
threshold. For float32 x that equals ``x <= t32`` with t32 the largest float32 not above
the threshold (rounding toward -inf), so ``threshold_`` holds t32 and a float32 device
comparison gives the same branch. Forest probabilities are the mean of the trees'
probabilities (soft voting, summed in tree order then divided, as scikit-learn does).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np
from pydantic import Field

from ...cost import Cost
from ...registry import register
from ..base import StageParams
from .base import Model


def threshold_float32(threshold: np.ndarray) -> np.ndarray:
    """Largest float32 <= each float64 threshold."""
    thr = np.asarray(threshold, dtype=np.float64)
    t32 = thr.astype(np.float32)
    above = t32.astype(np.float64) > thr
    t32[above] = np.nextafter(t32[above], np.float32(-np.inf))
    return t32


MaxFeatures = int | float | Literal["sqrt", "log2"] | None


class _TreeParams(StageParams):
    max_depth: int | None = Field(None, ge=1, description="deepest split level (None = grow until pure)")
    min_samples_split: int = Field(2, ge=2)
    min_samples_leaf: int = Field(1, ge=1)
    max_leaf_nodes: int | None = Field(None, ge=2)
    criterion: Literal["gini", "entropy", "log_loss"] = "gini"
    class_weight: Literal["balanced"] | None = None
    random_state: int = 0


class _Trees(Model):
    """Shared inference for one tree or an ensemble of trees."""

    def __init__(self, params=None, **kwargs):
        super().__init__(params, **kwargs)
        self.feature_ = self.threshold_ = self.left_ = self.right_ = self.value_ = self.offsets_ = None

    def _estimator(self):
        raise NotImplementedError

    def _fit(self, X, y):
        codes = self._learned_classes(y)
        est = self._estimator().fit(X, codes)
        self._store_trees(getattr(est, "estimators_", [est]))
        self._after_fit()

    def _store_trees(self, trees) -> None:
        """Flat node tables of fitted scikit-learn trees (``tree_``), in tree order."""
        feats, thrs, lefts, rights, values, offsets = [], [], [], [], [], [0]
        for t in trees:
            tr = t.tree_
            feats.append(tr.feature.astype(np.int32))
            thrs.append(threshold_float32(tr.threshold))
            lefts.append(tr.children_left.astype(np.int32))
            rights.append(tr.children_right.astype(np.int32))
            values.append(np.asarray(tr.value[:, 0, :], dtype=np.float64))
            offsets.append(offsets[-1] + tr.node_count)
        self.feature_ = np.concatenate(feats)
        self.threshold_ = np.concatenate(thrs)
        self.left_ = np.concatenate(lefts)
        self.right_ = np.concatenate(rights)
        self.value_ = np.concatenate(values)
        self.offsets_ = np.asarray(offsets, dtype=np.int64)

    def check_learned(self, values) -> None:
        """Node tables of equal length, ``offsets_`` from 0 rising to it; per tree, an inner node's
        children lie after it and inside its tree (so every walk ends at a leaf), a leaf has -1
        for both, features index the model's input; ``value_`` has one column per class."""
        super().check_learned(values)
        self._check_tables(values, len(values["classes_"]))

    def _check_tables(self, values, n_columns: int, fractions: bool = True) -> None:
        """The node tables (see ``check_learned``), ``value_`` with ``n_columns`` columns
        (class fractions, never negative, when ``fractions``)."""
        from ...errors import ArtifactError
        from .. import learned as L

        offsets = L.array(values, "offsets_", "iu", ndim=1).astype(np.int64)
        if len(offsets) < 2 or offsets[0] != 0 or np.any(np.diff(offsets) < 1):
            raise ArtifactError("'offsets_' should start at 0 and rise by at least one node per tree")
        n = int(offsets[-1])
        feature = L.array(values, "feature_", "iu", shape=(n,)).astype(np.int64)
        L.array(values, "threshold_", "f", shape=(n,))
        left = L.array(values, "left_", "iu", shape=(n,)).astype(np.int64)
        right = L.array(values, "right_", "iu", shape=(n,)).astype(np.int64)
        value = L.array(values, "value_", "f", shape=(n, n_columns))
        sizes = np.diff(offsets)
        local = np.arange(n) - np.repeat(offsets[:-1], sizes)
        size = np.repeat(sizes, sizes)
        leaf = left < 0
        if np.any(leaf != (right < 0)) or np.any(left[leaf] != -1) or np.any(right[leaf] != -1):
            raise ArtifactError("'left_'/'right_': a node has one child, or a leaf is not marked -1")
        inner = ~leaf
        for name, child in (("left_", left), ("right_", right)):
            if np.any(child[inner] <= local[inner]) or np.any(child[inner] >= size[inner]):
                raise ArtifactError(f"'{name}': a child index points outside its tree or back to an earlier node")
        n_features = self._learned_n_features()
        if np.any(feature[inner] < 0) or (n_features is not None and np.any(feature[inner] >= n_features)):
            raise ArtifactError(f"'feature_': a feature index is outside 0..{(n_features or 1) - 1}")
        if fractions and np.any(value < 0):
            raise ArtifactError("'value_': class fractions must not be negative")

    # ------------------------------------------------------------------ accessors
    @property
    def n_trees(self) -> int:
        return len(self.offsets_) - 1

    def trees(self) -> Iterator[dict[str, np.ndarray]]:
        """Per tree: feature, threshold (float32, compare ``x <= t``), left, right (local
        indices, -1 at a leaf) and value (class fractions per node)."""
        for t in range(self.n_trees):
            a, b = int(self.offsets_[t]), int(self.offsets_[t + 1])
            yield {
                "feature": self.feature_[a:b],
                "threshold": self.threshold_[a:b],
                "left": self.left_[a:b],
                "right": self.right_[a:b],
                "value": self.value_[a:b],
            }

    def depth(self) -> int:
        """Deepest leaf over all trees (root = depth 0)."""
        best = 0
        for tree in self.trees():
            depth = np.zeros(len(tree["left"]), dtype=np.int64)
            for i in range(len(depth)):  # parents precede children in scikit-learn's node order
                if tree["left"][i] >= 0:
                    depth[tree["left"][i]] = depth[tree["right"][i]] = depth[i] + 1
            best = max(best, int(depth.max()))
        return best

    # ------------------------------------------------------------------ inference
    def apply(self, X) -> np.ndarray:
        """Leaf index (local to its tree) reached by each row in each tree: ``(n, n_trees)``."""
        X32 = np.asarray(X).astype(np.float32)
        rows = np.arange(len(X32))
        out = np.empty((len(X32), self.n_trees), dtype=np.int64)
        for t, tree in enumerate(self.trees()):
            left, right, feat, thr = tree["left"], tree["right"], tree["feature"], tree["threshold"]
            node = np.zeros(len(X32), dtype=np.int64)
            active = rows[left[node] >= 0]
            while len(active):
                nd = node[active]
                go_left = X32[active, feat[nd]] <= thr[nd]
                node[active] = np.where(go_left, left[nd], right[nd])
                active = active[left[node[active]] >= 0]
            out[:, t] = node
        return out

    def _proba(self, X):
        return self._leaf_mean(X)

    def _leaf_mean(self, X) -> np.ndarray:
        """The ``value_`` rows of the leaves reached, summed in tree order and divided by the
        number of trees (scikit-learn's forest ``predict_proba`` / ``predict``): ``(n, columns)``."""
        leaves = self.apply(X)
        if self.n_trees == 1:
            return self.value_[leaves[:, 0]].copy()
        out = np.zeros((len(X), self.value_.shape[1]), dtype=np.float64)
        for t in range(self.n_trees):
            out += self.value_[self.offsets_[t] + leaves[:, t]]
        out /= self.n_trees
        return out

    # ------------------------------------------------------------------ cost
    def cost(self, board=None) -> Cost:
        n_nodes = int(self.offsets_[-1]) if self.offsets_ is not None else 1
        n_leaves = int(np.sum(self.left_ < 0)) if self.left_ is not None else 1
        n_classes = max(self.n_classes, 1)
        depth = self.depth() if self.offsets_ is not None else 1
        n_trees = self.n_trees if self.offsets_ is not None else 1
        # inner node: feature int16 + threshold f32 + two child int16; leaf: class fractions f32
        flash = (n_nodes - n_leaves) * 10 + n_leaves * 4 * n_classes + 256
        return Cost(flash_bytes=flash, ram_bytes=4 * n_classes, ops=n_trees * (2 * depth + n_classes) + n_classes)

    @classmethod
    def examples(cls):
        return [{}, {"max_depth": 3}]


@register
class DecisionTree(_Trees):
    """``sklearn.tree.DecisionTreeClassifier``; probabilities are the leaf's class fractions."""

    name = "decision_tree"

    class Params(_TreeParams):
        type: Literal["decision_tree"] = "decision_tree"
        max_features: MaxFeatures = None

    def _estimator(self):
        from sklearn.tree import DecisionTreeClassifier

        return DecisionTreeClassifier(**_tree_kwargs(self.params))


class _ForestParams(_TreeParams):
    n_estimators: int = Field(10, ge=1, le=1000, description="number of trees")
    max_features: MaxFeatures = "sqrt"


def _tree_kwargs(p, classifier: bool = True) -> dict:
    """The scikit-learn keyword arguments a single tree takes from its params (the regressors
    have no ``class_weight``)."""
    kwargs = dict(
        criterion=p.criterion,
        max_depth=p.max_depth,
        min_samples_split=p.min_samples_split,
        min_samples_leaf=p.min_samples_leaf,
        max_leaf_nodes=p.max_leaf_nodes,
        max_features=p.max_features,
        random_state=p.random_state,
    )
    if classifier:
        kwargs["class_weight"] = p.class_weight
    return kwargs


def _forest_kwargs(p, classifier: bool = True) -> dict:
    """The scikit-learn keyword arguments the forests take from their params: a tree's, and
    ``n_estimators``, ``bootstrap`` and ``n_jobs=1``."""
    return dict(_tree_kwargs(p, classifier), n_estimators=p.n_estimators, bootstrap=p.bootstrap, n_jobs=1)


@register
class RandomForest(_Trees):
    """``sklearn.ensemble.RandomForestClassifier`` (bootstrap, soft voting)."""

    name = "random_forest"

    class Params(_ForestParams):
        type: Literal["random_forest"] = "random_forest"
        bootstrap: bool = True

    def _estimator(self):
        from sklearn.ensemble import RandomForestClassifier

        return RandomForestClassifier(**_forest_kwargs(self.params))


@register
class ExtraTrees(_Trees):
    """``sklearn.ensemble.ExtraTreesClassifier`` (random thresholds, soft voting)."""

    name = "extra_trees"

    class Params(_ForestParams):
        type: Literal["extra_trees"] = "extra_trees"
        bootstrap: bool = False

    def _estimator(self):
        from sklearn.ensemble import ExtraTreesClassifier

        return ExtraTreesClassifier(**_forest_kwargs(self.params))
