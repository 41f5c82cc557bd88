"""Regression stages: numpy inference equals scikit-learn's ``predict`` exactly, the C export of
a forest is bit-exact on many windows, artifacts refuse bad learned values, and a pipeline
with a regressor fits on numeric targets and refuses labels that are not numbers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import ensemble, linear_model, neighbors, neural_network, svm, tree
from sklearn.base import is_classifier, is_regressor
from sklearn.metrics import r2_score

from sensorflow import registry
from sensorflow.errors import ArtifactError, DataError
from sensorflow.testing.codegen_checks import make_pipeline, synthetic

CASES = {
    "decision_tree_regressor": ({"max_depth": 6}, lambda: tree.DecisionTreeRegressor(max_depth=6, random_state=0)),
    "random_forest_regressor": (
        {"n_estimators": 7},
        lambda: ensemble.RandomForestRegressor(7, max_features=1.0, random_state=0, n_jobs=1),
    ),
    "extra_trees_regressor": (
        {"n_estimators": 7, "max_features": "sqrt"},
        lambda: ensemble.ExtraTreesRegressor(7, max_features="sqrt", random_state=0),
    ),
    "knn_regressor": ({"weights": "distance"}, lambda: neighbors.KNeighborsRegressor(weights="distance")),
    "linear": ({}, lambda: linear_model.LinearRegression()),
    "ridge": ({"alpha": 3.0}, lambda: linear_model.Ridge(alpha=3.0)),
    "svr": ({"C": 50.0, "gamma": 0.2}, lambda: svm.SVR(C=50.0, gamma=0.2)),
    "mlp_regressor": (
        {"hidden_layer_sizes": [8], "max_iter": 300},
        lambda: neural_network.MLPRegressor(hidden_layer_sizes=(8,), max_iter=300, random_state=0),
    ),
}


def _fitted(name, params, rng):
    cls = registry.get(name)
    spec, X, y = cls.example_input(params, rng)
    stage = cls(**params)
    stage.bind(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stage.fit(X, y)
    return stage, X, y


@pytest.mark.parametrize("name", sorted(CASES))
def test_predict_equals_sklearn(name):
    params, make = CASES[name]
    rng = np.random.default_rng(1)
    stage, X, y = _fitted(name, params, rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = make().fit(X, y)
    Xt = rng.standard_normal((300, 5)).astype(np.float32)
    if name == "svr":  # libsvm sums in support-vector order, numpy's product in its own
        np.testing.assert_allclose(stage.predict(Xt), est.predict(Xt), rtol=1e-12)
    else:
        np.testing.assert_array_equal(stage.predict(Xt), est.predict(Xt))
    out = stage.transform(Xt)
    assert out.shape == (300, 1) and out.dtype == np.float32
    np.testing.assert_allclose(out[:, 0], est.predict(Xt).astype(np.float32), rtol=1e-7)
    assert stage.classes_ == ["value"] and stage.task == "regression"


def test_forest_c_is_bit_exact_on_many_windows(tmp_path):
    from sensorflow.testing import ccompare

    try:
        ccompare.host_cc()
    except Exception as exc:  # no compiler: nothing to compare
        pytest.skip(str(exc))
    rng = np.random.default_rng(3)
    stage, X, y = _fitted("random_forest_regressor", {"n_estimators": 40, "max_depth": 8}, rng)
    Xt = (2 * rng.standard_normal((3000, 5))).astype(np.float32)
    labels, out = ccompare.run_stage(stage, Xt, tmp_path)
    np.testing.assert_array_equal(out[:, 0], stage.predict(Xt).astype(np.float32))
    assert not np.any(labels)


def test_learned_values_are_checked():
    stage, X, y = _fitted("random_forest_regressor", {"n_estimators": 3}, np.random.default_rng(0))
    learned = stage.learned()
    other = type(stage)(n_estimators=3)
    other.bind(stage.input_spec_)
    other.check_learned(learned)
    with pytest.raises(ArtifactError, match="classes_"):
        other.check_learned({**learned, "classes_": ["a", "b"]})
    with pytest.raises(ArtifactError, match="value_"):
        other.check_learned({**learned, "value_": learned["value_"][:, [0, 0]]})


def test_pipeline_fits_numbers_and_refuses_words():
    X, labels = synthetic(40, 64, 3, 2, seed=1)
    y = np.where(labels == "k0", 1500.0, 1800.0) + np.arange(40)
    pipe = make_pipeline([{"type": "stats", "functions": ["mean", "std"]}, {"type": "ridge"}])
    pipe.fit(X, y)
    assert pipe.task == "regression" and pipe.predict(X).dtype == np.float64
    assert np.corrcoef(pipe.predict(X), y)[0, 1] > 0.9
    assert is_regressor(pipe) and not is_classifier(pipe)  # scikit-learn sees a regressor
    assert pipe.score(X, y) == pytest.approx(r2_score(y, pipe.predict(X)))
    pipe.fit(X, y.astype(str))  # dataset labels keep non-integer numbers as strings
    with pytest.raises(DataError, match="'k0' .* is not a number"):
        pipe.fit(X, labels)
