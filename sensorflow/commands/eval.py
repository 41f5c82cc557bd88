"""sensorflow eval ARTIFACT [--data PATH]: metrics, confusion matrix (text and PNG), per-class
report (regression models: MAE, RMSE, R² overall and per group, and a residual plot); for event detectors (pipelines with post stages) on data with continuous streams,
recall and false accepts per hour. Without --data the artifact's held-out windows are used
(and an event detector's streams come from its configured dataset);
with the very dataset it was trained on, only that dataset's held-out part is scored."""

from __future__ import annotations

import json
from pathlib import Path

from .. import artifact
from ..datasets import holdout
from ..errors import ArtifactError
from ..outdir import Staging, check_free
from ..regression_metrics import regression_text, save_residuals_png
from ..training import (
    confusion_text,
    dataset_windows,
    evaluate,
    event_metrics,
    progress_bar,
    report_text,
    save_confusion_png,
)


def add_arguments(p):
    p.add_argument("artifact", metavar="ARTIFACT", help="trained artifact directory")
    p.add_argument("--data", metavar="PATH", help="data to evaluate on (default: the artifact's held-out windows)")
    p.add_argument(
        "--no-events",
        action="store_true",
        help="event detectors: skip loading the pipeline's dataset for its continuous streams",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        help="where to write confusion_matrix.png and metrics.json (default: <ARTIFACT>-eval/ beside the artifact)",
    )


def run(args, out) -> int:
    pipe, meta = artifact.load(args.artifact)
    events = None
    regression = pipe.task == "regression"
    groups = None
    if args.data:
        ds = pipe.load_data(args.data)
        w = dataset_windows(pipe, ds, out.note)
        X, y, groups, n_valid = w.X, w.y, ds.groups[w.recording], w.n_valid
        source = ds.source
        if ds.fingerprint() == meta.get("dataset_fingerprint"):
            split = pipe.config.dataset.split if pipe.config.dataset else None
            by = split.by if split else "group"
            _, test = holdout(
                ds, w, by, split.test_size if split else 0.25, split.seed if split else 0, stratify=not regression
            )
            X, y, groups = X[test], y[test], groups[test]
            n_valid = None if n_valid is None else n_valid[test]
            source += " (the training dataset: its held-out part only)"
        if ds.streams and pipe.post_stages():
            events = _events(pipe, ds, out)
    else:
        X = artifact.load_array(args.artifact, "test_windows")
        y = artifact.load_array(args.artifact, "test_labels")
        groups = artifact.load_array(args.artifact, "test_groups")
        n_valid = artifact.load_array(args.artifact, "test_n_valid") if pipe.pad == "valid" else None
        if X is None or y is None:
            raise ArtifactError(f"{args.artifact}: has no held-out windows saved; pass --data PATH")
        source = "held-out windows saved with the artifact"
        if pipe.post_stages() and pipe.config.dataset is not None and not args.no_events:
            ds = pipe.load_data()
            if ds.streams:
                events = _events(pipe, ds, out)
    with progress_bar(out.progress) as bar:
        metrics = evaluate(pipe, X, y, bar, groups if regression else None, n_valid)
    if metrics.get("task") == "regression":
        return _regression(args, pipe, metrics, source, out)
    if events is not None:
        metrics["events"] = events
    art = Path(args.artifact)
    out_dir = Path(args.out) if args.out else art.resolve().parent / f"{art.resolve().name}-eval"
    check_free(out_dir, ["confusion_matrix.png", "metrics.json"])
    with Staging(out_dir) as staging:  # written aside, then moved in: never over a file sensorflow did not write
        save_confusion_png(
            metrics, staging.path / "confusion_matrix.png", f"{pipe.name}: accuracy {metrics['accuracy']:.3f}"
        )
        (staging.path / "metrics.json").write_text(json.dumps(metrics, indent=1))
        staging.publish()
    png = out_dir / "confusion_matrix.png"
    out.print(f"{pipe.name} on {source}: {metrics['n_test']} windows")
    out.print(f"accuracy {metrics['accuracy']:.3f}, macro F1 {metrics['macro_f1']:.3f}")
    out.print(confusion_text(metrics))
    out.print(report_text(metrics))
    if metrics.get("unknown_labels"):
        out.note(f"labels the model never saw (always counted wrong): {', '.join(metrics['unknown_labels'])}")
    if events is not None:
        rec = "n/a" if events["recall"] is None else f"{events['recall']:.3f}"
        fah = "n/a" if events["false_accepts_per_hour"] is None else f"{events['false_accepts_per_hour']:.2f}"
        out.print(
            f"events: {events['detected']}/{events['n_events']} detected (recall {rec}), "
            f"{events['false_accepts']} false accepts in {events['hours'] * 60:.1f} min ({fah} per hour)"
        )
    out.print(f"confusion matrix plot: {png}")
    out.set(pipeline=pipe.name, **metrics, plot=str(png))
    return 0


def _events(pipe, ds, out) -> dict:
    with progress_bar(out.progress) as bar:
        return event_metrics(pipe, ds.streams, ds.sample_rate, bar=bar)


def _regression(args, pipe, metrics: dict, source: str, out) -> int:
    """Write residuals.png and metrics.json, print MAE, RMSE and R²."""
    art = Path(args.artifact)
    out_dir = Path(args.out) if args.out else art.resolve().parent / f"{art.resolve().name}-eval"
    check_free(out_dir, ["residuals.png", "metrics.json"])
    with Staging(out_dir) as staging:
        save_residuals_png(metrics, staging.path / "residuals.png", f"{pipe.name}: held-out residuals")
        (staging.path / "metrics.json").write_text(json.dumps(metrics, indent=1))
        staging.publish()
    png = out_dir / "residuals.png"
    out.print(f"{pipe.name} on {source}: {metrics['n_test']} windows")
    out.print(regression_text(metrics))
    out.print(f"residual plot: {png}")
    out.set(pipeline=pipe.name, **metrics, plot=str(png))
    return 0
