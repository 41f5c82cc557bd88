"""Train and evaluate a pipeline on a Dataset: windows, features, grouped split,
cross-validation, held-out metrics, event metrics over continuous streams, artifact.

Used by ``sensorflow train`` / ``eval`` and the demos. Metrics follow scikit-learn
(``accuracy_score``, ``f1_score(average="macro")``, ``confusion_matrix``,
``precision_recall_fscore_support``; regression models: ``sensorflow.regression_metrics``).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from . import artifact
from .datasets import Dataset, Stream, Windows, cv_folds, holdout, window_groups
from .errors import DataError
from .pipeline import Pipeline, run_steps
from .progress import epochs_on, progress_bar  # noqa: F401  (progress_bar: used by commands)
from .progress import step as progress_step
from .regression_metrics import cv_summary, fold_scores, regression_metrics
from .stages.models.regression import regression_targets
from .windowing import frame

_BATCH = 512  # windows per feature batch (bounds memory, drives the progress bar)


# ---------------------------------------------------------------------- stage plumbing
def _head_length(pipe: Pipeline) -> int:
    """Number of leading steps that learn nothing (their output can be computed once)."""
    for k, step in enumerate(pipe.steps):
        if step.role in ("model", "post") or any(s.tags.trainable for s in step.stages):
            return k
    return len(pipe.steps)


def head_features(pipe: Pipeline, X: np.ndarray, bar=None, label: str = "features", n_valid=None) -> np.ndarray:
    """Output of the non-learning leading steps for every window, in batches (``n_valid``: the
    valid samples per window, ``window.pad: valid``)."""
    X = pipe.check_windows(X)
    steps = pipe.steps[: _head_length(pipe)]
    if not steps:
        return X
    task = bar.add_task(label, total=len(X)) if bar is not None else None
    parts = []
    for s in range(0, len(X), _BATCH):
        nv = None if n_valid is None else n_valid[s : s + _BATCH]
        parts.append(run_steps(steps, X[s : s + _BATCH], n_valid=nv))
        if bar is not None:
            bar.advance(task, len(parts[-1]))
    return np.concatenate(parts)


def tail_n_valid(pipe: Pipeline, n_valid):
    """``n_valid`` when the learning steps still read the windows (the first feature step learns,
    ``minirocket``: :func:`head_features` returned the windows), else None."""
    return n_valid if n_valid is not None and _head_length(pipe) == 0 else None


def _pick(values: np.ndarray, index_chain) -> np.ndarray:
    """``values[i0][i1]...``: rows picked by successive index arrays."""
    for idx in index_chain:
        values = values[idx]
    return values


def fit_tail(pipe: Pipeline, H: np.ndarray, y: np.ndarray, n_valid=None) -> Pipeline:
    """Fit the learning steps (scaler, model) of ``pipe`` on head features ``H`` (``n_valid``:
    the windows' valid samples when a learning feature stage reads them, ``window.pad: valid``)."""
    tail = pipe.steps[_head_length(pipe) :]
    feats = run_steps(tail, H, y, fit=True, n_valid=n_valid)
    if pipe.model is not None:
        pipe.model.fit(feats, y)
    return pipe.rebind()


def predict_tail(pipe: Pipeline, H: np.ndarray, n_valid=None) -> tuple[np.ndarray, np.ndarray]:
    """(labels, probabilities) from head features (``n_valid``: as for :func:`fit_tail`)."""
    feats = run_steps(pipe.steps[_head_length(pipe) :], H, n_valid=n_valid)
    return pipe.model.predict(feats), pipe.model.transform(feats)


def model_targets(pipe: Pipeline, y: np.ndarray, where: str = "") -> np.ndarray:
    """Labels in the model's class space (anomaly models map labels to normal/anomaly; regression
    models read them as numbers, ``regression_targets``)."""
    model = pipe.model
    if model.task == "regression":
        return regression_targets(y, where)
    return model.encode_target(y) if hasattr(model, "encode_target") else np.asarray(y)


# ---------------------------------------------------------------------- metrics
def classification_metrics(y_true, y_pred, classes) -> dict:
    classes = list(classes)
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    labels = np.asarray(classes)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        "classes": classes,
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        "per_class": {
            str(c): {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
            for i, c in enumerate(classes)
        },
    }


def confusion_text(metrics: dict) -> str:
    """The confusion matrix as an aligned table (rows: true class, columns: predicted)."""
    classes = [str(c) for c in metrics["classes"]]
    cm = metrics["confusion_matrix"]
    w = max([len(c) for c in classes] + [max((len(str(v)) for row in cm for v in row), default=1), 4])
    lines = ["true \\ predicted".ljust(w) + " " + " ".join(c[:w].rjust(w) for c in classes)]
    for c, row in zip(classes, cm):
        lines.append(c[:w].ljust(w) + " " + " ".join(str(v).rjust(w) for v in row))
    return "\n".join(lines)


def report_text(metrics: dict) -> str:
    """Per-class precision / recall / F1 / support, as scikit-learn's classification_report."""
    classes = [str(c) for c in metrics["classes"]]
    w = max([len(c) for c in classes] + [9])
    lines = [f"{'':{w}}  precision  recall  f1-score  support"]
    for c in classes:
        m = metrics["per_class"][c]
        lines.append(f"{c:{w}}  {m['precision']:9.3f}  {m['recall']:6.3f}  {m['f1']:8.3f}  {m['support']:7d}")
    return "\n".join(lines)


def save_confusion_png(metrics: dict, path: Path, title: str = "") -> Path:
    """Confusion matrix plot, drawn on matplotlib's Agg canvas without pyplot (so the
    user's backend, e.g. in a notebook, is left as it is; no display needed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    cm = np.asarray(metrics["confusion_matrix"])
    classes = [str(c) for c in metrics["classes"]]
    size = 1.2 + 0.6 * len(classes)
    fig = Figure(figsize=(size + 1.5, size + 0.5))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right")
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title or f"accuracy {metrics['accuracy']:.3f}")
    top = cm.max() if cm.size else 0
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", color="white" if cm[i, j] > top / 2 else "black")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    return path


# ---------------------------------------------------------------------- event streams
def detect_events(pipe: Pipeline, signal: np.ndarray, chunk_s: float = 1.0) -> list[dict]:
    """Stream a recording through the pipeline; one dict per detection (post output > 0):
    ``time`` (window start, s), ``end`` (window end, s), ``label``, ``score``."""
    sr = pipe.config.sensor.sample_rate
    step = max(1, int(round(chunk_s * sr)))
    classes = [str(c) for c in pipe.classes_]
    win_s = pipe.window_length / sr
    events = []
    chunks = (signal[i : i + step] for i in range(0, len(signal), step))
    for rec in pipe.stream(chunks):
        if rec["status"] != "ok":
            continue
        for c in np.flatnonzero(np.asarray(rec["post"]) > 0):
            events.append(
                {
                    "time": float(rec["time"]),
                    "end": float(rec["time"]) + win_s,
                    "label": classes[c],
                    "score": float(rec["scores"][c]),
                }
            )
    return events


def event_metrics(
    pipe: Pipeline, streams: list[Stream], sample_rate: float, tolerance_s: float = 0.25, bar=None
) -> dict:
    """Recall of annotated events and false accepts per hour over continuous streams.

    A detection matches an annotated event of the same label when its window overlaps the
    event widened by ``tolerance_s``; each event is matched at most once; every other
    detection (including a repeat on an already-matched event) is a false accept. ``bar``: a
    progress bar (``progress_bar``) advanced per stream."""
    task = bar.add_task("event streams", total=len(streams)) if bar is not None else None
    n_events = n_hit = n_false = 0
    seconds = 0.0
    per_class: dict[str, dict] = {}
    for st in streams:
        seconds += len(st.signal) / sample_rate
        truth = [(float(a), float(b), str(lab)) for a, b, lab in st.events]
        matched = [False] * len(truth)
        n_events += len(truth)
        for lab in {t[2] for t in truth}:
            per_class.setdefault(lab, {"events": 0, "detected": 0, "false_accepts": 0})
            per_class[lab]["events"] += sum(t[2] == lab for t in truth)
        for det in detect_events(pipe, st.signal):
            hit = None
            for k, (a, b, lab) in enumerate(truth):
                if (
                    not matched[k]
                    and lab == det["label"]
                    and det["time"] < b + tolerance_s
                    and det["end"] > a - tolerance_s
                ):
                    hit = k
                    break
            entry = per_class.setdefault(det["label"], {"events": 0, "detected": 0, "false_accepts": 0})
            if hit is None:
                n_false += 1
                entry["false_accepts"] += 1
            else:
                matched[hit] = True
                n_hit += 1
                entry["detected"] += 1
        if bar is not None:
            bar.advance(task)
    hours = seconds / 3600.0
    return {
        "n_streams": len(streams),
        "hours": hours,
        "n_events": n_events,
        "detected": n_hit,
        "recall": n_hit / n_events if n_events else None,
        "false_accepts": n_false,
        "false_accepts_per_hour": n_false / hours if hours > 0 else None,
        "per_class": per_class,
    }


# ---------------------------------------------------------------------- training
@dataclass
class TrainResult:
    pipeline: Pipeline
    metrics: dict
    n_train: int
    n_test: int
    fingerprint: str
    test_windows: np.ndarray
    test_labels: np.ndarray
    artifact: Path | None = None
    timings: dict = field(default_factory=dict)


def mine_hard_negatives(pipe: Pipeline, ds: Dataset, n: int, note=None, taken=frozenset(), chunk: int = 1024):
    """The ``n`` windows of ``ds.background`` (cut at the pipeline's hop) that the fitted ``pipe``
    finds least like ``ds.background_label``, leaving out the window numbers in ``taken`` (earlier
    rounds), as head features for the next fit: hard-negative mining as in object detection
    (Felzenszwalb et al. 2010) and keyword spotting. Returns ``(H, window numbers, info)``, or
    None (with a note) when the dataset has no background recordings to mine."""
    if not ds.background:
        if note:
            note("train.hard_negatives: the dataset has no background recordings to mine; fitted once")
        return None
    classes = [str(c) for c in pipe.classes_]
    if str(ds.background_label) not in classes:
        raise DataError(
            f"{ds.source or 'dataset'}: background class '{ds.background_label}' is not one of the "
            f"model's classes ({', '.join(classes)})"
        )
    k = classes.index(str(ds.background_label))
    keep_h = keep_s = keep_i = None
    total = 0
    length, hop = pipe.window_length, pipe.hop
    for signal in ds.background:
        for a in range(0, max(len(signal) - length + 1, 0), chunk * hop):  # a window copy per chunk only
            H = head_features(pipe, frame(signal[a : a + (chunk - 1) * hop + length], length, hop))
            score = 1.0 - predict_tail(pipe, H)[1][:, k]
            ids = np.arange(total, total + len(H))
            total += len(H)
            fresh = ~np.isin(ids, list(taken))
            H, score, ids = H[fresh], score[fresh], ids[fresh]
            if keep_h is not None:
                H, score, ids = (
                    np.concatenate([keep_h, H]),
                    np.concatenate([keep_s, score]),
                    np.concatenate([keep_i, ids]),
                )
            top = np.argsort(-score, kind="stable")[:n]
            keep_h, keep_s, keep_i = H[top], score[top], ids[top]
    if keep_h is None or not len(keep_h):
        if note:
            note(
                f"train.hard_negatives: no background window left to mine (each recording shorter than one "
                f"window of {length} samples, or all taken); no further fit"
            )
        return None
    info = {
        "pool_windows": int(total),
        "mined": int(len(keep_h)),
        "lowest_score": float(keep_s.min()),
        "above_half": int((keep_s > 0.5).sum()),
    }
    return keep_h, keep_i, info


def _mine_and_refit(pipe: Pipeline, ds: Dataset, H: np.ndarray, y: np.ndarray, settings, note) -> dict | None:
    """``settings.hard_negative_rounds`` rounds of: mine ``settings.hard_negatives`` more windows
    with the current fit, fit again on the training part plus everything mined so far."""
    parts, taken, rounds = [], set(), []
    for _ in range(settings.hard_negative_rounds):
        mined = mine_hard_negatives(pipe, ds, settings.hard_negatives, note, frozenset(taken))
        if mined is None:
            break
        Hn, ids, info = mined
        parts.append(Hn)
        taken.update(ids.tolist())
        rounds.append(info)
        extra = np.concatenate(parts)
        fit_tail(
            pipe,
            np.concatenate([H, extra]),
            np.concatenate([y, np.repeat(np.asarray([ds.background_label]), len(extra))]),
        )
    if not rounds:
        return None
    return {
        "pool_windows": rounds[0]["pool_windows"],
        "mined": len(taken),
        "above_half": rounds[0]["above_half"],
        "rounds": rounds,
    }


def dataset_windows(pipe: Pipeline, ds: Dataset, note: Callable[[str], None] | None = None) -> Windows:
    """The dataset's windows at the pipeline's length and hop (``note``: see ``Dataset.windows``)."""
    ds.check_sensor(pipe.config.sensor.sample_rate, pipe.input_spec.n_channels)
    return ds.windows(pipe.window_length, pipe.hop, pipe.pad, note=note, min_valid=pipe.min_valid_length)


def train(
    pipe: Pipeline,
    ds: Dataset,
    *,
    out_dir: str | Path | None = None,
    progress: bool = True,
    note: Callable[[str], None] | None = None,
) -> TrainResult:
    """Fit ``pipe`` on the training part of ``ds`` and measure it; save the artifact to ``out_dir``.

    Nothing is written unless every step succeeded (the artifact is saved atomically last)."""
    note = note or (lambda text: None)
    if pipe.model is None:
        raise DataError(f"pipeline '{pipe.name}' has no model stage; add one (e.g. '- type: random_forest')")
    if out_dir is not None:
        artifact.check_destination(out_dir)  # before the fit, not after it
    t0 = time.perf_counter()
    cfg = pipe.config
    split = cfg.dataset.split if cfg.dataset is not None else None
    by = split.by if split else "group"
    regression = pipe.task == "regression"
    if regression and cfg.train.hard_negatives:
        raise DataError(f"pipeline '{pipe.name}': train.hard_negatives mines classes; a regression model has none")
    w = dataset_windows(pipe, ds, note)
    if regression:
        w.y = regression_targets(w.y, ds.source)
    train_idx, test_idx = holdout(
        ds, w, by, split.test_size if split else 0.25, split.seed if split else 0, stratify=not regression
    )
    timings = {}
    mined = None
    with progress_bar(progress) as bar, epochs_on(bar):
        H = head_features(pipe, w.X, bar, n_valid=w.n_valid)
        # a learning feature stage (minirocket) still reads the windows' valid samples
        nv = tail_n_valid(pipe, w.n_valid)
        rows = (lambda *idx: None) if nv is None else (lambda *idx: _pick(nv, idx))
        timings["features_s"] = time.perf_counter() - t0
        y = w.y
        groups = window_groups(ds, w, by)
        # cross-validation on the training part, fresh stages per fold
        cv = []
        folds = (
            cv_folds(y[train_idx], groups[train_idx], cfg.train.cv_folds, cfg.train.seed, stratify=not regression)
            if cfg.train.cv_folds
            else []
        )
        task = bar.add_task("cross-validation", total=len(folds)) if bar is not None and folds else None
        for tr, va in folds:
            fold_pipe = Pipeline(cfg)
            with warnings.catch_warnings():  # reported once, for the final fit
                warnings.simplefilter("ignore", ConvergenceWarning)
                fit_tail(fold_pipe, H[train_idx][tr], y[train_idx][tr], rows(train_idx, tr))
            pred, _ = predict_tail(fold_pipe, H[train_idx][va], rows(train_idx, va))
            truth = model_targets(fold_pipe, y[train_idx][va])
            if regression:
                cv.append(fold_scores(truth, pred))
            else:
                cv.append((accuracy_score(truth, pred), f1_score(truth, pred, average="macro", zero_division=0)))
            if bar is not None:
                bar.advance(task)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            with progress_step(bar, f"fitting {pipe.model.name}"):
                fit_tail(pipe, H[train_idx], y[train_idx], rows(train_idx))
            if cfg.train.hard_negatives:
                t_mine = time.perf_counter()
                with progress_step(bar, "mining hard negatives"):
                    mined = _mine_and_refit(pipe, ds, H[train_idx], y[train_idx], cfg.train, note)
                timings["mining_s"] = time.perf_counter() - t_mine
        for text in sorted({str(w.message).splitlines()[0] for w in caught if w.category is ConvergenceWarning}):
            note(f"model '{pipe.model.name}': {text} (raise max_iter or scale the features)")
        pred, _ = predict_tail(pipe, H[test_idx], rows(test_idx))
    truth = model_targets(pipe, y[test_idx])
    if regression:
        metrics = regression_metrics(truth, pred, groups[test_idx])
    else:
        metrics = classification_metrics(truth, pred, pipe.classes_.tolist())
    metrics["n_train"], metrics["n_test"] = int(len(train_idx)), int(len(test_idx))
    metrics["n_features"] = int(H.shape[1]) if H.ndim == 2 else int(np.prod(H.shape[1:]))
    metrics["split"] = by
    if mined:
        metrics["hard_negatives"] = mined
    if cv and regression:
        metrics["cv"] = cv_summary(cv)
    elif cv:
        acc, f1 = np.asarray(cv).T
        metrics["cv"] = {
            "folds": len(cv),
            "accuracy_mean": float(acc.mean()),
            "accuracy_std": float(acc.std()),
            "macro_f1_mean": float(f1.mean()),
        }
    else:
        metrics["cv"] = None
        if cfg.train.cv_folds:
            note(
                "cross-validation skipped: "
                + ("fewer than 2 groups" if regression else "a class has fewer than 2 groups")
                + " in the training part"
            )
    if ds.streams and pipe.post_stages() and not regression:
        with progress_bar(progress) as bar:
            metrics["events"] = event_metrics(pipe, ds.streams, ds.sample_rate, bar=bar)
    timings["total_s"] = time.perf_counter() - t0
    fingerprint = ds.fingerprint()
    X_test = w.X[test_idx]
    result = TrainResult(pipe, metrics, len(train_idx), len(test_idx), fingerprint, X_test, truth, timings=timings)
    if out_dir is not None:
        result.artifact = artifact.save(
            pipe,
            out_dir,
            metrics=metrics,
            dataset_fingerprint=fingerprint,
            extra={
                "dataset": {
                    "source": ds.source,
                    "n_recordings": len(ds),
                    "sample_rate": ds.sample_rate,
                    "split": by,
                    "n_windows": int(len(w.y)),
                }
            },
            arrays={
                "test_windows": X_test,
                "test_labels": np.asarray(truth),
                **({"test_n_valid": w.n_valid[test_idx]} if w.n_valid is not None else {}),
                **({"test_groups": np.asarray(groups[test_idx]).astype(str)} if regression else {}),
            },
        )
    return result


def evaluate(pipe: Pipeline, X: np.ndarray, y: np.ndarray, bar=None, groups=None, n_valid=None) -> dict:
    """Metrics of a fitted pipeline on windows ``X`` with labels ``y`` (raw dataset labels);
    ``bar``: a progress bar (``progress_bar``) for the features, computed in batches. Regression
    models: ``regression_metrics`` (per group when ``groups`` is given). ``n_valid``: each
    window's valid samples (``window.pad: valid``)."""
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(X):
        raise DataError(f"got {len(X)} windows but labels of shape {y.shape}; give one label per window")
    if pipe.task == "regression":
        truth = model_targets(pipe, y, "evaluation data")
        pred = (
            pipe.predict(X, n_valid)
            if bar is None
            else predict_tail(pipe, head_features(pipe, X, bar, "evaluating", n_valid), tail_n_valid(pipe, n_valid))[0]
        )
        return regression_metrics(truth, pred, groups)
    truth = model_targets(pipe, y)
    classes = pipe.classes_.tolist()
    if not np.isin(np.asarray(truth).astype(str), np.asarray(classes).astype(str)).any():
        shown = ", ".join(sorted({str(v) for v in np.asarray(truth).tolist()})[:5])
        raise DataError(
            f"none of the labels ({shown}) is a class of the model ({', '.join(map(str, classes))}); "
            "evaluate on data labelled like the training data"
        )
    if bar is None:
        pred = pipe.predict(X, n_valid)
    else:
        pred, _ = predict_tail(pipe, head_features(pipe, X, bar, "evaluating", n_valid), tail_n_valid(pipe, n_valid))
    try:
        metrics = classification_metrics(truth, pred, classes)
    except (ValueError, TypeError) as exc:  # scikit-learn on labels of mixed types
        raise DataError(f"labels cannot be scored against the model's classes ({str(exc).splitlines()[0]})") from None
    metrics["n_test"] = int(len(y))
    unknown = sorted(set(np.asarray(truth).tolist()) - set(pipe.classes_.tolist()), key=str)
    if unknown:
        metrics["unknown_labels"] = [str(u) for u in unknown]
    return metrics
