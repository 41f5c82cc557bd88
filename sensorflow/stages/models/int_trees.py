"""Exact integer trees: a fitted tree stage's float thresholds moved onto integer features.

A device that holds feature ``f`` as an integer code ``q`` (raw integer features, or features
quantised with a per-feature ``scale`` and ``zero_point`` as in TFLite's affine scheme, value =
(q - zero_point) * scale) decides ``q <= T`` at each node. ``T`` is the largest representable
code whose value goes left in scikit-learn (``float32(value) <= threshold``, the float32 cast
scikit-learn's tree ``predict`` makes), found by bisection over the whole code range, so the
decision is identical for every representable code: for integer features (scale 1, zero point 0)
``x <= t`` becomes ``x <= floor(t)``. A node whose decision is the same for every code is
replaced by the child it always takes. Leaves sum as the float tree kernel does (``sf_tree.h``):
class fractions scaled to integers, label = first maximum of the integer sums.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...errors import ConfigError, DataError

LEAF_SCALE = 65520  # as sf_tree.h: pure, half, third ... leaves scale exactly; fits uint16
RANGES = {"int16": (-32768, 32767), "int32": (-(2**31), 2**31 - 1)}


@dataclass(frozen=True)
class FeatureCodes:
    """Per-feature affine integer codes: value = float32(q - zero_point) * float32(scale)."""

    scale: np.ndarray  # float32, > 0
    zero_point: np.ndarray  # int64
    dtype: str = "int16"

    @property
    def qmin(self) -> int:
        return RANGES[self.dtype][0]

    @property
    def qmax(self) -> int:
        return RANGES[self.dtype][1]

    def quantize(self, X) -> np.ndarray:
        """Nearest code of each value, saturated to the dtype's range (+-inf to its ends)."""
        X = np.asarray(X, dtype=np.float64)
        if np.any(np.isnan(X)):
            raise DataError("a feature is NaN: it has no integer code; clean or impute it before quantising")
        q = np.rint(X / self.scale.astype(np.float64)) + self.zero_point
        return np.clip(q, self.qmin, self.qmax).astype(np.int64)

    def dequantize(self, Q, features=None) -> np.ndarray:
        """float32 values of codes ``Q`` (columns are ``features``, default all)."""
        f = slice(None) if features is None else features
        d = (np.asarray(Q, dtype=np.int64) - self.zero_point[f]).astype(np.float32)
        return d * self.scale[f]


def integer_codes(n_features: int, dtype: str = "int16") -> FeatureCodes:
    """Features that are integers already: scale 1, zero point 0."""
    _check_dtype(dtype)
    return FeatureCodes(np.ones(n_features, np.float32), np.zeros(n_features, np.int64), dtype)


def fit_codes(X_train, dtype: str = "int16", margin: float = 0.25) -> FeatureCodes:
    """Codes spanning each feature's training range widened by ``margin`` on each side (values
    outside saturate); chosen on training data only."""
    _check_dtype(dtype)
    X = np.asarray(X_train, dtype=np.float64)
    if X.ndim != 2 or len(X) == 0 or not np.all(np.isfinite(X)):
        raise ConfigError("fit_codes needs a non-empty 2-D array of finite training features")
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = (hi - lo) * margin
    lo, hi = lo - pad, hi + pad
    qmin, qmax = RANGES[dtype]
    span = np.where(hi > lo, hi - lo, np.maximum(np.abs(hi), 1.0))
    scale = (span / (float(qmax) - float(qmin) - 2.0)).astype(np.float32)
    scale = np.where(scale > 0, scale, np.float32(1.0)).astype(np.float32)
    zero = np.clip(np.rint(qmin + 1 - lo / scale.astype(np.float64)), qmin, qmax).astype(np.int64)
    return FeatureCodes(scale, zero, dtype)


def _check_dtype(dtype: str) -> None:
    if dtype not in RANGES:
        raise ConfigError(f"integer trees take int16 or int32 features, not '{dtype}'")


def code_thresholds(codes: FeatureCodes, feature: np.ndarray, threshold32: np.ndarray) -> np.ndarray:
    """Per node, the largest code ``T`` with ``dequantize(T) <= threshold`` (qmin - 1 when no
    code goes left). Bisection on the monotone dequantisation: exact for every code."""
    feature = np.asarray(feature, dtype=np.int64)
    t = np.asarray(threshold32, dtype=np.float32)
    lo = np.full(len(t), codes.qmin - 1, dtype=np.int64)  # invariant: lo goes left (virtually)
    hi = np.full(len(t), codes.qmax + 1, dtype=np.int64)  # invariant: hi goes right (virtually)
    while np.any(hi - lo > 1):
        mid = (lo + hi) // 2
        left = codes.dequantize(mid, feature) <= t
        lo = np.where(left, mid, lo)
        hi = np.where(left, hi, mid)
    return lo


@dataclass
class IntForest:
    """Trees over integer codes. Per tree, nodes ``(feature, T, left, right)`` (children are
    node ids, or ``-1 - row`` for a leaf row); root is a node id or a leaf reference. Rows
    ``0 .. n_classes-1`` are pure leaves (add ``leaf_scale`` to that class), the others are
    ``leaf[row - n_classes]``."""

    codes: FeatureCodes
    n_classes: int
    trees: list[dict] = field(default_factory=list)
    leaf: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), np.int64))
    leaf_scale: int = LEAF_SCALE
    collapsed: int = 0  # nodes whose decision was the same for every code

    @property
    def n_nodes(self) -> int:
        return sum(len(t["feature"]) for t in self.trees)

    def row_values(self, row: int) -> np.ndarray:
        if row < self.n_classes:
            v = np.zeros(self.n_classes, np.int64)
            v[row] = self.leaf_scale
            return v
        return self.leaf[row - self.n_classes]

    def sums(self, Q) -> np.ndarray:
        """Integer class sums ``(n, n_classes)`` for codes ``Q``, as the device computes them."""
        Q = np.asarray(Q, dtype=np.int64)
        out = np.zeros((len(Q), self.n_classes), np.int64)
        table = np.array([self.row_values(r) for r in range(self.n_classes + len(self.leaf))])
        for tree in self.trees:
            ref = np.full(len(Q), tree["root"], np.int64)
            inner = ref >= 0
            while np.any(inner):
                idx = np.flatnonzero(inner)
                nd = ref[idx]
                go_left = Q[idx, tree["feature"][nd]] <= tree["T"][nd]
                ref[idx] = np.where(go_left, tree["left"][nd], tree["right"][nd])
                inner = ref >= 0
            out += table[-1 - ref]
        return out

    def predict(self, Q) -> np.ndarray:
        """Class index: first maximum of the integer sums (numpy argmax's tie rule)."""
        return np.argmax(self.sums(Q), axis=1)


def integer_forest(stage, codes: FeatureCodes) -> IntForest:
    """The fitted tree stage (``decision_tree`` / ``random_forest`` / ``extra_trees``) on ``codes``."""
    nc = int(stage.n_classes)
    n_in = int(stage.input_spec_.size) if getattr(stage, "input_spec_", None) is not None else None
    if n_in is not None and len(codes.scale) != n_in:
        raise ConfigError(f"the codes describe {len(codes.scale)} features but the model takes {n_in}")
    forest = IntForest(codes, nc)
    rows: dict[tuple, int] = {}

    def leaf_ref(v: np.ndarray) -> int:
        s = v.sum()
        q = np.rint(v / s * LEAF_SCALE).astype(np.int64) if s > 0 else np.zeros(nc, np.int64)
        nz = np.flatnonzero(q)
        if len(nz) == 1 and q[nz[0]] == LEAF_SCALE:
            return -1 - int(nz[0])
        key = tuple(int(a) for a in q)
        if key not in rows:
            rows[key] = nc + len(rows)
        return -1 - rows[key]

    for tree in stage.trees():
        left, right = np.asarray(tree["left"]), np.asarray(tree["right"])
        feat = np.asarray(tree["feature"], np.int64)
        value = np.asarray(tree["value"], np.float64)
        inner = left >= 0
        T = np.zeros(len(left), np.int64)
        if np.any(inner):
            T[inner] = code_thresholds(codes, feat[inner], np.asarray(tree["threshold"], np.float32)[inner])
        nodes: dict[str, list[int]] = {"feature": [], "T": [], "left": [], "right": []}
        root = -1
        stack = [(0, -1, "")]  # (scikit-learn node, parent id, side); depth first, left first
        while stack:
            n, parent, side = stack.pop()
            while left[n] >= 0 and (T[n] < codes.qmin or T[n] >= codes.qmax):  # same way for every code
                forest.collapsed += 1
                n = int(left[n]) if T[n] >= codes.qmax else int(right[n])
            if left[n] < 0:
                ref = leaf_ref(value[n])
            else:
                ref = len(nodes["feature"])
                for k, v in (("feature", int(feat[n])), ("T", int(T[n])), ("left", 0), ("right", 0)):
                    nodes[k].append(v)
                stack += [(int(right[n]), ref, "right"), (int(left[n]), ref, "left")]
            if parent < 0:
                root = ref
            else:
                nodes[side][parent] = ref
        forest.trees.append({"root": root, **{k: np.array(v, np.int64) for k, v in nodes.items()}})
    forest.leaf = (
        np.array(sorted(rows, key=lambda r: rows[r]), np.int64).reshape(-1, nc) if rows else np.zeros((0, nc), np.int64)
    )
    if len(forest.trees) * (LEAF_SCALE + nc) >= 2**32:
        raise ConfigError(f"{len(forest.trees)} trees overflow the 32-bit class sums; use fewer than 65000 trees")
    return forest


def boundary_codes(forest: IntForest, base: np.ndarray) -> np.ndarray:
    """Rows of ``base`` (codes) with one feature set to ``T - 1``, ``T`` and ``T + 1`` of each
    node (saturated): inputs just below, exactly at and just above every integer threshold."""
    base = np.asarray(base, np.int64)
    out = []
    k = 0
    for tree in forest.trees:
        for f, t in zip(tree["feature"], tree["T"]):
            for d in (-1, 0, 1):
                row = base[k % len(base)].copy()
                row[f] = min(max(int(t) + d, forest.codes.qmin), forest.codes.qmax)
                out.append(row)
                k += 1
    return np.array(out, np.int64).reshape(-1, base.shape[1])
