"""Held-out metrics for the demo reports, computed with scikit-learn (sklearn.metrics)."""

from __future__ import annotations

import numpy as np
from sklearn import metrics as skm


def roc(y_is_positive, score) -> dict:
    """ROC AUC (sklearn.metrics.roc_auc_score) and the curve points."""
    y = np.asarray(y_is_positive).astype(bool)
    score = np.asarray(score, dtype=float)
    if y.all() or not y.any():
        return {"auc": None, "fpr": [], "tpr": []}
    fpr, tpr, _ = skm.roc_curve(y, score)
    return {"auc": float(skm.roc_auc_score(y, score)), "fpr": fpr.tolist(), "tpr": tpr.tolist()}
