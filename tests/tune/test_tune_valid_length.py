"""tune with ``window.pad: valid``: every trial is featurised over each recording's valid samples
(the length the device is given), as ``Pipeline`` and ``sensorflow train`` featurise it, so the
search's cross-validated and held-out accuracies are the ones ``train best.yaml`` reproduces."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from sensorflow.config import validate
from sensorflow.datasets import cv_folds
from sensorflow.device import boards
from sensorflow.pipeline import Pipeline
from sensorflow.training import head_features, train
from sensorflow.tune import budget as budget_mod
from sensorflow.tune import crossval
from sensorflow.tune.featurise import DataChunks, chunk_features
from sensorflow.tune.objective import evaluate

STAGES = [
    {"type": "stats", "functions": ["mean", "std", "min", "max"]},
    {"type": "minirocket", "n_features": 168, "keep": 20, "random_state": 3},
    {"type": "scaler"},
    {"type": "logistic", "C": 1.0},
]


def _config(stages=STAGES):
    return {
        "name": "syn",
        "sensor": {"kind": "imu", "sample_rate": 50, "channels": ["x", "y"]},
        "window": {"length": 32, "pad": "valid"},
        "stages": stages,
    }


def _data(seed=0):
    """Zero-filled windows of recordings of 12 to 32 samples: the class is in the recording's level."""
    rng = np.random.default_rng(seed)
    y = np.array(["a", "b", "c"] * 12)
    n_valid = rng.integers(12, 33, len(y)).astype(np.int64)
    level = np.select([y == "a", y == "b"], [0.5, 1.0], 1.5)[:, None, None]
    X = (level + rng.normal(0, 0.6, (len(y), 32, 2))).astype(np.float32)
    for i, n in enumerate(n_valid):
        X[i, n:] = 0.0
    return X, y, n_valid


def test_shared_folds_read_the_valid_length_as_pipeline_does():
    X, y, nv = _data()
    cfg = _config()
    pipe = Pipeline(validate(cfg))
    crossval._CACHE.clear()
    sh = crossval.shared_inputs(pipe, X, "syn-valid", nv)
    assert sh is not None and sh.cols[1] is None  # minirocket learns: fitted per fold over the valid samples
    # the cached stats columns are Pipeline's stats over the valid samples, not over the zero-filled window
    stats_only = Pipeline(validate(_config([STAGES[0], STAGES[3]])))
    want = stats_only.transform(X, nv)
    assert np.array_equal(sh.cols[0], want)
    assert not np.allclose(sh.cols[0], stats_only.transform(X))
    folds = cv_folds(y, np.arange(len(y)), 3, 0)
    got = crossval.folds_and_fit(cfg, sh, None, y, folds)[0]
    ref = []
    for tr, va in folds:
        p = Pipeline(validate(cfg)).fit(X[tr], y[tr], nv[tr])
        ref.append(float(np.mean(p.predict(X[va], nv[va]) == y[va])))
    assert got == pytest.approx(ref, abs=0)
    # the cache key holds the valid lengths: the same windows with other lengths are featurised again
    other = crossval.shared_inputs(Pipeline(validate(cfg)), X, "syn-valid", np.full(len(y), 32, dtype=np.int64))
    assert not np.array_equal(other.cols[0], sh.cols[0])
    assert np.array_equal(other.cols[0], stats_only.transform(X, np.full(len(y), 32, dtype=np.int64)))


def _on_worker(cfg, X, y, nv, folds):
    crossval._CACHE.clear()
    sh = crossval.shared_inputs(Pipeline(validate(cfg)), X, "syn-valid-dask", nv)
    return sh.cols[0], crossval.folds_and_fit(cfg, sh, None, y, folds)[0]


def test_dask_chunks_and_folds_read_the_valid_length(monkeypatch):
    """On a Dask worker the fixed stage runs by chunks (each with its windows' lengths) and the
    folds as tasks: the same columns and fold accuracies as in one process."""
    distributed = pytest.importorskip("distributed")
    X, y, nv = _data(2)
    X, y, nv = np.concatenate([X, X[::-1]]), np.concatenate([y, y[::-1]]), np.concatenate([nv, nv[::-1]])
    cfg = _config()
    folds = cv_folds(y, np.arange(len(y)), 3, 0)
    monkeypatch.setattr(crossval, "SPREAD_SECONDS", 0.0)  # every chunk a task (the cluster is in this process)
    monkeypatch.setattr(crossval, "CHUNK", 8)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=4, dashboard_address=None) as c:
        cols, accs = c.submit(_on_worker, cfg, X, y, nv, folds, pure=False).result()
    crossval._CACHE.clear()
    here = crossval.shared_inputs(Pipeline(validate(cfg)), X, "syn-valid-here", nv)
    assert np.array_equal(cols, here.cols[0])
    assert accs == crossval.folds_and_fit(cfg, here, None, y, folds)[0]


def test_unshared_folds_read_the_valid_length():
    """A pipeline whose head is the windows (its first feature stage learns): the folds fit the
    learning stages over the valid samples (``training.tail_n_valid``)."""
    X, y, nv = _data(1)
    cfg = _config(STAGES[1:])
    folds = cv_folds(y, np.arange(len(y)), 3, 0)
    got = crossval.folds_and_fit(cfg, None, X, y, folds, n_valid=nv)[0]
    ref = []
    for tr, va in folds:
        p = Pipeline(validate(cfg)).fit(X[tr], y[tr], nv[tr])
        ref.append(float(np.mean(p.predict(X[va], nv[va]) == y[va])))
    assert got == pytest.approx(ref, abs=0)


JV = {
    "name": "jv_valid",
    "sensor": {"kind": "generic", "sample_rate": 100, "channels": [f"c{i}" for i in range(1, 13)]},
    "window": {"length": 29, "pad": "valid"},
    "dataset": {"loader": "aeon", "name": "JapaneseVowels", "split": {"by": "predefined"}},
    "train": {"cv_folds": 3},
}
JV_STAGES = [{"type": "stats", "functions": ["mean", "std"]}, {"type": "scaler"}, {"type": "logistic", "C": 1.0}]


def test_trial_scores_are_the_ones_train_reproduces():
    """JapaneseVowels (7 to 29 frames a recording): a trial's cross-validated accuracy equals
    ``sensorflow train``'s on the same pipeline, and a chunk's features are Pipeline's with n_valid."""
    pytest.importorskip("aeon")
    pipe = {**JV, "stages": JV_STAGES}
    b = boards.get("stm32f411")
    bud = budget_mod.budget_for(b, 512, 128, 1e9)
    crossval._CACHE.clear()
    r = evaluate(_payload(pipe, b, bud))
    assert r["error"] is None and r["feasible"], r
    p = Pipeline(validate(pipe))
    ds = p.load_data()
    res = train(p, ds, progress=False)
    assert r["accuracy_cv"] == res.metrics["cv"]["accuracy_mean"]
    zero = {**pipe, "window": {"length": 29, "pad": "zero"}}
    assert evaluate(_payload(zero, b, bud))["accuracy_cv"] != r["accuracy_cv"]  # the lengths matter here
    # features by recording chunks (sensorflow features / the Dask featurisation): over the valid samples
    text = yaml.safe_dump(pipe)
    got = chunk_features(text, DataChunks(per_chunk=50), 1)
    w = ds.subset(np.arange(50, 100)).windows(29, p.hop, "valid", min_valid=p.min_valid_length)
    assert np.array_equal(got["F"], head_features(p, w.X, n_valid=w.n_valid))
    stats_only = Pipeline(validate({**JV, "stages": [JV_STAGES[0], JV_STAGES[2]]}))
    assert np.array_equal(got["F"], stats_only.transform(w.X, w.n_valid)) and len(set(w.n_valid.tolist())) > 3


def test_features_command_reads_the_valid_length(tmp_path):
    """``sensorflow features`` (in one process and by recording chunks on Dask workers): the
    features over each window's valid samples, as ``Pipeline.transform(X, n_valid)``."""
    pytest.importorskip("aeon")
    from sensorflow.cli import main

    spec = {**JV, "stages": [JV_STAGES[0], JV_STAGES[2]]}
    path = tmp_path / "jv.yaml"
    path.write_text(yaml.safe_dump(spec))
    assert main(["features", str(path), "--out", str(tmp_path / "f.npz")]) == 0
    p = Pipeline(validate(spec))
    w = p.load_data().windows(29, p.hop, "valid", min_valid=p.min_valid_length)
    assert np.array_equal(np.load(tmp_path / "f.npz")["X"], p.transform(w.X, w.n_valid))


def test_search_window_pad_is_drawn_and_checked(tmp_path):
    import optuna

    from sensorflow.errors import ConfigError
    from sensorflow.tune.space import load_space

    spec = {**JV, "stages": JV_STAGES, "search": {"window": {"pad": ["valid", "edge"]}}}
    path = tmp_path / "jv.yaml"
    path.write_text(yaml.safe_dump(spec))
    space = load_space(path)
    for pad in ("valid", "edge"):
        built = space.build(optuna.trial.FixedTrial({"window.pad": pad}), seed=0)
        assert built["window"] == {"length": 29, "pad": pad} and Pipeline(validate(built)).pad == pad
    # a stage that cannot compute over the valid length: the trial is refused before any fit
    band = {**spec, "stages": [{"type": "band_energy", "n_bands": 4}, {"type": "decision_tree"}]}
    b = boards.get("stm32f411")
    r = evaluate(_payload({k: v for k, v in band.items() if k != "search"}, b, budget_mod.budget_for(b)))
    assert r["pruned"] == "invalid" and "window.pad" in r["error"] and "cv_folds" not in r
    for bad in ({"pad": ["padded"]}, {"pad": {"low": 1, "high": 2}}, {"pad": []}):
        path.write_text(yaml.safe_dump({**spec, "search": {"window": bad}}))
        with pytest.raises(ConfigError, match="pad"):
            load_space(path)


def _payload(pipe, b, bud):
    return {"number": 0, "pipeline": pipe, "board": b.model_dump(mode="json"), "budget": bud.to_dict()}


@pytest.mark.slow  # a LocalCluster, 4 trials on JapaneseVowels, the front trained
def test_tune_valid_best_yaml_reproduces_cv_and_held_out(tmp_path, capsys):
    pytest.importorskip("aeon")
    from sensorflow.cli import main

    spec = {
        **JV,
        "search": {
            "window": {"pad": ["valid", "zero"]},
            "stages": [JV_STAGES, [JV_STAGES[0], {"type": "decision_tree", "max_depth": 6}]],
            "params": {"logistic.C": [0.3, 1.0]},
        },
    }
    path = tmp_path / "jv.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    out = tmp_path / "out"
    args = ["tune", str(path), "--board", "stm32f411", "--trials", "4", "--batch", "2", "--workers", "1"]
    code = main(args + ["--seed", "0", "--out", str(out), "--no-measure", "--json"])
    assert code == 0
    res = json.loads(capsys.readouterr().out)
    trials = [json.loads(line) for line in (out / "trials.jsonl").read_text().splitlines()]
    assert {t["pipeline"]["window"]["pad"] for t in trials} == {"valid", "zero"}  # this seed draws both
    best = res["best"]
    p = Pipeline.from_yaml(out / "best.yaml")
    assert p.pad == "valid"  # stats over the recording itself beat stats over the zero-filled window
    again = train(p, p.load_data(), progress=False)
    assert again.metrics["accuracy"] == best["accuracy_test"]
    assert again.metrics["cv"]["accuracy_mean"] == best["accuracy_cv"]
    for point in res["pareto"]:  # every front point, valid or zero-filled, as train scores it
        q = Pipeline.from_yaml(point["pipeline"])
        m = train(q, q.load_data(), progress=False).metrics
        assert (m["cv"]["accuracy_mean"], m["accuracy"]) == (point["accuracy_cv"], point["accuracy_test"])
