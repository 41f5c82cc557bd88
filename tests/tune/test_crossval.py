"""A trial's CV with fixed feature stages computed once and cached: the same fold accuracies as
refitting each fold's whole pipeline on raw windows."""

from __future__ import annotations

import numpy as np
import pytest

from sensorflow.config import validate
from sensorflow.datasets import cv_folds
from sensorflow.pipeline import Pipeline
from sensorflow.tune import crossval

STAGES = [
    {"type": "stats", "functions": ["mean", "std", "rms"]},
    {"type": "spectral", "n_fft": 16, "hop_length": 8, "features": ["centroid", "flatness"]},
    {"type": "minirocket", "n_features": 168, "keep": 20, "random_state": 3},
    {"type": "scaler"},
    {"type": "logistic", "C": 1.0},
]


def _config():
    return {
        "name": "syn",
        "sensor": {"kind": "imu", "sample_rate": 50, "channels": ["x", "y"]},
        "window": {"length": 32},
        "stages": STAGES,
    }


def _data(seed=0):
    rng = np.random.default_rng(seed)
    y = np.array(["a", "b", "c"] * 12)
    t = np.arange(32)[None, :, None]
    f = np.select([y == "a", y == "b"], [1.0, 2.5], 4.0)[:, None, None]
    X = np.sin(2 * np.pi * f * t / 32 + rng.uniform(0, 6, (36, 1, 2))) + rng.normal(0, 0.8, (36, 32, 2))
    return X.astype(np.float32), y


def test_shared_folds_equal_refitting_every_fold():
    X, y = _data()
    cfg = _config()
    folds = cv_folds(y, np.arange(len(y)), 3, 0)
    pipe = Pipeline(validate(cfg))
    crossval._CACHE.clear()
    sh = crossval.shared_inputs(pipe, X, "syn-key")
    assert sh is not None and sh.f == 0 and sh.P is not None  # minirocket learns: it reads the windows
    assert [c is None for c in sh.cols] == [False, False, True]  # stats, spectral precomputed
    got = crossval.folds_and_fit(cfg, sh, None, y, folds)[0]
    want = []
    for tr, va in folds:
        p = Pipeline(validate(cfg)).fit(X[tr], y[tr])
        want.append(float(np.mean(p.predict(X[va]) == y[va])))
    assert got == pytest.approx(want, abs=0)
    # a later trial with the same stage on the same windows reads the cache
    n = len(crossval._CACHE)
    again = crossval.shared_inputs(Pipeline(validate(cfg)), X, "syn-key")
    assert len(crossval._CACHE) == n and all(
        a is b for a, b in zip(again.cols, sh.cols) if a is not None
    )  # the very arrays, not recomputed


def _fitted_fingerprint(pipe) -> list:
    """What a trial reads of its pipeline fitted on all rows: its costs (by the model's fitted
    size) and its model's predictions for a few windows."""
    from sensorflow.device import boards
    from sensorflow.tune.objective import fitted_cost

    board = boards.get("stm32f411").model_dump(mode="json")
    return [fitted_cost(board, 4 * 32 * 2, "float", pipe), list(pipe.predict(_data(1)[0][:6]))]


def _folds_and_fit_on_worker(cfg, X, y, folds):
    crossval._CACHE.clear()
    sh = crossval.shared_inputs(Pipeline(validate(cfg)), X, "syn-fit-dask")
    return crossval.folds_and_fit(cfg, sh, None, y, folds, then=_fitted_fingerprint)


def test_final_fit_task_beside_the_folds_equals_fitting_in_place():
    """On a Dask worker the trial's fit on all rows runs as a task beside its folds: the same
    fold accuracies, and the same fitted pipeline (costs, predictions) as fitting in place."""
    distributed = pytest.importorskip("distributed")
    X, y = _data()
    cfg = _config()
    folds = cv_folds(y, np.arange(len(y)), 3, 0)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=4, dashboard_address=None) as c:
        accs, fitted = c.submit(_folds_and_fit_on_worker, cfg, X, y, folds, pure=False).result()
    crossval._CACHE.clear()
    pipe = Pipeline(validate(cfg))
    sh = crossval.shared_inputs(pipe, X, "syn-fit-here")
    assert accs == crossval.folds_and_fit(cfg, sh, None, y, folds)[0]
    crossval.fit_shared(pipe, sh, np.arange(len(y)), y)  # what objective.evaluate did after the folds
    assert fitted == _fitted_fingerprint(pipe)
    assert fitted == crossval.folds_and_fit(cfg, sh, None, y, folds, then=_fitted_fingerprint)[1]  # in place
