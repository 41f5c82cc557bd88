"""Figures for the demo reports (matplotlib, Agg backend, PNG files)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..labels import natural_sorted


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def confusion(cm, classes, path: Path, title: str) -> Path:
    plt = _plt()
    cm = np.asarray(cm)
    fig, ax = plt.subplots(figsize=(1.2 + 0.9 * len(classes), 1.0 + 0.8 * len(classes)))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(classes)), classes, rotation=30, ha="right")
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=10)
    top = cm.max() if cm.size else 0
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", color="white" if cm[i, j] > top / 2 else "black")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


_GRID = re.compile(r"^(?:.*\.)?f(\d+)_[a-z](\d+)$")


def features(F: np.ndarray, names, y, path: Path, title: str) -> Path:
    """Class means of the features: as frame x band images when the features are a
    frame-major grid (``f03_m12`` names, log_mel/mfcc), else the most class-discriminative
    features (ANOVA F, sklearn.feature_selection.f_classif) as per-class box plots."""
    plt = _plt()
    y = np.asarray(y).astype(str)
    classes = natural_sorted(y.tolist())
    grid = [_GRID.match(str(n)) for n in names]
    if names and all(grid):
        frames = 1 + max(int(m.group(1)) for m in grid)
        bands = 1 + max(int(m.group(2)) for m in grid)
        fig, axes = plt.subplots(1, len(classes), figsize=(3.2 * len(classes), 3.0), squeeze=False)
        lo, hi = np.percentile(F, [2, 98])
        for ax, c in zip(axes[0], classes):
            img = F[y == c].mean(axis=0).reshape(frames, bands).T
            ax.imshow(img, origin="lower", aspect="auto", vmin=lo, vmax=hi, cmap="magma")
            ax.set_title(f"{c} (mean of {int((y == c).sum())})", fontsize=9)
            ax.set_xlabel("frame")
        axes[0][0].set_ylabel(str(names[0]).split(".")[0] + " band")
    else:
        from sklearn.feature_selection import f_classif

        with np.errstate(all="ignore"):
            fstat, _ = f_classif(F, y)
        order = np.argsort(-np.nan_to_num(fstat))[:6]
        fig, axes = plt.subplots(1, len(order), figsize=(2.6 * len(order), 3.0), squeeze=False)
        for ax, j in zip(axes[0], order):
            ax.boxplot([F[y == c, j] for c in classes], showfliers=False)
            ax.set_xticks(range(1, len(classes) + 1), classes, rotation=45, fontsize=7)
            ax.set_title(str(names[j]), fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def det_curve(curve: list[dict], operating: dict, path: Path, fa_target: float, recall_target: float) -> Path:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.6, 3.4))
    for key, label, style in (
        ("other_false_accepts_per_hour", "other speech and noise", "o-"),
        ("false_accepts_per_hour", "with near-homophones", "s:"),
    ):
        pts = [(c[key], c["recall"]) for c in curve if c["recall"] is not None and key in c]
        if pts:
            fa, rec = zip(*pts)
            ax.plot(np.maximum(fa, 0.05), rec, style, ms=3, label=label)
    fa_op = (operating.get("other_audio") or {}).get("false_accepts_per_hour", operating["false_accepts_per_hour"])
    ax.plot([max(fa_op, 0.05)], [operating["recall"]], "r*", ms=12, label="pipeline")
    ax.axvline(fa_target, color="gray", ls="--", lw=0.8)
    ax.axhline(recall_target, color="gray", ls="--", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("false accepts per hour (0 drawn at 0.05)")
    ax.set_ylabel("recall")
    ax.set_title("wake-word detector on held-out voices", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def stream_excerpt(signal, sr, end_times, score, detections, events, path: Path, seconds: float = 60.0) -> Path:
    plt = _plt()
    n = int(min(len(signal), seconds * sr))
    t = np.arange(n) / sr
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(9, 3.8), sharex=True)
    a1.plot(t[::4], np.asarray(signal).reshape(-1)[:n:4], lw=0.3, color="k")
    for s, e, _label in events:
        if s < seconds:
            a1.axvspan(s, min(e, seconds), color="tab:green", alpha=0.3)
    a1.set_ylabel("audio")
    keep = end_times <= seconds
    a2.plot(end_times[keep], score[keep], lw=1)
    for d in detections:
        if d <= seconds:
            a2.axvline(d, color="tab:red", lw=1)
    a2.set_ylabel("wake score")
    a2.set_xlabel("time (s): green = wake phrase, red = detection")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def roc_curve(roc: dict, path: Path, title: str) -> Path:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(3.8, 3.4))
    ax.plot(roc["fpr"], roc["tpr"], lw=1.5, label=f"AUC {roc['auc']:.3f}" if roc.get("auc") is not None else None)
    ax.plot([0, 1], [0, 1], color="gray", ls="--", lw=0.8)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
