"""from_sklearn: a fitted scikit-learn estimator becomes the sensorflow stage that mirrors it,
with predict equal and predict_proba within 1e-6 of scikit-learn on unseen data."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from onnxcases import data, fitted
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier

import sensorflow
from sensorflow.errors import ConfigError
from sensorflow.pipeline import Pipeline, run_steps

ESTIMATORS = {
    "decision_tree": lambda: DecisionTreeClassifier(random_state=0),
    "random_forest": lambda: RandomForestClassifier(6, random_state=0),
    "extra_trees": lambda: ExtraTreesClassifier(5, max_depth=6, random_state=0),
    "knn": lambda: KNeighborsClassifier(4, weights="distance", metric="manhattan"),
    "gaussian_nb": lambda: GaussianNB(),
    "logistic": lambda: LogisticRegression(max_iter=2000),
    "linear_svc": lambda: LinearSVC(),
    "ridge": lambda: RidgeClassifier(),
    "mlp": lambda: MLPClassifier((10, 6), activation="tanh", max_iter=400, random_state=0),
}


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("kind", list(ESTIMATORS))
def test_stage_equals_estimator(kind, n_classes):
    X, y = data(n_classes)
    est = fitted(ESTIMATORS[kind](), X[:200], y[:200])
    stage = sensorflow.from_sklearn(est)
    assert stage.name == {"linear_svc": "logistic", "ridge": "logistic"}.get(kind, kind)
    Xt = X[200:]
    np.testing.assert_array_equal(stage.predict(Xt), est.predict(Xt))
    if hasattr(est, "predict_proba"):
        np.testing.assert_allclose(stage.predict_proba(Xt), est.predict_proba(Xt), rtol=0, atol=1e-6)


def test_svc_maps_to_the_svm_stage_for_every_kernel_and_class_count():
    """SVC (linear, rbf, poly; two or more classes) -> ``svm`` (details: test_interop_svm.py)."""
    for n_classes in (2, 3):
        X, y = data(n_classes)
        for kernel in ("linear", "rbf", "poly"):
            est = fitted(SVC(kernel=kernel), X[:200], y[:200])
            stage = sensorflow.from_sklearn(est)
            assert stage.name == "svm"
            np.testing.assert_array_equal(stage.predict(X[200:]), est.predict(X[200:]))


def test_unfitted_and_unknown_estimators_are_one_line_errors():
    with pytest.raises(ConfigError, match="not a fitted classifier"):
        sensorflow.from_sklearn(GaussianNB())
    from sklearn.ensemble import GradientBoostingClassifier

    X, y = data(2)
    with pytest.raises(ConfigError, match="no sensorflow stage mirrors GradientBoostingClassifier; supported"):
        sensorflow.from_sklearn(fitted(GradientBoostingClassifier(n_estimators=3), X, y))


PIPE = {
    "name": "skl",
    "sensor": {"kind": "generic", "sample_rate": 100.0, "channels": ["a", "b"]},
    "window": {"length": 64},
    "stages": [{"type": "stats", "functions": ["mean", "std", "rms"]}, {"type": "decision_tree"}],
}


def test_into_a_pipeline_predicts_like_the_estimator_on_its_features(tmp_path):
    from sensorflow import artifact

    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 90)
    W = (rng.standard_normal((90, 64, 2)) * (1 + y[:, None, None])).astype(np.float32)
    base = Pipeline.from_string(yaml.safe_dump(PIPE))
    F = run_steps(base.steps, W)
    est = fitted(RandomForestClassifier(5, random_state=0), F, y)
    pipe = sensorflow.from_sklearn(est, pipeline=base)
    assert [s.name for s in pipe.stages] == ["stats", "random_forest"]
    np.testing.assert_array_equal(pipe.predict(W), est.predict(F))
    pipe.fit(W[:30], y[:30])  # fits the feature stages only; the estimator's trees stay
    np.testing.assert_array_equal(pipe.predict(W), est.predict(F))
    again, _ = artifact.load(artifact.save(pipe, tmp_path / "art"))
    np.testing.assert_array_equal(again.predict(W), est.predict(F))
    narrow = fitted(GaussianNB(), F[:, :2], y)
    with pytest.raises(ConfigError, match="takes 2 features but pipeline 'skl' computes 6"):
        sensorflow.from_sklearn(narrow, pipeline=base)


def test_importing_sensorflow_stays_light():
    import subprocess
    import sys

    code = "import sys, sensorflow; sensorflow.from_sklearn; print(any(m in sys.modules for m in ('onnx', 'sklearn')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
