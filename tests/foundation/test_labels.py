"""Class labels in natural order ("1" < "2" < "10"), the same on the host, in the artifact and on
the device: models fit their estimators on the class indices, so the learned arrays follow it."""

import numpy as np
import pytest

from sensorflow.labels import natural_key, natural_sorted, unique_natural
from sensorflow.stages.models.linear import GaussianNB, Logistic, RidgeClassifier
from sensorflow.stages.models.mlp import MLP
from sensorflow.stages.models.trees import RandomForest


def test_natural_order():
    assert natural_sorted(["10", "2", "1", "2"]) == ["1", "2", "10"]
    assert natural_sorted(["run10", "run2", "walk", "Run1"]) == ["Run1", "run2", "run10", "walk"]
    assert natural_sorted([10, 2, 1]) == [1, 2, 10]
    assert sorted(["1", "01"], key=natural_key) == ["01", "1"]  # equal numbers: the string breaks the tie


def test_unique_natural_matches_np_unique_up_to_order():
    y = np.array(["10", "2", "1", "10", "2"])
    classes, codes = unique_natural(y)
    assert classes.tolist() == ["1", "2", "10"]
    assert (classes[codes] == y).all()


def _data(rng, n_classes=3):
    labels = np.array(["1", "2", "10"][:n_classes])
    y = rng.integers(0, n_classes, 120)
    X = rng.normal(size=(120, 4)) + y[:, None] * 1.5
    return X.astype(np.float32), labels[y]


@pytest.mark.parametrize("cls,sk", [
    (Logistic, "sklearn.linear_model.LogisticRegression"),
    (RidgeClassifier, "sklearn.linear_model.RidgeClassifierCV"),
    (GaussianNB, "sklearn.naive_bayes.GaussianNB"),
    (MLP, "sklearn.neural_network.MLPClassifier"),
    (RandomForest, "sklearn.ensemble.RandomForestClassifier"),
])  # fmt: skip
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # the same in both fits
def test_models_order_classes_naturally_and_predict_as_sklearn(cls, sk, n_classes):
    import importlib

    X, y = _data(np.random.default_rng(0), n_classes)
    model = cls().fit(X, y)
    assert model.classes_ == ["1", "2", "10"][:n_classes]
    module, name = sk.rsplit(".", 1)
    kwargs = {k: v for k, v in model.params.model_dump().items() if k != "type"}
    if name == "RidgeClassifierCV":
        kwargs["alphas"] = np.asarray(kwargs["alphas"])
    if name == "MLPClassifier":
        kwargs["hidden_layer_sizes"] = tuple(kwargs["hidden_layer_sizes"])
    # the oracle: scikit-learn on the labels renamed so that its sorted order is the natural one
    rename = {"1": "a", "2": "b", "10": "c"}
    ref = getattr(importlib.import_module(module), name)(**kwargs).fit(X, np.array([rename[v] for v in y]))
    back = {v: k for k, v in rename.items()}
    np.testing.assert_array_equal(model.predict(X), [back[v] for v in ref.predict(X)])
    if hasattr(ref, "predict_proba"):
        np.testing.assert_allclose(model.predict_proba(X), ref.predict_proba(X), atol=1e-6)


def test_object_label_arrays_sort_naturally():
    from sensorflow.labels import unique_natural

    classes, codes = unique_natural(np.asarray(["b10", "b2", "a", "b2"], dtype=object))
    assert classes.tolist() == ["a", "b2", "b10"] and codes.tolist() == [2, 1, 0, 1]
