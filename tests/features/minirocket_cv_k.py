"""Cross-validated accuracy of minirocket(keep=k) + scaler + each linear head against k, on the
training split only, every k and head scored on the same repeated stratified folds (the MiniRocket
fit and its full feature matrix are computed once per fold and shared by every k; the stage's own
detachment then prunes to k on the fold's training part, as ``MiniRocket(keep=k).fit`` does).
Run: python tests/features/minirocket_cv_k.py DATASET K[,K...] [FOLDS] [REPEATS]
Prints one row per (k, head): mean accuracy, its standard error over the folds, and per-fold
accuracies (so two cells can be compared fold by fold)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from sensorflow.dsp import minirocket as mr
from sensorflow.stages.minirocket import detach
from sensorflow.stages.models.linear import Logistic, RidgeClassifier
from sensorflow.stages.scaler import Scaler


def heads():
    return {"ridge": RidgeClassifier(), "logistic": Logistic(C=1.0, max_iter=3000)}


def fold_scores(Xtr, ytr, Xva, yva, ks, seed=0) -> dict:
    """{(k, head): accuracy} of one fold."""
    learned = mr.fit(Xtr, 10_000, 32, seed)
    Ftr, Fva = mr.transform(Xtr, learned), mr.transform(Xva, learned)
    out = {}
    for k in ks:
        keep = detach(Ftr, ytr, k) if k and k < Ftr.shape[1] else np.arange(Ftr.shape[1])
        sc = Scaler().fit(Ftr[:, keep])
        a, b = sc.transform(Ftr[:, keep]), sc.transform(Fva[:, keep])
        for h, model in heads().items():
            out[k, h] = float(np.mean(model.fit(a, ytr).predict(b) == yva))
    return out


def main(name, ks, folds=5, repeats=2):
    from sklearn.model_selection import StratifiedKFold

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from minirocket_accuracy import load

    X, y, _, _ = load(name)  # the training split only
    cells: dict = {}
    for r in range(repeats):
        skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=r)
        for i, (tr, va) in enumerate(skf.split(X[:, 0, 0], y)):
            for key, acc in fold_scores(X[tr], y[tr], X[va], y[va], ks).items():
                cells.setdefault(key, []).append(acc)
            print(f"# repeat {r} fold {i} done", flush=True)
    for (k, h), accs in sorted(cells.items(), key=lambda kv: (kv[0][0] or 10**9, kv[0][1])):
        a = np.asarray(accs)
        print(
            f"| {k or 'all'} | {h} | {a.mean():.3f} | {a.std(ddof=1) / np.sqrt(len(a)):.3f} | "
            + " ".join(f"{v:.2f}" for v in a)
            + " |",
            flush=True,
        )


if __name__ == "__main__":
    args = sys.argv[1:]
    main(
        args[0],
        tuple(int(v) or None for v in args[1].split(",")),
        *(int(v) for v in args[2:4]),
    )
