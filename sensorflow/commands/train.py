"""sensorflow train PIPELINE [--data PATH] [--out DIR]: windows, features, fit, cross-validated
and held-out metrics; saves the artifact (default ``build/<pipeline name>/``)."""

from __future__ import annotations

from pathlib import Path

from ..pipeline import Pipeline
from ..regression_metrics import regression_text
from ..training import confusion_text, report_text, train


def add_arguments(p):
    p.add_argument("pipeline", metavar="PIPELINE", help="pipeline YAML file")
    p.add_argument("--data", metavar="PATH", help="data to train on (overrides dataset.path)")
    p.add_argument("--out", metavar="DIR", help="artifact directory (default: build/<pipeline name>/)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


def run(args, out) -> int:
    pipe = Pipeline.from_yaml(args.pipeline)
    ds = pipe.load_data(args.data)
    out_dir = Path(args.out) if args.out else Path("build") / pipe.name
    result = train(pipe, ds, out_dir=out_dir, progress=out.progress and not args.no_progress, note=out.note)
    m = result.metrics
    out.print(
        f"{pipe.name}: {len(ds)} recordings from {ds.source}, {m['n_train']} training / {m['n_test']} test "
        f"windows (split by {m['split']}), {m['n_features']} features"
    )
    if m.get("task") == "regression":
        return _regression(pipe, result, out)
    if m.get("cv"):
        cv = m["cv"]
        out.print(
            f"cross-validation ({cv['folds']} folds): accuracy {cv['accuracy_mean']:.3f} "
            f"± {cv['accuracy_std']:.3f}, macro F1 {cv['macro_f1_mean']:.3f}"
        )
    if m.get("hard_negatives"):
        hn = m["hard_negatives"]
        out.print(
            f"hard negatives: {hn['mined']} of {hn['pool_windows']} background windows added in "
            f"{len(hn['rounds'])} round(s), each fitted again ({hn['above_half']} had scored over 0.5 for "
            f"another class in the first)"
        )
    out.print(f"held-out: accuracy {m['accuracy']:.3f}, macro F1 {m['macro_f1']:.3f}")
    out.print(confusion_text(m))
    out.print(report_text(m))
    if m.get("events"):
        ev = m["events"]
        rec = "n/a" if ev["recall"] is None else f"{ev['recall']:.3f}"
        fah = "n/a" if ev["false_accepts_per_hour"] is None else f"{ev['false_accepts_per_hour']:.2f}"
        out.print(f"events over {ev['hours'] * 60:.1f} min of streams: recall {rec}, false accepts/hour {fah}")
    out.print(f"artifact: {result.artifact}")
    out.set(
        pipeline=pipe.name,
        accuracy=m["accuracy"],
        macro_f1=m["macro_f1"],
        n_train=m["n_train"],
        n_test=m["n_test"],
        classes=m["classes"],
        cv=m["cv"],
        confusion_matrix=m["confusion_matrix"],
        per_class=m["per_class"],
        events=m.get("events"),
        artifact=str(result.artifact),
        dataset_fingerprint=result.fingerprint,
    )
    return 0


def _regression(pipe, result, out) -> int:
    """Print and return the scores of a regression model (MAE, RMSE, R², per held-out group)."""
    m = result.metrics
    if m.get("cv"):
        cv = m["cv"]
        r2 = "n/a" if cv["r2_mean"] is None else f"{cv['r2_mean']:.3f}"
        out.print(
            f"cross-validation ({cv['folds']} folds): MAE {cv['mae_mean']:.4g} ± {cv['mae_std']:.2g}, "
            f"RMSE {cv['rmse_mean']:.4g}, R² {r2}"
        )
    out.print("held-out: " + regression_text(m))
    out.print(f"artifact: {result.artifact}")
    out.set(
        pipeline=pipe.name,
        task="regression",
        mae=m["mae"],
        rmse=m["rmse"],
        r2=m["r2"],
        n_train=m["n_train"],
        n_test=m["n_test"],
        cv=m["cv"],
        per_group=m.get("per_group"),
        artifact=str(result.artifact),
        dataset_fingerprint=result.fingerprint,
    )
    return 0
