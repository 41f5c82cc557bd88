"""Datasets and (stage, scikit-learn estimator) pairs for the agreement tests."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits, load_iris, load_wine, make_classification
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.tree import DecisionTreeClassifier


def basic_motions_features():
    """Per-channel statistics of the real BasicMotions IMU recordings (aeon, offline)."""
    from aeon.datasets import load_basic_motions

    X, y = load_basic_motions()
    X = np.transpose(X, (0, 2, 1))
    feats = [X.mean(1), X.std(1), X.min(1), X.max(1), np.sqrt((X**2).mean(1))]
    return np.concatenate(feats, axis=1), y


def dataset(name: str):
    """(X float32, y) for a named dataset."""
    if name == "iris":
        X, y = load_iris(return_X_y=True)
    elif name == "wine":
        X, y = load_wine(return_X_y=True)
    elif name == "digits":
        X, y = load_digits(return_X_y=True)
    elif name == "basic_motions":
        X, y = basic_motions_features()
    elif name == "synthetic":
        X, y = make_classification(400, 12, n_informative=6, n_classes=3, random_state=3)
        y = np.asarray(["a", "b", "c"])[y]
    elif name == "binary":
        X, y = make_classification(300, 8, n_informative=4, random_state=5)
    else:
        raise KeyError(name)
    return X.astype(np.float32), y


DATASETS = ["iris", "wine", "digits", "basic_motions", "synthetic", "binary"]

MODELS = {
    "decision_tree": ({"max_depth": 8}, lambda: DecisionTreeClassifier(max_depth=8, random_state=0)),
    "random_forest": ({"n_estimators": 15}, lambda: RandomForestClassifier(15, random_state=0, n_jobs=1)),
    "extra_trees": (
        {"n_estimators": 15, "max_depth": 6},
        lambda: ExtraTreesClassifier(15, max_depth=6, random_state=0),
    ),
    "knn": ({}, lambda: KNeighborsClassifier()),
    "knn_distance": (
        {"weights": "distance", "n_neighbors": 7, "metric": "manhattan"},
        lambda: KNeighborsClassifier(7, weights="distance", metric="manhattan"),
    ),
    "gaussian_nb": ({}, lambda: GaussianNB()),
    "logistic": ({"C": 0.5, "max_iter": 150}, lambda: LogisticRegression(C=0.5, max_iter=150)),
    "mlp": ({"hidden_layer_sizes": [16], "max_iter": 200}, lambda: MLPClassifier((16,), max_iter=200, random_state=0)),
    "mlp_tanh": (
        {"hidden_layer_sizes": [12, 6], "activation": "tanh", "max_iter": 200},
        lambda: MLPClassifier((12, 6), activation="tanh", max_iter=200, random_state=0),
    ),
    "mlp_logistic": (
        {"hidden_layer_sizes": [10], "activation": "logistic", "max_iter": 200},
        lambda: MLPClassifier((10,), activation="logistic", max_iter=200, random_state=0),
    ),
}


def stage_name(case: str) -> str:
    return {"knn_distance": "knn", "mlp_tanh": "mlp", "mlp_logistic": "mlp"}.get(case, case)


def split(X, y):
    test = np.arange(len(X)) % 4 == 0
    return X[~test], y[~test], X[test], y[test]
