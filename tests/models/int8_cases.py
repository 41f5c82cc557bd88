"""Fitted dense models and rows for the int8 tests (no conftest in subfolders): a small
standardised digits problem (64 features, 10 classes) and a two-class cut of it."""

from __future__ import annotations

import numpy as np

from sensorflow.stages.models.int8 import QNet
from sensorflow.stages.models.linear import Logistic, RidgeClassifier
from sensorflow.stages.models.mlp import MLP

CASES = {
    "mlp-relu": (MLP, {"hidden_layer_sizes": [16], "max_iter": 300}),
    "mlp-tanh-2": (MLP, {"hidden_layer_sizes": [12, 8], "activation": "tanh", "max_iter": 300}),
    "mlp-logistic": (MLP, {"hidden_layer_sizes": [8], "activation": "logistic", "max_iter": 300}),
    "mlp-identity": (MLP, {"hidden_layer_sizes": [6], "activation": "identity", "max_iter": 300}),
    "logistic": (Logistic, {}),
    "ridge": (RidgeClassifier, {}),
}


def digits(n_classes: int = 10):
    from sklearn.datasets import load_digits

    X, y = load_digits(n_class=n_classes, return_X_y=True)
    X = ((X - X.mean(0)) / (X.std(0) + 1e-3)).astype(np.float32)
    n = len(X) * 2 // 3
    return X[:n], y[:n], X[n:], y[n:]


def fitted(case: str, n_classes: int = 10):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    cls, params = CASES[case]
    Xtr, ytr, Xte, yte = digits(n_classes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        stage = cls(**params).fit(Xtr, ytr)
    return stage, Xtr, Xte, yte


def boundary_rows(net: QNet, X: np.ndarray, n: int = 64) -> np.ndarray:
    """Rows with features set exactly on an input code boundary and on the float32 just below
    it (the two sides of a tie), plus NaN, +-inf, -0.0 and huge values."""
    rng = np.random.default_rng(1)
    rows = X[rng.integers(0, len(X), n)].copy()
    d = X.shape[1]
    for i, r in enumerate(rows):
        b = net.bounds[rng.integers(0, len(net.bounds), d)]
        r[:] = b if i % 2 else np.nextafter(b, np.float32(-np.inf))
    special = np.array([np.nan, -np.nan, np.inf, -np.inf, -0.0, 0.0, 3e38, -3e38], np.float32)
    extra = np.resize(special, (4, d)).astype(np.float32)
    return np.concatenate([rows, extra]).astype(np.float32)
