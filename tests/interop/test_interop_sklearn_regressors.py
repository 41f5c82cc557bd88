"""``from_sklearn`` with fitted scikit-learn regressors: the stage's ``predict`` equals the
estimator's exactly, the stage survives an artifact round trip, a pipeline around it exports to
C whose values equal the host's (trees bit for bit), and what has no stage is a one-line error."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import ensemble, linear_model, neighbors, neural_network, svm, tree

import sensorflow
from sensorflow.errors import ConfigError
from sensorflow.testing.codegen_checks import make_pipeline, synthetic

MAKERS = {
    "DecisionTreeRegressor": (
        lambda: tree.DecisionTreeRegressor(max_depth=5, random_state=0),
        "decision_tree_regressor",
    ),
    "RandomForestRegressor": (lambda: ensemble.RandomForestRegressor(6, random_state=0), "random_forest_regressor"),
    "ExtraTreesRegressor": (lambda: ensemble.ExtraTreesRegressor(6, random_state=0), "extra_trees_regressor"),
    "KNeighborsRegressor": (lambda: neighbors.KNeighborsRegressor(4, weights="distance"), "knn_regressor"),
    "LinearRegression": (lambda: linear_model.LinearRegression(), "linear"),
    "Ridge": (lambda: linear_model.Ridge(alpha=2.0), "ridge"),
    "Lasso": (lambda: linear_model.Lasso(alpha=0.5), "linear"),
    "LinearSVR": (lambda: svm.LinearSVR(random_state=0, max_iter=5000), "linear"),
    "SVR": (lambda: svm.SVR(C=5.0), "svr"),
    "SVR-linear": (lambda: svm.SVR(kernel="linear", C=2.0), "svr"),
    "SVR-poly": (lambda: svm.SVR(kernel="poly", degree=2, coef0=1.0), "svr"),
    "MLPRegressor": (
        lambda: neural_network.MLPRegressor(hidden_layer_sizes=(6,), max_iter=300, random_state=0),
        "mlp_regressor",
    ),
}


def _data(n=80, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4)).astype(np.float32)
    return X, 50.0 + 8.0 * X[:, 0] - 3.0 * X[:, 1] * X[:, 2] + rng.standard_normal(n)


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_stage_equals_the_estimator(kind):
    make, name = MAKERS[kind]
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = make().fit(X, y)
    stage = sensorflow.from_sklearn(est)
    assert stage.name == name and stage.task == "regression"
    Xt = _data(200, seed=1)[0]
    if name == "svr":  # libsvm sums in support-vector order, numpy's product in its own
        np.testing.assert_allclose(stage.predict(Xt), est.predict(Xt), rtol=1e-12)
    else:
        np.testing.assert_array_equal(stage.predict(Xt), est.predict(Xt))
    stage.check_learned(stage.learned())  # what an artifact load checks


def test_a_pipeline_with_a_forest_exports_bit_exact_values(tmp_path):
    from sensorflow.testing import ccompare

    try:
        ccompare.host_cc()
    except Exception as exc:
        pytest.skip(str(exc))
    X, labels = synthetic(40, 64, 3, 2, seed=2)
    y = np.where(labels == "k0", 10.0, 20.0) + np.linspace(0, 1, 40)
    base = make_pipeline([{"type": "stats", "functions": ["mean", "std"]}, {"type": "ridge"}]).fit(X, y)
    F = base.transform(X)
    est = ensemble.RandomForestRegressor(5, max_depth=4, random_state=0).fit(F, y)
    pipe = sensorflow.from_sklearn(est, pipeline=base)
    assert pipe.model.name == "random_forest_regressor"
    np.testing.assert_array_equal(pipe.predict(X), est.predict(F))
    labels_c, scores, _ = ccompare.build(pipe, tmp_path, sanitize=True).infer(X)
    np.testing.assert_array_equal(scores[:, 0], est.predict(F).astype(np.float32))
    assert not np.any(labels_c)


def test_what_has_no_stage_is_a_named_error():
    X, y = _data()
    two = linear_model.LinearRegression().fit(X, np.stack([y, y], axis=1))
    with pytest.raises(ConfigError, match="several outputs"):
        sensorflow.from_sklearn(two)
    with pytest.raises(ConfigError, match="not fitted"):
        sensorflow.from_sklearn(linear_model.Ridge())
