"""Compile-and-compare for every model stage: the generated C built with the host compiler
under ASan/UBSan gives the numpy reference's labels exactly and its probabilities within
1e-5 (trees, k-NN, logistic, MLP) or the stated tolerance (naive Bayes: float32 log-likelihoods)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import need_tools
from helpers import SCORE_ATOL, fitted, tree_threshold_rows

from sensorflow.testing import ccompare

CASES = [
    ("decision_tree", "", SCORE_ATOL),
    ("decision_tree", "max_depth: 3", SCORE_ATOL),
    ("random_forest", "n_estimators: 12\nmax_depth: 6", SCORE_ATOL),
    ("random_forest", "n_estimators: 7", SCORE_ATOL),
    ("extra_trees", "n_estimators: 9", SCORE_ATOL),
    ("knn", "", SCORE_ATOL),
    ("knn", "n_neighbors: 4\nweights: distance\nmetric: manhattan", SCORE_ATOL),
    ("knn", "n_neighbors: 3\nmetric: chebyshev", SCORE_ATOL),
    ("knn", "n_neighbors: 5\nweights: distance\nmetric: minkowski\np: 3", SCORE_ATOL),
    ("gaussian_nb", "", 1e-4),
    ("logistic", "", SCORE_ATOL),
    ("mlp", "hidden_layer_sizes: [16]\nmax_iter: 300", SCORE_ATOL),
    ("mlp", "hidden_layer_sizes: [8, 6]\nactivation: tanh\nmax_iter: 300", SCORE_ATOL),
    ("mlp", "hidden_layer_sizes: [5]\nactivation: logistic\nmax_iter: 300", SCORE_ATOL),
]


@pytest.fixture(scope="module")
def cc():
    need_tools("cc")


def _compare(p, X, feats, tmp_path, atol, extra_rows=None):
    h = ccompare.build(p, tmp_path, sanitize=True)
    labels, scores, f_c = h.infer(X)
    np.testing.assert_array_equal(f_c, feats)  # test features are computed identically
    ref_labels = p.predict(X)
    ref_proba = p.model.predict_proba(feats)
    mism = np.flatnonzero(p.classes_[labels] != ref_labels)
    assert len(mism) == 0, f"{len(mism)} label mismatches, first rows {mism[:5]}"
    np.testing.assert_allclose(scores, ref_proba, atol=atol, rtol=0)
    if extra_rows is not None:
        lab2, sc2 = h.classify(extra_rows)
        ref2 = p.model.predict(extra_rows)
        assert np.array_equal(p.classes_[lab2], ref2), "labels differ on threshold-boundary inputs"
        np.testing.assert_allclose(sc2, p.model.predict_proba(extra_rows), atol=atol, rtol=0)
    return h


@pytest.mark.parametrize("model,params,atol", CASES, ids=[f"{m}-{i}" for i, (m, _, _) in enumerate(CASES)])
def test_model_c_equals_reference(cc, tmp_path, model, params, atol):
    p, X, y = fitted(model, params)
    feats = p.transform(X)
    extra = tree_threshold_rows(p.model, feats) if model in ("decision_tree", "random_forest", "extra_trees") else None
    _compare(p, X, feats, tmp_path, atol, extra)


def test_binary_models(cc, tmp_path):
    """Two classes: logistic and MLP use scikit-learn's binary decision (d > 0), not argmax."""
    for i, (model, params) in enumerate(
        [("logistic", ""), ("mlp", "hidden_layer_sizes: [6]\nmax_iter: 300"), ("random_forest", "n_estimators: 5")]
    ):
        rng = np.random.default_rng(3)
        from helpers import dataset, pipeline_yaml

        from sensorflow.pipeline import Pipeline

        p = Pipeline.from_string(pipeline_yaml(model, params))
        X, y = dataset(rng, n_classes=2)
        p.fit(X, y)
        _compare(p, X, p.transform(X), tmp_path / str(i), SCORE_ATOL)


@pytest.mark.parametrize("model", ["gaussian_anomaly", "knn_anomaly"])
def test_anomaly_models(cc, tmp_path, model):
    from helpers import dataset, pipeline_yaml

    from sensorflow.pipeline import Pipeline

    rng = np.random.default_rng(5)
    p = Pipeline.from_string(pipeline_yaml(model, "normal_class: a"))
    X, y = dataset(rng, n_classes=2)
    p.fit(X, y)
    feats = p.transform(X)
    h = ccompare.build(p, tmp_path, sanitize=True)
    labels, scores, _ = h.infer(X)
    d = p.model.score(feats)
    margin = np.abs(d - p.model.threshold_) > 1e-5 * max(1.0, p.model.threshold_)
    assert np.array_equal(p.classes_[labels][margin], p.predict(X)[margin])
    np.testing.assert_allclose(scores, p.model.predict_proba(feats), atol=1e-5, rtol=0)


def test_forest_probabilities_tie_break_like_numpy(cc, tmp_path):
    """Two trees voting for different classes: a tie in exact arithmetic goes to the lowest
    class index, as numpy.argmax (and so scikit-learn) resolves it."""
    p, X, y = fitted("random_forest", "n_estimators: 2\nmax_depth: 1")
    feats = p.transform(X)
    proba = p.model.predict_proba(feats)
    h = ccompare.build(p, tmp_path, sanitize=True)
    labels, scores = h.classify(feats)
    assert np.array_equal(labels, np.argmax(proba, axis=1))
    top = np.sort(proba, axis=1)
    assert np.any(top[:, -1] == top[:, -2]), "the data should produce exact ties to test"


@pytest.mark.parametrize("model,params", [("random_forest", "n_estimators: 9"), ("decision_tree", "")])
def test_trees_integer_key_variant_for_fpu_less_boards(cc, tmp_path, model, params):
    """On boards without an FPU the forest compares order-preserving integer keys of the
    floats; same labels and scores, also exactly on thresholds."""
    from sensorflow.device import boards

    p, X, y = fitted(model, params)
    feats = p.transform(X)
    h = ccompare.build(p, tmp_path, board=boards.get("rp2040"), sanitize=True)
    assert "SF_FOREST_DEFINE_KEYS" in h.generated.files["sf_model.c"]
    rows = np.concatenate([feats, tree_threshold_rows(p.model, feats)])
    labels, scores = h.classify(rows)
    assert np.array_equal(p.classes_[labels], p.model.predict(rows))
    np.testing.assert_allclose(scores, p.model.predict_proba(rows), atol=SCORE_ATOL, rtol=0)


@pytest.mark.parametrize("board", [None, "rp2040"])
def test_signed_zero_and_tiny_values_at_a_zero_threshold(cc, tmp_path, board):
    """A split at exactly 0.0 (or -0.0): x = -0.0 and +0.0 go left (IEEE: equal to the
    threshold), the smallest positive subnormal goes right, for float and integer-key nodes."""
    from sensorflow.device import boards
    from sensorflow.pipeline import Pipeline

    p = Pipeline.from_string(
        "name: z\nsensor: {kind: generic, sample_rate: 10, channels: [a]}\nwindow: {length: 2}\n"
        "stages:\n  - type: test_channel_mean\n  - type: decision_tree\n"
    )
    for thr in (0.0, -0.0):
        p.model.load_learned(
            {
                "classes_": ["left", "right"],
                "feature_": np.array([0, -2, -2], np.int32),
                "threshold_": np.array([thr, -2, -2], np.float32),
                "left_": np.array([1, -1, -1], np.int32),
                "right_": np.array([2, -1, -1], np.int32),
                "value_": np.array([[0.5, 0.5], [1.0, 0.0], [0.0, 1.0]]),
                "offsets_": np.array([0, 3]),
            }
        )
        p.rebind()
        tiny = np.float32(1.4e-45)
        rows = np.array([[v, 0.0] for v in (-0.0, 0.0, tiny, -tiny, 1.0, -1.0, -3e38, 3e38)], np.float32)
        h = ccompare.build(p, tmp_path / f"{board}{thr}", board=boards.get(board) if board else None, sanitize=True)
        labels, _ = h.classify(rows)
        assert (
            list(p.classes_[labels])
            == list(p.model.predict(rows))
            == ["left", "left", "right", "left", "right", "left", "left", "right"]
        )
