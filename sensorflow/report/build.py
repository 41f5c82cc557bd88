"""Assemble the report page from an artifact and the results that came after it."""

from __future__ import annotations

import dataclasses
import datetime as _dt
from pathlib import Path

import numpy as np
from jinja2 import Environment, PackageLoader

from .. import artifact
from ..labels import natural_sorted
from ..version import __version__
from . import diagram, figures
from .inputs import bench_rows

# feature plots and spectrograms look at this many held-out windows at most (a report, not an evaluation)
MAX_WINDOWS = 2000


@dataclasses.dataclass
class ReportInputs:
    """Everything a report may show; only ``artifact_dir`` is required."""

    artifact_dir: Path
    exports: list[dict] = dataclasses.field(default_factory=list)  # export_report.json contents
    hil: list[dict] = dataclasses.field(default_factory=list)  # `sensorflow hil --json` objects
    bench: dict | None = None  # benchmarks.json of `sensorflow bench`
    demo: dict | None = None  # a demo's report.json (targets and notes)
    title: str | None = None


def _fmt(v) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _fmt_unit(v, unit: str) -> str:
    """A target's figure with its unit; ``%`` targets hold fractions (0.95 = 95 %), as demo reports do."""
    if unit == "%" and isinstance(v, (int, float)) and not isinstance(v, bool):
        return f"{100 * v:.1f} %"
    return f"{_fmt(v)} {unit}".strip()


def _held_out(art_dir: Path, pipe, meta: dict):
    X = artifact.load_array(art_dir, "test_windows")
    y = artifact.load_array(art_dir, "test_labels")
    n_valid = artifact.load_array(art_dir, "test_n_valid") if pipe.pad == "valid" else None
    if X is None or y is None or len(X) == 0:
        return None, None, None
    if len(X) > MAX_WINDOWS:
        pick = np.sort(np.random.default_rng(0).choice(len(X), MAX_WINDOWS, replace=False))
        X, y = X[pick], y[pick]
        n_valid = None if n_valid is None or len(n_valid) <= pick[-1] else n_valid[pick]
    return X, y, n_valid


def _figures(pipe, meta: dict, X, y, n_valid=None) -> dict:
    out: dict[str, str | None] = {}
    metrics = meta.get("metrics") or {}
    classes = [str(c) for c in (metrics.get("classes") or meta.get("classes") or [])]
    if metrics.get("confusion_matrix") and classes:
        out["confusion"] = figures.confusion(metrics["confusion_matrix"], classes)
    if metrics.get("per_class"):
        out["per_class"] = figures.per_class(metrics["per_class"])
    if metrics.get("residuals"):
        out["residuals"] = figures.residuals(metrics["residuals"]["true"], metrics["residuals"]["predicted"])
    if X is None or metrics.get("task") == "regression":  # the class figures need classes
        return out
    labels = np.asarray([str(v) for v in y])
    present = [c for c in classes if c in set(labels)] or natural_sorted(labels)
    sensor = pipe.config.sensor
    if sensor.kind == "audio":
        out["spectrogram"] = figures.spectrograms(X, labels, present, sensor.sample_rate)
    else:
        out["signals"] = figures.signals(X, labels, present, sensor.channels, sensor.sample_rate)
    feats = pipe.transform(X, n_valid)  # pad: valid: over each window's valid samples
    if feats.ndim == 2:
        out["features"] = figures.features(feats, labels, pipe.feature_spec.names, present)
    return out


def _data_rows(meta: dict, y) -> list[tuple[str, str]]:
    ds, m = meta.get("dataset") or {}, meta.get("metrics") or {}
    rows = [(k.replace("_", " "), _fmt(ds[k])) for k in ("source", "n_recordings", "sample_rate", "split") if k in ds]
    rows += [(k.replace("_", " "), _fmt(m[k])) for k in ("n_train", "n_test", "n_features") if k in m]
    if y is not None and m.get("task") == "regression":
        rows.append(("held-out target range", f"{_fmt(float(np.min(y)))} .. {_fmt(float(np.max(y)))}"))
    elif y is not None:
        values, counts = np.unique(np.asarray([str(v) for v in y]), return_counts=True)
        rows.append(("held-out windows per class", ", ".join(f"{v}: {c}" for v, c in zip(values, counts))))
    if meta.get("dataset_fingerprint"):
        rows.append(("dataset fingerprint", str(meta["dataset_fingerprint"])[:16]))
    return rows


def _metric(v) -> str:
    return f"{v:.3f}" if isinstance(v, float) and abs(v) < 1000 else _fmt(v)


def _metric_rows(meta: dict) -> list[tuple[str, str]]:
    m = meta.get("metrics") or {}
    rows = [(k.replace("_", " "), _metric(v)) for k, v in m.items() if isinstance(v, (int, float)) and not isinstance(v, bool)
            and k not in ("n_train", "n_test", "n_features")]  # fmt: skip
    cv = m.get("cv") or {}
    if cv and m.get("task") == "regression":
        rows.append(("cross-validation", f"{cv.get('folds', '?')} folds: MAE {_metric(cv.get('mae_mean'))} "
                     f"± {_metric(cv.get('mae_std'))}, R² {_metric(cv.get('r2_mean'))}"))  # fmt: skip
    elif cv:
        rows.append(("cross-validation", f"{cv.get('folds', '?')} folds: accuracy {_metric(cv.get('accuracy_mean'))} "
                     f"± {_metric(cv.get('accuracy_std'))}, macro F1 {_metric(cv.get('macro_f1_mean'))}"))  # fmt: skip
    return rows


def _export_view(report: dict) -> dict:
    measured = report.get("measured") or {}
    return {
        "board": report.get("board", "?"),
        "lang": report.get("lang", "c"),
        "flash": _fmt(report.get("flash_bytes")),
        "ram": _fmt(report.get("ram_bytes")),
        "source": report.get("source", "estimated"),
        "budget_flash": _fmt((report.get("budget") or {}).get("flash_bytes")),
        "budget_ram": _fmt((report.get("budget") or {}).get("ram_bytes")),
        "compiler": measured.get("compiler", ""),
        "numeric": report.get("numeric", "float32"),
        "bars": figures.device_bars(report),
        "stages": [
            {
                "index": s.get("index"),
                "type": s.get("type"),
                "flash": _fmt(s.get("measured_flash_bytes", s.get("estimated_flash_bytes"))),
                "ram": _fmt(s.get("ram_bytes", s.get("estimated_ram_bytes"))),
                "ops": _fmt(s.get("ops")),
                "numeric": s.get("numeric", ""),
            }
            for s in report.get("stages") or []
        ],  # fmt: skip
    }


HIL_FIELDS = [("agreement", "label agreement"), ("n", "windows"), ("instructions_per_inference", "per inference"),
              ("latency_ms_median", "latency ms (median)"), ("max_abs_feature_error", "max |feature error|"),
              ("max_abs_score_error", "max |score error|"), ("stack_high_water_bytes", "stack high water B"),
              ("retries", "retries"), ("resets", "resets")]  # fmt: skip


def _hil_view(result: dict) -> dict:
    rows = [(label, _fmt(result.get(key))) for key, label in HIL_FIELDS if key in result]
    if result.get("value_rtol") is not None:  # a regression model: values compared, not labels
        rows = [(f"values within rtol {result['value_rtol']:g}" if k == "label agreement" else k, v) for k, v in rows]
    unit = result.get("counter_unit")
    rows = [(f"{lab} ({unit})" if lab == "per inference" and unit else lab, v) for lab, v in rows]
    return {"board": result.get("board", "?"), "passed": bool(result.get("passed")), "rows": rows,
            "disagreements": len(result.get("disagreements") or [])}  # fmt: skip


def render(inputs: ReportInputs) -> str:
    """The page as one HTML string."""
    art_dir = Path(inputs.artifact_dir)
    pipe, meta = artifact.load(art_dir)
    X, y, n_valid = _held_out(art_dir, pipe, meta)
    config = pipe.config.model_dump(mode="json")
    roles = [s.tags.role for s in pipe.stages]
    classes = [str(c) for c in meta.get("classes") or []]
    env = Environment(loader=PackageLoader("sensorflow.report", "templates"), autoescape=True)
    return env.get_template("report.html.j2").render(
        title=inputs.title or f"sensorflow: {pipe.name}",
        name=pipe.name,
        version=__version__,
        created=meta.get("created", ""),
        generated=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        diagram=diagram.svg(config, roles, classes),
        data_rows=_data_rows(meta, y),
        metric_rows=_metric_rows(meta),
        per_class=(meta.get("metrics") or {}).get("per_class") or {},
        per_group=(meta.get("metrics") or {}).get("per_group") or {},
        figs=_figures(pipe, meta, X, y, n_valid),
        exports=[_export_view(e) for e in inputs.exports],
        hil=[_hil_view(h) for h in inputs.hil],
        bench=bench_rows(inputs.bench, pipe.name) if inputs.bench else [],
        demo=inputs.demo,
        fmt=_fmt,
        fmt_unit=_fmt_unit,
    )


def write_report(inputs: ReportInputs, out: str | Path) -> Path:
    """Write the page to ``out`` (a file path); returns it."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(inputs), encoding="utf-8")
    return out
