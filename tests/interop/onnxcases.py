"""Shared fixtures of the interop tests: data, fitted scikit-learn estimators, skl2onnx graphs and
onnxruntime as the oracle."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def data(n_classes: int, n: int = 300, d: int = 6, seed: int = 0):
    from sklearn.datasets import make_classification

    X, y = make_classification(n, d, n_informative=4, n_classes=n_classes, random_state=seed)
    return X.astype(np.float32), y


def fitted(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)


def to_onnx(est, X):
    skl2onnx = pytest.importorskip("skl2onnx")
    last = est.steps[-1][1] if hasattr(est, "steps") else est
    opts = {id(last): {"zipmap": False}} if hasattr(last, "predict_proba") else None
    return skl2onnx.to_onnx(est, X[:1], options=opts, target_opset={"": 17, "ai.onnx.ml": 3})


def run_ort(model, X) -> list:
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {sess.get_inputs()[0].name: np.asarray(X, dtype=np.float32)})


def apply(imported, X):
    """Run the imported stages (scalers, then the model) on feature vectors: (labels, proba)."""
    Z = np.asarray(X, dtype=np.float32)
    for s in imported.pre:
        Z = s.transform(Z)
    return imported.model.predict(Z), imported.model.predict_proba(Z)
