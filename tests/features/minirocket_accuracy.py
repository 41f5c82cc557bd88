"""Held-out accuracy of minirocket + ridge_classifier against the number of kept features k, on
aeon's bundled UEA/UCR sets (predefined splits), beside aeon's MiniRocketClassifier in the same
run. k and the head's alpha are chosen on the training data only (5-fold stratified CV for k,
leave-one-out GCV for alpha). Run: python tests/features/minirocket_accuracy.py [DATASET ...]"""

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


def fit_predict(Xtr, ytr, Xte, k, head="ridge", seed=0):
    fr = MiniRocket(n_features=10_000, keep=k, random_state=seed).fit(Xtr, ytr)
    sc = Scaler().fit(fr.transform(Xtr))
    Ftr, Fte = sc.transform(fr.transform(Xtr)), sc.transform(fr.transform(Xte))
    model = RidgeClassifier() if head == "ridge" else Logistic(C=1.0, max_iter=2000)
    model.fit(Ftr, ytr)
    return model.predict(Fte), fr


def cv_accuracy(X, y, k, folds=5, seed=0):
    from sklearn.model_selection import StratifiedKFold

    n_min = np.min(np.unique(y, return_counts=True)[1])
    skf = StratifiedKFold(n_splits=min(folds, n_min), shuffle=True, random_state=seed)
    acc = []
    for tr, va in skf.split(X[:, 0, 0], y):
        pred, _ = fit_predict(X[tr], y[tr], X[va], k)
        acc.append(np.mean(pred == y[va]))
    return float(np.mean(acc))


def aeon_peer(Xtr, ytr, Xte, yte, seed=0):
    from aeon.classification.convolution_based import MiniRocketClassifier

    clf = MiniRocketClassifier(random_state=seed).fit(np.transpose(Xtr, (0, 2, 1)), ytr)
    return float(np.mean(clf.predict(np.transpose(Xte, (0, 2, 1))) == yte))


def main(names):
    for name in names:
        t0 = time.time()
        Xtr, ytr, Xte, yte = load(name)
        row = {"aeon": aeon_peer(Xtr, ytr, Xte, yte)}
        cv = {}
        for k in KS:
            pred, fr = fit_predict(Xtr, ytr, Xte, k)
            row[k] = float(np.mean(pred == yte))
            cv[k] = cv_accuracy(Xtr, ytr, k)
        pred, _ = fit_predict(Xtr, ytr, Xte, None, head="logistic")
        row["logistic"] = float(np.mean(pred == yte))
        best = max(KS, key=lambda k: (cv[k], -(k or 10**9)))  # best CV, ties to the fewest features
        cells = " | ".join(f"{row[k]:.3f} (cv {cv[k]:.3f})" for k in KS)
        print(
            f"| {name} | aeon {row['aeon']:.3f} | {cells} | logistic(all) {row['logistic']:.3f} "
            f"| chosen k={best or 'all'}: {row[best]:.3f} | {time.time() - t0:.0f} s |",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:] or DATASETS)
