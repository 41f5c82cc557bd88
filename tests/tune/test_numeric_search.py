"""tune on a board without an FPU searches the numeric path (float or int8) of the stages that
have an integer path, costs each trial for its path, and best.yaml records it for export."""

from __future__ import annotations

import json
from pathlib import Path

import optuna
import pytest
import yaml
from tunefix import small_pipeline  # noqa: F401  (pytest fixture)

from sensorflow.cli import main
from sensorflow.device import boards
from sensorflow.pipeline import Pipeline
from sensorflow.training import train
from sensorflow.tune import budget as budget_mod
from sensorflow.tune.objective import evaluate
from sensorflow.tune.runner import TuneOptions, run
from sensorflow.tune.space import load_space


def _built(space, fpu, n=16):
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    out = []
    for i in range(n):
        tr = study.ask()
        out.append(space.build(tr, seed=i, fpu=fpu))
        study.tell(tr, 0.0)
    return out


def test_numeric_is_drawn_only_without_an_fpu_and_for_integer_paths(small_pipeline):
    space = load_space(small_pipeline)
    seen = set()
    for p in _built(space, "none"):
        model = p["stages"][-1]["type"]
        numeric = (p.get("export") or {}).get("numeric")
        if model in ("decision_tree", "random_forest"):  # integer compares on the device
            assert numeric in ("float", "int8")
            seen.add(numeric)
        else:  # gaussian_nb has no integer path: nothing to choose
            assert numeric is None
    assert seen == {"float", "int8"}
    assert all("numeric" not in (p.get("export") or {}) for p in _built(space, "single"))


def _payload(stages, numeric, board="esp32-c3"):
    b = boards.get(board)
    pipe = {
        "name": "bm",
        "sensor": {"kind": "imu", "sample_rate": 10, "channels": ["ax", "ay", "az", "gx", "gy", "gz"]},
        "window": {"length": 100},
        "dataset": {"loader": "aeon", "name": "BasicMotions", "split": {"by": "predefined"}},
        "train": {"cv_folds": 2},
        "export": {"numeric": numeric},
        "stages": stages,
    }
    bud = budget_mod.budget_for(b, 512, 128, 1e9)
    return {"number": 0, "pipeline": pipe, "board": b.model_dump(mode="json"), "budget": bud.to_dict(), "data": None}


def test_costs_follow_the_numeric_path():
    tree = [{"type": "stats", "functions": ["mean", "std"]}, {"type": "decision_tree", "max_depth": 4}]
    f, i = (evaluate(_payload(tree, n)) for n in ("float", "int8"))
    assert f["accuracy_cv"] == i["accuracy_cv"]  # integer compares are exact
    assert i["instructions"] < f["instructions"]  # the walk leaves soft float
    logistic = [{"type": "stats", "functions": ["mean", "std"]}, {"type": "scaler"}, {"type": "logistic", "C": 1.0}]
    lf, li = (evaluate(_payload(logistic, n)) for n in ("float", "int8"))
    assert li["instructions"] < lf["instructions"] and li["flash_bytes"] != lf["flash_bytes"]  # int8 tables
    assert 0.5 < li["accuracy_cv"] <= 1.0  # scored with the int8 network's labels
    # with an FPU, auto is the float path and an operation is one instruction
    mf = evaluate(_payload(tree, "auto", board="stm32f411"))
    assert mf["instructions"] < f["instructions"]


@pytest.mark.slow  # a LocalCluster, 6 trials, the front trained, one export
def test_tune_on_esp32_c3_records_the_numeric_path(small_pipeline, tmp_path):
    out = tmp_path / "c3"
    opts = TuneOptions(
        pipeline=str(small_pipeline), board="esp32-c3", trials=8, batch=4, seed=1, out=str(out), measure=False
    )
    opts.workers = 1
    res = run(opts, note=lambda _: None, progress=False)
    trials = [json.loads(line) for line in (out / "trials.jsonl").read_text().splitlines()]
    drawn = {(t["pipeline"].get("export") or {}).get("numeric") for t in trials}
    assert drawn & {"float", "int8"}
    best = yaml.safe_load(Path(res["best"]["pipeline"]).read_text())
    model = best["stages"][-1]["type"]
    numeric = (best.get("export") or {}).get("numeric")
    assert (numeric in ("float", "int8")) == (model != "gaussian_nb")
    # train reproduces it; export takes the recorded path when --numeric is not given
    pipe = Pipeline.from_yaml(out / "best.yaml")
    assert pipe.config.export.numeric == (numeric or "auto")
    art = tmp_path / "art"
    again = train(pipe, pipe.load_data(), out_dir=art, progress=False)
    assert again.metrics["accuracy"] == res["best"]["accuracy_test"]
    exp = tmp_path / "exp"
    assert main(["export", str(art), "--board", "esp32-c3", "--no-measure", "--out", str(exp)]) == 0
    report = json.loads((exp / "export_report.json").read_text())
    assert report["numeric_requested"] == (numeric or "auto")
