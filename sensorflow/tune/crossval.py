"""Cross-validation of one trial with its costly parts shared and spread over the Dask workers.

- Fixed feature stages (no learned state: stats, catch22, spectral, ...) of a trial's first
  feature step are computed once per trial, not once per fold, and kept in a per-worker cache
  (:data:`_CACHE`, bounded in bytes) keyed by the dataset, the window and the stage, so later
  trials that use the same stage on the same windows reuse them.
- When the trial runs on a Dask worker, those features are computed in chunks of
  :data:`CHUNK` or more windows and the folds run as separate tasks (``distributed.worker_client``):
  a long trial (catch22 on 12 channels, a 9,996-feature MiniRocket) is spread over every
  worker instead of holding one while the others wait for the end of the batch. The trial's
  final fit on all rows (for its fitted costs) is one more task beside the folds.

Chunking and folds do not depend on the number of workers, so the scores are the same on 1
or N workers, and the same as fitting each fold's pipeline on raw windows (every stage's
output for a window depends only on that window and the stage's fitted state).

``window.pad: valid``: ``n_valid`` (each window's valid samples, ``Windows.n_valid``) goes
wherever the windows go: the fixed stages' chunks and cache keys, the learning feature stages
of every fold (``graph.run_steps(..., n_valid=...)``), as ``sensorflow train`` featurises."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

CHUNK = 16  # least windows per featurisation task; at most MAX_CHUNKS tasks per stage (both fixed:
MAX_CHUNKS = 64  # the chunks depend on the number of windows only, never on the worker count)
CACHE_BYTES = 256 * 2**20  # per worker
PROBE = 2  # windows timed first: when they take SPREAD_SECONDS or more, every chunk becomes a task
SPREAD_SECONDS = 0.01
_CACHE: OrderedDict[str, np.ndarray] = OrderedDict()
_LOCK = threading.Lock()  # a trial waiting on its chunks (seceded) lets another run in this process


@dataclass
class Shared:
    """What every fold reads: ``P`` the input of the first feature step (None when no stage of
    that step learns), ``cols`` the precomputed output of each of its fixed stages (None for a
    learning stage), ``f`` the step's index, ``nv`` the valid samples of each row of ``P``
    (``window.pad: valid``; else None)."""

    f: int
    P: np.ndarray | None
    cols: list
    nv: np.ndarray | None = None


def first_feature_step(pipe) -> int | None:
    """Index of the first feature step when every step before it is a fixed transform; else None."""
    for i, step in enumerate(pipe.steps):
        if step.role == "feature":
            return i
        if step.role in ("model", "post") or any(s.tags.trainable for s in step.stages):
            return None
    return None


def _in_worker() -> bool:
    try:
        from distributed import get_worker

        get_worker()
    except (ImportError, ValueError):
        return False
    return True


def _cache_get(key: str):
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    return None


def _cache_put(key: str, value: np.ndarray) -> None:
    with _LOCK:
        _CACHE[key] = value
        while len(_CACHE) > 1 and sum(v.nbytes for v in _CACHE.values()) > CACHE_BYTES:
            _CACHE.popitem(last=False)


def _rows(stage, X: np.ndarray, n_valid=None) -> np.ndarray:
    """``stage``'s output for ``X`` (over each window's ``n_valid`` samples when given)."""
    if n_valid is None:
        return stage.transform(X)
    from ..graph import _over_valid_length

    return _over_valid_length(stage, X, n_valid, fit=False)


def _stage_rows(params, spec, X: np.ndarray, n_valid=None) -> np.ndarray:
    """Output rows of one fixed stage (built from its parameters, bound to ``spec``) for ``X``."""
    from .. import registry

    stage = registry.get(params.type)(params)
    stage.bind(spec)
    out = _rows(stage, X, n_valid)
    return out.reshape(len(out), -1)


def _chunk(n_valid, s: int, size: int):
    return None if n_valid is None else n_valid[s : s + size]


def _fixed_columns(stage, params, spec, X: np.ndarray, key: str, n_valid=None) -> np.ndarray:
    """The output of fixed ``stage`` for all of ``X`` (``n_valid``: each window's valid samples),
    from the cache or computed by chunks."""
    got = _cache_get(key)
    if got is not None:
        return got
    size = max(CHUNK, -(-len(X) // MAX_CHUNKS))
    starts = list(range(0, len(X), size))
    spread = len(starts) > 1 and _in_worker()
    if spread:  # a probe of a few windows: cheap stages (stats) are not worth a task per chunk
        t0 = time.perf_counter()
        _rows(stage, X[:PROBE], _chunk(n_valid, 0, PROBE))
        spread = time.perf_counter() - t0 >= SPREAD_SECONDS
    if spread:
        from distributed import worker_client

        with worker_client() as c:
            futs = [
                c.submit(_stage_rows, params, spec, X[s : s + size], _chunk(n_valid, s, size), pure=False, priority=10)
                for s in starts
            ]
            parts = c.gather(futs)
    else:
        parts = [_rows(stage, X[s : s + size], _chunk(n_valid, s, size)) for s in starts]
    out = np.concatenate([p.reshape(len(p), -1) for p in parts])
    _cache_put(key, out)
    return out


def shared_inputs(pipe, X: np.ndarray, data_key: str, n_valid=None) -> Shared | None:
    """The folds' shared inputs for ``pipe`` on training windows ``X`` (``data_key`` names the
    dataset, window and split those windows come from; ``n_valid``: each window's valid samples,
    ``window.pad: valid``, part of the cache keys); None when the pipeline has no feature step
    after fixed steps only (then folds fit the whole pipeline)."""
    from ..graph import run_steps

    f = first_feature_step(pipe)
    if f is None:
        return None
    pre = pipe.steps[:f]
    stage_dicts = [p.model_dump(mode="json") for p in pipe.config.stages]
    pre_dicts = [stage_dicts[i] for step in pre for i in step.indices]
    lengths = None if n_valid is None else hashlib.sha256(np.asarray(n_valid, dtype=np.int64).tobytes()).hexdigest()
    base = json.dumps([data_key, lengths, pre_dicts], sort_keys=True, default=str)
    P = X
    if pre:
        P = _cache_get("pre:" + base)
        if P is None:
            P = run_steps(pre, pipe.check_windows(X))
            _cache_put("pre:" + base, P)
    step = pipe.steps[f]
    cols = []
    for i, s in zip(step.indices, step.stages):
        if s.tags.trainable:
            cols.append(None)
            continue
        key = "stage:" + json.dumps([base, stage_dicts[i]], sort_keys=True, default=str)
        cols.append(_fixed_columns(s, pipe.config.stages[i], s.input_spec_, P, key, n_valid))
    needs_p = any(c is None for c in cols)
    return Shared(f, P if needs_p else None, cols, n_valid if needs_p else None)


def _tail(pipe, sh: Shared, idx, y=None, fit: bool = False) -> np.ndarray:
    """The model's input for rows ``idx``: the first feature step from the shared inputs, then
    the steps after it (fitted on ``y`` with ``fit``)."""
    from ..graph import _over_valid_length, run_steps

    step = pipe.steps[sh.f]
    parts = []
    for s, col in zip(step.stages, sh.cols):
        if col is not None:
            parts.append(col[idx])
        elif sh.nv is not None:
            parts.append(_over_valid_length(s, sh.P[idx], sh.nv[idx], fit, y))
        else:
            X = sh.P[idx]
            parts.append(s.fit_transform(X, y) if fit else s.transform(X))
    out = np.concatenate([p.reshape(len(p), -1) for p in parts], axis=1)
    return run_steps(pipe.steps[sh.f + 1 :], out, y, fit=fit)


def fit_shared(pipe, sh: Shared, idx, y) -> None:
    """Fit ``pipe``'s learning stages and model on rows ``idx`` (labels ``y``)."""
    feats = _tail(pipe, sh, idx, y, fit=True)
    if pipe.model is not None:
        pipe.model.fit(feats, y)
    pipe.rebind()


def _predict(model, feats: np.ndarray, int8: bool) -> np.ndarray:
    """The model's labels, from its int8 network (as ``sf_q8_dense`` computes on the device) when
    ``int8``, else from the float model."""
    if not int8:
        return model.predict(feats)
    from ..stages.models.int8 import quantize

    Xq = model.check_input(np.asarray(feats, dtype=np.float32))
    return np.asarray(model.classes_)[quantize(model).predict_index(Xq)]


def _fold(cfg_dict: dict, sh, H, y, tr, va, int8: bool = False, n_valid=None):
    """One fold: fit on ``tr``, predict ``va`` (with the int8 model when ``int8``; ``n_valid``:
    the valid samples of each row of ``H`` when its learning steps read windows); (encoded truth,
    predictions)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from .. import config as config_mod
    from ..graph import run_steps
    from ..pipeline import Pipeline
    from ..training import _head_length, fit_tail, model_targets, tail_n_valid

    fold = Pipeline(config_mod.validate(cfg_dict, {}, "<trial>"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if sh is not None:
            fit_shared(fold, sh, tr, y[tr])
            feats = _tail(fold, sh, va)
        else:
            nv = tail_n_valid(fold, n_valid)
            fit_tail(fold, H[tr], y[tr], None if nv is None else nv[tr])
            feats = run_steps(fold.steps[_head_length(fold) :], H[va], n_valid=None if nv is None else nv[va])
        pred = _predict(fold.model, feats, int8)
    return model_targets(fold, y[va]), pred


def _fit_all(cfg_dict: dict, sh, H, y, n_valid=None, then=None):
    """Fit a fresh pipeline of ``cfg_dict`` on every row (as the trial's final fit) and return
    ``then(fitted pipeline)``: a picklable callable, so only its small result leaves the task."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from .. import config as config_mod
    from ..pipeline import Pipeline
    from ..training import fit_tail

    pipe = Pipeline(config_mod.validate(cfg_dict, {}, "<trial>"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if sh is not None:
            fit_shared(pipe, sh, np.arange(len(y)), y)
        else:
            fit_tail(pipe, H, y, n_valid)
    return then(pipe)


def folds_and_fit(
    cfg_dict: dict, sh: Shared | None, H, y, folds, int8: bool = False, n_valid=None, then=None
) -> tuple[list[float], object]:
    """Accuracy of each fold, the folds as Dask tasks when on a worker (in place otherwise);
    ``int8``: the model's labels come from its int8 network (its integer path on the device);
    ``n_valid``: the valid samples of each row of ``H`` (``window.pad: valid``; ``sh`` holds its own).
    With ``then``, also fit the pipeline on every row and return ``then(fitted)`` (:func:`_fit_all`),
    as one more task beside the folds, so a trial's final fit does not run alone after them
    while the other workers wait; (accuracies, that result or None)."""
    from sklearn.metrics import accuracy_score

    if (len(folds) > 1 or then is not None) and _in_worker():
        from distributed import worker_client

        with worker_client() as c:
            # on every worker: else the folds queue on the one holding the data while the others idle
            [sh_f, H_f, y_f] = c.scatter([sh, H, y], hash=False, broadcast=True)
            futs = [
                c.submit(_fold, cfg_dict, sh_f, H_f, y_f, tr, va, int8, n_valid, pure=False, priority=10)
                for tr, va in folds
            ]
            if then is not None:  # the longest task (all rows) first among the trial's tasks
                futs.append(c.submit(_fit_all, cfg_dict, sh_f, H_f, y_f, n_valid, then, pure=False, priority=11))
            got = c.gather(futs)
        full = got.pop() if then is not None else None
    else:
        got = [_fold(cfg_dict, sh, H, y, tr, va, int8, n_valid) for tr, va in folds]
        full = None if then is None else _fit_all(cfg_dict, sh, H, y, n_valid, then)
    return [float(accuracy_score(t, p)) for t, p in got], full
