"""Report sections of a regression demo (``vibration_speed``): who trains and who is held out,
the held-out error overall and per held-out group with the residual plot, and its targets."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..regression_metrics import save_residuals_png
from .report import target


def evaluate_regressor(pipe, ds, tr, out: Path, result: dict, demo, log) -> dict:
    m = tr.metrics
    fold = ds.fold if ds.fold is not None else np.array(["?"] * len(ds))
    values = np.asarray([float(v) for v in ds.labels.tolist()])
    rows = []
    for part in ("train", "test"):
        for g in sorted(set(ds.groups[fold == part].tolist())):
            sel = (fold == part) & (ds.groups == g)
            rows.append([g, "training" if part == "train" else "held out", int(sel.sum()),
                         f"{values[sel].min():.1f} .. {values[sel].max():.1f}"])  # fmt: skip
    data = {
        "title": "Data",
        "text": f"Source `{ds.source}`, {ds.sample_rate:g} Hz; the target is the recording's {_target_word(pipe)}.",
        "header": ["group", "part", "recordings", "target range"],
        "rows": rows,
    }
    save_residuals_png(m, out / "residuals.png", f"{pipe.name}: held-out windows")
    cv = m.get("cv")
    r2 = "n/a" if m["r2"] is None else f"{m['r2']:.3f}"
    cv_text = (
        f" Cross-validation on the training part, one group left out per fold ({cv['folds']} folds): MAE "
        f"{cv['mae_mean']:.3g} ± {cv['mae_std']:.2g}."
        if cv
        else ""
    )
    held = {
        "title": "Held-out windows",
        "text": (
            f"{m['n_train']} training and {m['n_test']} held-out windows of groups never seen in training, "
            f"{m.get('n_features')} features. **MAE {m['mae']:.3g}, RMSE {m['rmse']:.3g}, R² {r2}**, mean residual "
            f"{m['bias']:+.3g}, largest error {m['max_abs_error']:.3g}.{cv_text}"
        ),
        "header": ["held-out group", "windows", "MAE", "RMSE", "mean residual"],
        "rows": [
            [g, s["n"], f"{s['mae']:.3g}", f"{s['rmse']:.3g}", f"{s['bias']:+.3g}"]
            for g, s in (m.get("per_group") or {}).items()
        ],  # fmt: skip
        "figures": ["residuals.png"],
    }
    conditions = by_condition(pipe, ds)
    if conditions:
        m["per_condition"] = conditions
        held["text"] += (
            " Per held-out operating condition (speed and load) and fault class of the recordings: "
            + "; ".join(f"`{c}` MAE {v['mae']:.3g} (mean residual {v['bias']:+.3g})" for c, v in conditions.items())
            + "."
        )
    result["sections"] += [data, held]
    result["metrics"] = {"heldout": m}
    return {"detail": f"MAE {m['mae']:.3g}, RMSE {m['rmse']:.3g}, R² {r2} on unseen groups"}


def _target_word(pipe) -> str:
    options = pipe.config.dataset.options if pipe.config.dataset is not None else {}
    return {"shaft_rpm": "shaft speed (rpm, with the motor's slip)", "load": "load (hp)"}.get(
        str(options.get("target")), "target value"
    )


def targets(rows: list, metrics: dict) -> None:
    """The speed demo's figures against the resolution of its own spectrum: the nearest FFT bin's
    frequency is off by up to half a bin (44 rpm at 8192 samples, 12 kHz), so the model should
    do better than that on the held-out speeds."""
    m = metrics.get("heldout") or {}
    half_bin_rpm = 60.0 * 12000.0 / 8192 / 2
    rows.append(target("shaft speed MAE, unseen speeds and loads (rpm)", m.get("mae"), half_bin_rpm, "", False,
                       "target: half an FFT bin of the 8192-sample window"))  # fmt: skip


def by_condition(pipe, ds) -> dict:
    """MAE and mean residual of the held-out recordings per operating condition and per fault
    class, read from the recipe's recording names (``class:condition:index``); empty when the
    names do not carry them."""
    parts = [str(n).split(":") for n in ds.names]
    if ds.fold is None or any(len(p) != 3 for p in parts):
        return {}
    errors: dict[str, list[np.ndarray]] = {}
    for i in np.flatnonzero(ds.fold == "test"):
        windows = pipe.frame(ds.signals[i])
        if not len(windows):
            continue
        r = pipe.predict(windows) - float(ds.labels[i])
        for key in (parts[i][1], f"class {parts[i][0]}"):
            errors.setdefault(key, []).append(r)
    out = {}
    for key in sorted(errors, key=lambda k: (k.startswith("class "), k)):
        r = np.concatenate(errors[key])
        out[key] = {"n": int(len(r)), "mae": float(np.mean(np.abs(r))), "bias": float(np.mean(r))}
    return out
