"""Held-out metrics for the demo reports, computed with scikit-learn (sklearn.metrics)."""

from __future__ import annotations

import numpy as np
from sklearn import metrics as skm


def classification(y_true, y_pred, classes) -> dict:
    """Accuracy, balanced accuracy, macro F1, per-class precision/recall and the confusion
    matrix (rows true, columns predicted, in ``classes`` order)."""
    y_true, y_pred = np.asarray(y_true).astype(str), np.asarray(y_pred).astype(str)
    classes = [str(c) for c in classes]
    p, r, f, support = skm.precision_recall_fscore_support(y_true, y_pred, labels=classes, zero_division=0)
    return {
        "n": int(len(y_true)),
        "accuracy": float(skm.accuracy_score(y_true, y_pred)),
        "balanced_accuracy": float(skm.balanced_accuracy_score(y_true, y_pred)),
        "macro_f1": float(np.mean(f)),
        "per_class": {
            c: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(support[i])}
            for i, c in enumerate(classes)
        },
        "classes": classes,
        "confusion": skm.confusion_matrix(y_true, y_pred, labels=classes).tolist(),
    }


def roc(y_is_positive, score) -> dict:
    """ROC AUC (sklearn.metrics.roc_auc_score) and the curve points."""
    y = np.asarray(y_is_positive).astype(bool)
    score = np.asarray(score, dtype=float)
    if y.all() or not y.any():
        return {"auc": None, "fpr": [], "tpr": []}
    fpr, tpr, _ = skm.roc_curve(y, score)
    return {"auc": float(skm.roc_auc_score(y, score)), "fpr": fpr.tolist(), "tpr": tpr.tolist()}
