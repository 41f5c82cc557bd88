"""Tree thresholds: float32 thresholds rounded toward -inf branch exactly as scikit-learn's
``float32(x) <= float64 threshold``, including inputs exactly on a threshold and one ulp
either side; large forests need no recursion."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import make_classification
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier
from sklearn_cases import dataset, split

from sensorflow import registry
from sensorflow.stages.models.trees import threshold_float32


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-3e38, max_value=3e38))
def test_threshold_float32_is_largest_float32_not_above(t):
    t32 = threshold_float32(np.array([t]))[0]
    assert t32.dtype == np.float32
    assert float(t32) <= t
    assert float(np.nextafter(t32, np.float32(np.inf))) > t


@settings(max_examples=300, deadline=None)
@given(
    st.floats(width=32, allow_nan=False, allow_infinity=False),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-3e38, max_value=3e38),
)
def test_float32_comparison_equals_float64_comparison(x, t):
    """The claim the device code rests on: for float32 x, x <= t (float64) iff x <= t32."""
    x32 = np.float32(x)
    assert (float(x32) <= t) == bool(x32 <= threshold_float32(np.array([t]))[0])


def _boundary_inputs(model, ref_trees, X):
    """For each split node: a training row that passes through it, with the node's feature set
    to the stored float32 threshold and to the float32 values one ulp below and above."""
    rows = []
    for tree, est in zip(model.trees(), ref_trees):
        paths = est.decision_path(X).tocsc()
        for node in np.flatnonzero(tree["left"] >= 0)[:60]:
            through = paths[:, node].nonzero()[0]
            f, t32 = int(tree["feature"][node]), tree["threshold"][node]
            base = X[through[0]].copy()
            for v in (t32, np.nextafter(t32, np.float32(-np.inf)), np.nextafter(t32, np.float32(np.inf))):
                r = base.copy()
                r[f] = v
                rows.append(r)
    return np.asarray(rows, dtype=np.float32)


@pytest.mark.parametrize("data", ["iris", "wine", "digits", "basic_motions", "synthetic"])
@pytest.mark.parametrize("kind", ["decision_tree", "random_forest", "extra_trees"])
def test_inputs_on_thresholds_match_sklearn(kind, data):
    X, y = dataset(data)
    Xtr, ytr, _, _ = split(X, y)
    ref = {
        "decision_tree": lambda: DecisionTreeClassifier(random_state=1),
        "random_forest": lambda: RandomForestClassifier(8, random_state=1, n_jobs=1),
        "extra_trees": lambda: ExtraTreesClassifier(8, random_state=1),
    }[kind]().fit(Xtr, ytr)
    params = {} if kind == "decision_tree" else {"n_estimators": 8}
    ours = registry.stage(kind, random_state=1, **params).fit(Xtr, ytr)
    trees = getattr(ref, "estimators_", [ref])
    B = _boundary_inputs(ours, trees, Xtr)
    assert len(B) >= 9
    np.testing.assert_array_equal(ours.predict(B), ref.predict(B))
    np.testing.assert_allclose(ours.predict_proba(B), ref.predict_proba(B), rtol=0, atol=1e-6)
    # leaves reached are the very leaves scikit-learn reaches, tree by tree
    leaves = ours.apply(B)
    for t, est in enumerate(trees):
        np.testing.assert_array_equal(leaves[:, t], est.apply(B))


def test_thresholds_below_float64_value_and_exact_when_representable():
    """digits has integer pixels: midpoints like 4.5 are exact in float32 and kept as is;
    random-threshold extra trees give non-representable values, rounded down."""
    X, y = dataset("digits")
    tree = registry.stage("decision_tree", max_depth=6).fit(X, y)
    ref = DecisionTreeClassifier(max_depth=6, random_state=0).fit(X, y)
    inner = ref.tree_.children_left >= 0
    np.testing.assert_array_equal(tree.threshold_[inner].astype(np.float64), ref.tree_.threshold[inner])
    et = registry.stage("extra_trees", n_estimators=3).fit(*dataset("wine"))
    inner = et.left_ >= 0
    assert np.any(et.threshold_[inner].astype(np.float64) != 0)


def test_float64_input_is_cast_to_float32_like_sklearn():
    X, y = dataset("wine")
    ref = RandomForestClassifier(10, random_state=0, n_jobs=1).fit(X, y)
    ours = registry.stage("random_forest").fit(X, y)
    X64 = X.astype(np.float64) + 1e-9  # not representable in float32: both round to nearest float32
    np.testing.assert_array_equal(ours.predict(X64), ref.predict(X64))


@pytest.mark.slow
def test_large_forest_trains_and_matches_without_recursion():
    """100 trees grown to depth >= 12 (the size that crashes recursive exporters)."""
    X, y = make_classification(3000, 30, n_informative=12, n_classes=5, random_state=0)
    X = X.astype(np.float32)
    ref = RandomForestClassifier(100, random_state=0, n_jobs=1).fit(X[:2500], y[:2500])
    ours = registry.stage("random_forest", n_estimators=100).fit(X[:2500], y[:2500])
    assert ours.depth() >= 12
    assert ours.n_trees == 100
    np.testing.assert_array_equal(ours.predict(X[2500:]), ref.predict(X[2500:]))
    np.testing.assert_allclose(ours.predict_proba(X[2500:]), ref.predict_proba(X[2500:]), atol=1e-6)


def test_deep_single_tree_depth_without_recursion():
    """A chain-like tree 200+ levels deep: inference is level by level, not recursive."""
    rng = np.random.default_rng(0)
    X = rng.permutation(600).astype(np.float32)[:, None]
    y = X[:, 0].astype(int) % 2
    ours = registry.stage("decision_tree").fit(X, y)
    ref = DecisionTreeClassifier(random_state=0).fit(X, y)
    assert ours.depth() == ref.get_depth() > 200
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_round_to_nearest_would_disagree_where_round_down_does_not():
    """Where float32(threshold) rounds up, an input equal to it goes right in scikit-learn;
    a device comparing with a round-to-nearest threshold would go left. Ours goes right."""
    X, y = dataset("wine")
    ref = DecisionTreeClassifier(random_state=0).fit(X, y)
    ours = registry.stage("decision_tree").fit(X, y)
    thr = ref.tree_.threshold
    inner = np.flatnonzero(ref.tree_.children_left >= 0)
    nearest = thr.astype(np.float32)
    rounded_up = [n for n in inner if float(nearest[n]) > thr[n]]
    assert rounded_up, "wine's thresholds should include values float32 rounds up"
    paths = ref.decision_path(X).tocsc()
    for n in rounded_up:
        row = X[paths[:, n].nonzero()[0][0]].copy()
        row[ref.tree_.feature[n]] = nearest[n]
        went_left_sklearn = ref.decision_path(row[None]).toarray()[0, ref.tree_.children_left[n]] == 1
        assert not went_left_sklearn  # x > threshold in float64
        assert bool(row[ref.tree_.feature[n]] <= nearest[n])  # the naive float32 test says "left"
        assert ours.apply(row[None])[0, 0] == ref.apply(row[None])[0]
