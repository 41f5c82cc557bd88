"""One trial of ``sensorflow tune``: a pure function of (pipeline mapping, data, seed) run on a
Dask worker. It chooses only on training data: the held-out split is cut as ``sensorflow
train`` cuts it and left untouched; the score is the mean accuracy of cross-validation by group
over the training part (``sensorflow.datasets.cv_folds``, as ``train.cv_folds`` does).

Detectors (a pipeline with post stages) are scored on events, as they are used: the pipeline
fitted on the whole training part streams the dataset's dev streams (``Stream.part == "dev"``:
held-out voices that are neither trained on nor tested, the ones the demo chooses its threshold
on), and the score is the recall of annotated events when false accepts per hour stay within the
limit, scaled down by ``limit / rate`` above it (:func:`event_score`). Classifiers' score is the
cross-validated accuracy.

Costs prune first: a pipeline whose feature stages (or its model's parameter bound) already
break the budget is not fitted at all.

``window.pad: valid``: the features are computed over each window's valid samples
(``Windows.n_valid``, the length the device is given) in the folds and the final fit, as
``sensorflow train`` computes them, so ``train best.yaml`` reproduces the trial's scores."""

from __future__ import annotations

import functools
import json
import time
import warnings

import numpy as np

from ..errors import SensorflowError
from ..stages.models.int8 import STAGES as INT8_STAGES
from . import budget as budget_mod

_DATA: dict[str, object] = {}  # per worker process: loaded datasets by (dataset section, --data)


def _data_key(pipe, data: str | None, run: str | None = None) -> str:
    """The worker caches' key of a trial's dataset: its section, ``--data`` and the tune run
    (``TuneOptions.run_token``), so a later run on a long-lived cluster reloads from disk."""
    return json.dumps([pipe.config.dataset.model_dump(mode="json") if pipe.config.dataset else None, data, run])


def _dataset(pipe, data: str | None, run: str | None = None):
    key = _data_key(pipe, data, run)
    if key not in _DATA:
        _DATA.clear()  # one dataset per worker at a time
        _DATA[key] = pipe.load_data(data)
    return _DATA[key]


def evaluate(payload: dict) -> dict:
    """Score one trial. ``payload``: number, pipeline (mapping), board (mapping of a
    ``sensorflow.device.boards.Board``), budget (``Budget`` fields), data (path or None);
    ``cv_repeats`` R > 1 adds ``accuracy_rcv``, the mean over the folds of R cross-validations
    (fold seeds ``train.seed`` .. ``train.seed + R - 1``; the first is ``accuracy_cv``'s)."""
    from sklearn.exceptions import ConvergenceWarning

    from .. import config as config_mod
    from ..datasets import cv_folds, holdout, window_groups
    from ..device.boards import Board
    from ..pipeline import Pipeline
    from ..training import _head_length, fit_tail, head_features, tail_n_valid
    from . import crossval

    t0 = time.perf_counter()
    out = {
        "number": payload["number"],
        "accuracy_cv": 0.0,
        "score": 0.0,
        "feasible": False,
        "pruned": None,
        "error": None,
    }
    board = Board.model_validate(payload["board"])
    budget = budget_mod.Budget(**payload["budget"])
    try:
        cfg = config_mod.validate(payload["pipeline"], {}, f"trial {payload['number']}")
        pipe = Pipeline(cfg)
        k = _head_length(pipe)  # builds the stages (lazily built): ones that do not fit, e.g. under pad: valid
        window_bytes = budget_mod.window_bytes(pipe)  # the window the device keeps (float32 or int16 counts)
    except SensorflowError as exc:
        out["error"] = str(exc).splitlines()[0]
        out["pruned"] = "invalid"
        return _done(out, t0)
    head_stages = [s for step in pipe.steps[:k] for s in step.stages]
    numeric = cfg.export.numeric
    head = budget_mod.estimate(head_stages, board, window_bytes, numeric)
    ds = _dataset(pipe, payload.get("data"), payload.get("run"))
    by = cfg.dataset.split.by if cfg.dataset else "group"
    split = cfg.dataset.split if cfg.dataset else None
    model_dict = next((s for s in payload["pipeline"]["stages"] if _role(s["type"]) == "model"), {})
    n_features = int(np.prod(pipe.steps[k - 1].output_spec.shape)) if k else int(np.prod(pipe.input_spec.shape))
    if by == "predefined" and ds.fold is not None:
        n_train = int(np.sum(ds.fold == "train"))
    else:
        n_train = int(len(ds) * (1 - (split.test_size if split else 0.25)))
    bound = budget_mod.model_bound(model_dict, n_features, len(ds.classes), n_train)  # >= 1 window per recording
    est = {
        "flash_bytes": head["flash_bytes"] + bound["flash_bytes"],
        "ram_bytes": head["ram_bytes"] + bound["ram_bytes"],
        "instructions": head["instructions"]
        + budget_mod.ops_to_instructions(bound["ops"], board, _model_integer(model_dict.get("type"), numeric, board)),
    }
    out.update(est)
    if not budget.fits(est["flash_bytes"], est["ram_bytes"], est["instructions"]):
        out["pruned"] = "cost model over budget before fitting"
        return _done(out, t0)
    try:
        w = ds.windows(pipe.window_length, pipe.hop, pipe.pad, min_valid=pipe.min_valid_length)
        train_idx, _ = holdout(ds, w, by, split.test_size if split else 0.25, split.seed if split else 0)
        Xtr, ytr = w.X[train_idx], w.y[train_idx]
        nv_tr = None if w.n_valid is None else w.n_valid[train_idx]  # window.pad: valid
        groups = window_groups(ds, w, by)[train_idx]
        data_key = json.dumps(
            [
                _data_key(pipe, payload.get("data"), payload.get("run")),
                pipe.window_length,
                pipe.hop,
                pipe.pad,
                by,
                split and split.model_dump(mode="json"),
            ],
            default=str,
        )
        sh = crossval.shared_inputs(pipe, Xtr, data_key, nv_tr)
        H = None if sh is not None else head_features(pipe, Xtr, n_valid=nv_tr)
        nv_tail = None if sh is not None else tail_n_valid(pipe, nv_tr)  # learning stages that read windows
        repeats = int(payload.get("cv_repeats", 1))  # > 1: the tie-break's repeated CV (runner.break_ties)
        by_seed = [cv_folds(ytr, groups, cfg.train.cv_folds or 5, cfg.train.seed + r) for r in range(repeats)]
        int8 = model_dict.get("type") in INT8_STAGES and _model_integer(model_dict.get("type"), numeric, board)
        dev = [s for s in ds.streams if s.part == "dev"]
        events = bool(pipe.post_stages() and dev)  # a detector streams its dev voices through the fitted pipe
        # the fitted model's own cost (trees: their real node count), from the fit on all rows:
        # a task beside the folds, or here after them when this process needs the fitted pipeline
        cost = None if events else functools.partial(fitted_cost, payload["board"], window_bytes, numeric)
        all_accs, fitted = crossval.folds_and_fit(
            payload["pipeline"],
            sh,
            H,
            ytr,
            [f for folds in by_seed for f in folds],
            int8=int8,
            n_valid=nv_tail,
            then=cost,
        )
        accs = all_accs[: len(by_seed[0])]
        if events:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                if sh is not None:
                    crossval.fit_shared(pipe, sh, np.arange(len(ytr)), ytr)
                else:
                    fit_tail(pipe, H, ytr, nv_tail)
            fitted = fitted_cost(payload["board"], window_bytes, numeric, pipe)
    except SensorflowError as exc:
        out["error"] = str(exc).splitlines()[0]
        out["pruned"] = "failed"
        return _done(out, t0)
    out.update(fitted)
    out["accuracy_cv"] = float(np.mean(accs)) if accs else 0.0
    out["cv_folds"] = len(accs)
    out["n_cv"] = int(len(ytr))  # windows the cross-validation scored (the standard error's n)
    if repeats > 1:
        out["accuracy_rcv"] = float(np.mean(all_accs)) if all_accs else 0.0
    out["score"] = out["accuracy_cv"]
    if events:
        from ..training import event_metrics

        limit = float(payload.get("max_false_accepts_per_hour", 1.0))
        em = event_metrics(pipe, dev, ds.sample_rate)
        out["events_dev"] = {k: em[k] for k in ("n_streams", "hours", "n_events", "recall", "false_accepts_per_hour")}
        out["score"] = event_score(em["recall"], em["false_accepts_per_hour"], limit)
    out["feasible"] = budget.fits(fitted["flash_bytes"], fitted["ram_bytes"], fitted["instructions"])
    if not out["feasible"]:
        out["pruned"] = "fitted cost over budget"
    return _done(out, t0)


def fitted_cost(board_dict: dict, window_bytes: int, numeric: str, pipe) -> dict:
    """Flash, RAM and instructions of fitted ``pipe`` on the board: the stages' cost models (post
    stages left out), with RAM as the C export lays it out (``budget.static_ram``, all stages)
    plus the runtime allowance for the stack, when the pipeline has a C export."""
    from ..device.boards import Board

    board = Board.model_validate(board_dict)
    stages = [s for s in pipe.stages if s.tags.role != "post"]
    est = budget_mod.estimate(stages, board, window_bytes, numeric)
    ram = budget_mod.static_ram(pipe, board, numeric)
    if ram is not None:
        est["ram_bytes"] = budget_mod.RUNTIME_RAM + ram
    return est


def _model_integer(stage_type: str | None, numeric: str, board) -> bool:
    """Will the model take its integer path on ``board`` (``export.numeric``)?"""
    from ..codegen.numeric import integer_for

    return bool(stage_type) and integer_for(stage_type, numeric, board.fpu)


def event_score(recall: float | None, false_accepts_per_hour: float | None, limit: float) -> float:
    """Recall at a false-accept limit: the recall when the rate is within ``limit`` per hour,
    ``recall * limit / rate`` above it (so the search is led back under the limit)."""
    r = float(recall or 0.0)
    fa = float(false_accepts_per_hour or 0.0)
    return r if fa <= limit else r * limit / fa


def _role(stage_type: str) -> str:
    from .. import registry

    try:
        return registry.get(stage_type).tags.role
    except Exception:
        return ""


def _done(out: dict, t0: float) -> dict:
    out["seconds"] = time.perf_counter() - t0
    for k in ("flash_bytes", "ram_bytes", "instructions"):
        out.setdefault(k, None)
    return out
