"""Held-out accuracy of minirocket + ridge_classifier against the number of kept features k, on
aeon's bundled UEA/UCR sets (predefined splits), beside aeon's MiniRocketClassifier in the same
run. k and the head's alpha are chosen on the training data only (5-fold stratified CV for k,
leave-one-out GCV for alpha). Run: python tests/features/minirocket_accuracy.py [DATASET ...]

Measured 2026-12-06 (test accuracy ridge / logistic head; random_state 0; JapaneseVowels
zero-padded at the end to 29 samples, the same padded series given to aeon):

| dataset | aeon | all 9,996 | k=2000 | k=500 | k=100 | chosen by CV (k, head) |
|---|---|---|---|---|---|---|
| GunPoint | 0.993 | 0.993 / 0.993 | 0.993 / 0.993 | 1.000 / 0.993 | 1.000 / 1.000 | 100 ridge: 1.000 |
| JapaneseVowels | 0.989 | 0.989 / 0.962 | 0.986 / 0.986 | 0.984 / 0.984 | 0.978 / 0.981 | all ridge: 0.989 |
| ACSF1 | 0.910 | 0.910 / 0.920 | 0.890 / 0.920 | 0.890 / 0.900 | 0.860 / 0.880 | all ridge: 0.910 |
| BasicMotions | 1.000 | 1.000 / 1.000 | 1.000 / 1.000 | 1.000 / 1.000 | 1.000 / 1.000 | 100 ridge: 1.000 |
"""

from __future__ import annotations

import sys
import time

import numpy as np

from sensorflow.stages.minirocket import MiniRocket
from sensorflow.stages.models.linear import Logistic, RidgeClassifier
from sensorflow.stages.scaler import Scaler

KS = (None, 2000, 500, 100)
DATASETS = ("GunPoint", "JapaneseVowels", "ACSF1", "BasicMotions")


def load(name):
    """(X_train, y_train, X_test, y_test) as (n, length, channels) float32; shorter recordings
    zero-padded at the end to the longest one (as Dataset.windows pads to one window)."""
    from aeon.datasets import load_classification

    parts = [load_classification(name, split=s) for s in ("train", "test")]
    L = max(x.shape[-1] for X, _ in parts for x in X)
    out = []
    for X, y in parts:
        X = np.stack([np.pad(np.asarray(x, dtype=np.float32), ((0, 0), (0, L - x.shape[-1]))) for x in X])
        out += [np.transpose(X, (0, 2, 1)).copy(), np.asarray(y)]
    return out


HEADS = ("ridge", "logistic")


def fit_predict(Xtr, ytr, Xte, k, seed=0):
    """Predictions of minirocket(keep=k) -> scaler -> each head, {head: labels}."""
    fr = MiniRocket(n_features=10_000, keep=k, random_state=seed).fit(Xtr, ytr)
    sc = Scaler().fit(fr.transform(Xtr))
    Ftr, Fte = sc.transform(fr.transform(Xtr)), sc.transform(fr.transform(Xte))
    out = {}
    for head in HEADS:
        model = RidgeClassifier() if head == "ridge" else Logistic(C=1.0, max_iter=3000)
        out[head] = model.fit(Ftr, ytr).predict(Fte)
    return out


def cv_accuracy(X, y, k, folds=5, seed=0):
    """{head: mean accuracy} over stratified folds of the training data."""
    from sklearn.model_selection import StratifiedKFold

    n_min = np.min(np.unique(y, return_counts=True)[1])
    skf = StratifiedKFold(n_splits=min(folds, n_min), shuffle=True, random_state=seed)
    acc = {h: [] for h in HEADS}
    for tr, va in skf.split(X[:, 0, 0], y):
        for h, pred in fit_predict(X[tr], y[tr], X[va], k).items():
            acc[h].append(np.mean(pred == y[va]))
    return {h: float(np.mean(v)) for h, v in acc.items()}


def aeon_peer(Xtr, ytr, Xte, yte, seed=0):
    from aeon.classification.convolution_based import MiniRocketClassifier

    clf = MiniRocketClassifier(random_state=seed).fit(np.transpose(Xtr, (0, 2, 1)), ytr)
    return float(np.mean(clf.predict(np.transpose(Xte, (0, 2, 1))) == yte))


def main(names):
    print(
        "| dataset | aeon MiniRocket | "
        + " | ".join(f"k={k or 'all'} ridge / logistic (cv)" for k in KS)
        + " | chosen by CV |"
    )
    for name in names:
        t0 = time.time()
        Xtr, ytr, Xte, yte = load(name)
        aeon = aeon_peer(Xtr, ytr, Xte, yte)
        test, cv = {}, {}
        for k in KS:
            for h, pred in fit_predict(Xtr, ytr, Xte, k).items():
                test[k, h] = float(np.mean(pred == yte))
            for h, a in cv_accuracy(Xtr, ytr, k).items():
                cv[k, h] = a
        best = max(cv, key=lambda kh: (cv[kh], -(kh[0] or 10**9), kh[1] == "ridge"))  # ties: fewer features, ridge
        cells = " | ".join(
            f"{test[k, 'ridge']:.3f} / {test[k, 'logistic']:.3f} ({cv[k, 'ridge']:.3f} / {cv[k, 'logistic']:.3f})"
            for k in KS
        )
        print(
            f"| {name} | {aeon:.3f} | {cells} | k={best[0] or 'all'} {best[1]}: {test[best]:.3f} "
            f"| {time.time() - t0:.0f} s |",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:] or DATASETS)
