"""The report's figures as PNG data URIs. Figures are built on ``matplotlib.figure.Figure``
with the Agg canvas and never through pyplot, so a report leaves the caller's backend alone."""

from __future__ import annotations

import base64
import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

CLASS_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                 "#bcbd22", "#17becf"]  # fmt: skip


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def to_data_uri(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def confusion(matrix, classes) -> str:
    """Counts per (true, predicted), coloured by the share of each true class."""
    m = np.asarray(matrix, dtype=float)
    share = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    n = len(classes)
    fig = _figure(1.6 + 0.55 * n, 1.2 + 0.5 * n)
    ax = fig.add_subplot()
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(n):
        for j in range(n):
            ax.text(j, i, f"{int(m[i, j])}", ha="center", va="center",
                    color="white" if share[i, j] > 0.6 else "black", fontsize=9)  # fmt: skip
    ax.set_xticks(range(n), [str(c) for c in classes], rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(n), [str(c) for c in classes], fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    return to_data_uri(fig)


def residuals(true, predicted) -> str:
    """A regression model's held-out answers: predicted against true (the diagonal is perfect)
    and the residual (predicted - true) against true."""
    t, p = np.asarray(true, dtype=float), np.asarray(predicted, dtype=float)
    fig = _figure(7.5, 3.0)
    a, b = fig.subplots(1, 2)
    lo, hi = float(min(t.min(), p.min())), float(max(t.max(), p.max()))
    a.plot([lo, hi], [lo, hi], color="0.6", lw=1)
    a.scatter(t, p, s=5, alpha=0.5, color=CLASS_COLOURS[0])
    a.set_xlabel("true", fontsize=8)
    a.set_ylabel("predicted", fontsize=8)
    b.axhline(0.0, color="0.6", lw=1)
    b.scatter(t, p - t, s=5, alpha=0.5, color=CLASS_COLOURS[1])
    b.set_xlabel("true", fontsize=8)
    b.set_ylabel("residual", fontsize=8)
    return to_data_uri(fig)


def per_class(per_class: dict) -> str:
    """Precision, recall and F1 per class as grouped bars."""
    classes = list(per_class)
    metrics = ["precision", "recall", "f1"]
    fig = _figure(max(4.0, 0.9 * len(classes) + 1.5), 2.6)
    ax = fig.add_subplot()
    x = np.arange(len(classes))
    for k, name in enumerate(metrics):
        ax.bar(x + (k - 1) * 0.27, [per_class[c].get(name, 0.0) for c in classes], 0.27, label=name)
    ax.set_xticks(x, classes, rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=7, ncols=3, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    return to_data_uri(fig)


def features(values: np.ndarray, labels: np.ndarray, names, classes, top: int = 6) -> str | None:
    """The ``top`` features that separate the classes most (ANOVA F, as
    scikit-learn's f_classif), each as per-class strips of the held-out windows. A feature that is
    constant over the held-out windows separates nothing: it has no F (f_classif would warn) and
    is shown only when fewer than ``top`` features vary."""
    if values.ndim != 2 or values.shape[1] == 0 or len(np.unique(labels)) < 2:
        return None
    from sklearn.feature_selection import f_classif

    f = np.full(values.shape[1], np.nan)
    varies = np.flatnonzero(np.ptp(values, axis=0) > 0)
    if len(varies):
        with np.errstate(all="ignore"):  # a feature constant within each class: F = inf
            f[varies], _ = f_classif(values[:, varies], labels)
    order = np.argsort(-np.nan_to_num(f, nan=-1.0), kind="stable")[:top]
    cols = min(3, len(order))
    rows = int(np.ceil(len(order) / cols))
    fig = _figure(3.0 * cols, 2.2 * rows)
    rng = np.random.default_rng(0)
    for k, j in enumerate(order):
        ax = fig.add_subplot(rows, cols, k + 1)
        for c, cls in enumerate(classes):
            v = values[labels == cls, j]
            ax.scatter(c + rng.uniform(-0.2, 0.2, len(v)), v, s=6, alpha=0.7,
                       color=CLASS_COLOURS[c % len(CLASS_COLOURS)])  # fmt: skip
        ax.set_xticks(range(len(classes)), [str(c) for c in classes], rotation=30, ha="right", fontsize=7)
        ax.set_title(f"{names[j] if j < len(names) else j}  (F={f[j]:.3g})", fontsize=8)
        ax.tick_params(axis="y", labelsize=7)
    return to_data_uri(fig)


def signals(windows: np.ndarray, labels: np.ndarray, classes, channels, sample_rate: float) -> str | None:
    """One held-out window per class, every channel."""
    picks = [(c, np.flatnonzero(labels == c)) for c in classes]
    picks = [(c, idx[0]) for c, idx in picks if len(idx)]
    if not picks:
        return None
    fig = _figure(9, 1.6 * len(picks))
    t = np.arange(windows.shape[1]) / sample_rate
    for k, (cls, i) in enumerate(picks):
        ax = fig.add_subplot(len(picks), 1, k + 1)
        for ch in range(windows.shape[2]):
            ax.plot(t, windows[i, :, ch], lw=0.8, label=str(channels[ch]) if ch < len(channels) else str(ch))
        ax.set_ylabel(str(cls), fontsize=8)
        ax.tick_params(labelsize=7)
        if k == 0 and windows.shape[2] > 1:
            ax.legend(fontsize=6, ncols=min(8, windows.shape[2]), loc="upper right")
    fig.axes[-1].set_xlabel("seconds")
    return to_data_uri(fig)


def spectrograms(windows: np.ndarray, labels: np.ndarray, classes, sample_rate: float) -> str | None:
    """Log-power spectrogram (scipy.signal.spectrogram, Hann) of one held-out window per class."""
    from scipy.signal import spectrogram

    picks = [(c, np.flatnonzero(labels == c)) for c in classes]
    picks = [(c, idx[0]) for c, idx in picks if len(idx)][:6]
    if not picks:
        return None
    fig = _figure(3.0 * len(picks), 2.6)
    nper = int(min(512, max(16, 2 ** np.floor(np.log2(windows.shape[1] / 8)))))
    for k, (cls, i) in enumerate(picks):
        f, t, s = spectrogram(windows[i, :, 0], fs=sample_rate, nperseg=nper, noverlap=nper // 2)
        ax = fig.add_subplot(1, len(picks), k + 1)
        ax.pcolormesh(t, f, 10 * np.log10(s + 1e-12), shading="auto", cmap="magma")
        ax.set_title(str(cls), fontsize=8)
        ax.tick_params(labelsize=7)
        if k == 0:
            ax.set_ylabel("Hz", fontsize=8)
        ax.set_xlabel("s", fontsize=8)
    return to_data_uri(fig)


def device_bars(export: dict) -> str | None:
    """Per-stage flash and RAM (measured where compiled, else estimated) and operations per window."""
    stages = export.get("stages") or []
    if not stages:
        return None
    labels = [f"{s.get('index', k)} {s.get('type', '?')}" for k, s in enumerate(stages)]
    flash = [s.get("measured_flash_bytes", s.get("estimated_flash_bytes")) or 0 for s in stages]
    ram = [s.get("ram_bytes", s.get("estimated_ram_bytes")) or 0 for s in stages]
    ops = [s.get("ops") or 0 for s in stages]
    fig = _figure(9, 0.45 * len(stages) + 1.2)
    y = np.arange(len(stages))
    for k, (title, vals, colour) in enumerate(
        [("flash bytes", flash, "#4c72b0"), ("RAM bytes", ram, "#dd8452"), ("operations / window", ops, "#55a868")]
    ):
        ax = fig.add_subplot(1, 3, k + 1)
        ax.barh(y, vals, color=colour)
        ax.set_yticks(y, labels if k == 0 else [""] * len(y), fontsize=8)
        ax.invert_yaxis()
        ax.set_title(title, fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
    return to_data_uri(fig)
