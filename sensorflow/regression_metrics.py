"""Metrics of a regression model on held-out windows: MAE, RMSE and R² as scikit-learn computes
them (``mean_absolute_error``, ``root_mean_squared_error``, ``r2_score``), the error per group
(e.g. per operating condition), and the residual plot (residual against true value)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

RESIDUAL_POINTS = 2000
"""Most (true, predicted) pairs kept in the metrics for the residual plot (evenly spaced)."""


def _scores(t: np.ndarray, p: np.ndarray) -> dict:
    from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error

    r = p - t
    return {
        "mae": float(mean_absolute_error(t, p)),
        "rmse": float(root_mean_squared_error(t, p)),
        # R² is undefined when every true value is the same (scikit-learn returns 0 or 1 then)
        "r2": float(r2_score(t, p)) if len(t) > 1 and np.ptp(t) > 0 else None,
        "bias": float(np.mean(r)),
        "max_abs_error": float(np.max(np.abs(r))),
        "n": int(len(t)),
    }


def regression_metrics(y_true, y_pred, groups=None) -> dict:
    """MAE, RMSE, R², mean residual (bias), largest error, the range of the true values, the
    same per group when ``groups`` is given, and up to ``RESIDUAL_POINTS`` (true, predicted)
    pairs for the residual plot."""
    t = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    m = {"task": "regression", **_scores(t, p), "true_range": [float(t.min()), float(t.max())]}
    m["n_test"] = m.pop("n")
    if groups is not None:
        g = np.asarray(groups).astype(str)
        m["per_group"] = {k: _scores(t[g == k], p[g == k]) for k in sorted(set(g.tolist()))}
    keep = np.unique(np.linspace(0, len(t) - 1, min(len(t), RESIDUAL_POINTS)).round().astype(int))
    m["residuals"] = {"true": t[keep].tolist(), "predicted": p[keep].tolist()}
    return m


def regression_text(m: dict) -> str:
    """One line of the scores, then one per group (when there are groups)."""
    r2 = "n/a" if m["r2"] is None else f"{m['r2']:.3f}"
    lines = [
        f"MAE {m['mae']:.4g}, RMSE {m['rmse']:.4g}, R² {r2}, bias {m['bias']:+.3g}, largest error {m['max_abs_error']:.4g}"
    ]
    per = m.get("per_group") or {}
    if per:
        w = max(len(k) for k in per)
        lines.append(f"{'group':{w}}  {'n':>5}  {'MAE':>9}  {'RMSE':>9}  {'bias':>9}")
        for k, s in per.items():
            lines.append(f"{k:{w}}  {s['n']:5d}  {s['mae']:9.4g}  {s['rmse']:9.4g}  {s['bias']:+9.3g}")
    return "\n".join(lines)


def cv_summary(folds: list[dict]) -> dict:
    """Mean and spread of the fold scores (``_scores`` dicts) of a cross-validation."""
    mae = np.array([f["mae"] for f in folds])
    rmse = np.array([f["rmse"] for f in folds])
    r2 = [f["r2"] for f in folds if f["r2"] is not None]
    return {
        "folds": len(folds),
        "mae_mean": float(mae.mean()),
        "mae_std": float(mae.std()),
        "rmse_mean": float(rmse.mean()),
        "r2_mean": float(np.mean(r2)) if r2 else None,
    }


def fold_scores(y_true, y_pred) -> dict:
    """The scores of one cross-validation fold."""
    return _scores(np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64))


def save_residuals_png(m: dict, path: Path, title: str = "") -> Path:
    """Predicted against true value and residual against true value, side by side, on
    matplotlib's Agg canvas without pyplot (the user's backend is left as it is)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    t = np.asarray(m["residuals"]["true"])
    p = np.asarray(m["residuals"]["predicted"])
    fig = Figure(figsize=(9, 3.6))
    FigureCanvasAgg(fig)
    a, b = fig.subplots(1, 2)
    lo, hi = float(min(t.min(), p.min())), float(max(t.max(), p.max()))
    a.plot([lo, hi], [lo, hi], color="0.6", lw=1)
    a.scatter(t, p, s=6, alpha=0.5)
    a.set_xlabel("true")
    a.set_ylabel("predicted")
    b.axhline(0.0, color="0.6", lw=1)
    b.scatter(t, p - t, s=6, alpha=0.5)
    b.set_xlabel("true")
    b.set_ylabel("residual (predicted - true)")
    r2 = "n/a" if m["r2"] is None else f"{m['r2']:.3f}"
    fig.suptitle(title or f"MAE {m['mae']:.4g}, RMSE {m['rmse']:.4g}, R² {r2}")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    return path
