"""Filling the best pipeline's forest to the budget (``sensorflow.tune.fill``): each budget
bounds the size, the filled pipeline is what ``best.yaml`` holds and ``train`` reproduces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("optuna")

from test_tiebreak import _payload, _pipeline, _synthetic

from sensorflow.device import boards
from sensorflow.pipeline import Pipeline
from sensorflow.training import train
from sensorflow.tune import budget as budget_mod
from sensorflow.tune import fill
from sensorflow.tune.objective import evaluate
from sensorflow.tune.runner import TuneOptions, run

BOARD = boards.get("stm32f411")
HEAD = {"flash_bytes": 2_000, "ram_bytes": 1_000, "instructions": 10_000}
TEN = {"flash_bytes": 2_000 + 10 * 300, "ram_bytes": 1_000 + 10 * 8, "instructions": 10_000 + 10 * 50}  # 10 members


@pytest.mark.parametrize(
    "flash, ram, instructions, want",
    [
        (2_000 + 40 * 300, 10**6, 10**9, 40),  # flash binds: 40 members of 300 B
        (10**7, 1_000 + 25 * 8, 10**9, 25),  # RAM binds
        (10**7, 10**6, 10_000 + 70 * 50, 70),  # instructions bind
        (10**7, 10**6, 10**9, fill.FILL_MAX),  # nothing binds: the cap
    ],
)
def test_largest_size_respects_each_budget(flash, ram, instructions, want):
    bud = budget_mod.Budget(flash, ram, instructions)
    n = fill.largest_size(10, TEN, HEAD, bud)
    assert n == want
    for size in (n,) if n == fill.FILL_MAX else (n, n + 1):  # n fits, n + 1 does not
        cost = {k: HEAD[k] + size * (TEN[k] - HEAD[k]) / 10 for k in HEAD}
        assert bud.fits(cost["flash_bytes"], cost["ram_bytes"], cost["instructions"]) == (size == n)


def test_size_from_measured_uses_the_measured_cost_per_member():
    bud = budget_mod.Budget(60_000, 10**6, 10**9)
    searched = {"flash_bytes": 10_000, "ram_bytes": 5_000, "instructions": 1e5}
    over = {"flash_bytes": 70_000, "ram_bytes": 5_000, "instructions": 2e5}  # 100 members more, 600 B each
    n = fill.size_from_measured(0, 100, searched, over, bud)
    assert n == 83 and 10_000 + n * 600 <= 60_000 < 10_000 + (n + 1) * 600
    # the cost model over-counted: 20 members measured at 22,000 B, room for more (up, not down)
    roomy = {"flash_bytes": 22_000, "ram_bytes": 5_000, "instructions": 1.2e5}
    assert fill.size_from_measured(0, 20, searched, roomy, bud) == 83
    assert fill.size_from_measured(0, 20, searched, roomy, bud, cap=50) == 50


def _forest_trial(path, n_estimators, bud):
    stages = [
        {"type": "stats", "functions": ["mean", "std"]},
        {"type": "random_forest", "n_estimators": n_estimators, "max_depth": 3, "random_state": 1},
    ]
    pipe = _pipeline(path, stages)
    r = evaluate(_payload(0, pipe) | {"budget": bud.to_dict()})
    return r | {"pipeline": pipe}


@pytest.mark.parametrize("which", ["flash_bytes", "instructions"])
def test_fill_fits_the_budget_it_is_bounded_by(tmp_path, which):
    path = _synthetic(tmp_path)
    roomy = budget_mod.Budget(10**7, 10**6, 10**9)
    trial = _forest_trial(path, 3, roomy)
    assert trial["feasible"]
    head = fill.head_cost(trial["pipeline"], BOARD)
    per = (trial[which] - head[which]) / 3
    limits = roomy.to_dict() | {which: int(head[which] + 12.5 * per)}  # room for about 12 members
    bud = budget_mod.Budget(limits["flash_bytes"], limits["ram_bytes"], limits["instructions"])
    f = fill.fill(trial, BOARD, bud, _payload(0, trial["pipeline"]) | {"budget": bud.to_dict()}, evaluate)
    assert f is not None and f["from"] == 3 and 3 < f["to"] <= 12
    r = f["result"]
    assert r["feasible"] and bud.fits(r["flash_bytes"], r["ram_bytes"], r["instructions"])
    assert f["pipeline"]["stages"][1]["n_estimators"] == f["to"]
    assert trial["pipeline"]["stages"][1]["n_estimators"] == 3  # the searched pipeline is left as it was
    # no room for a single member more: nothing to fill
    tight = budget_mod.Budget(trial["flash_bytes"], trial["ram_bytes"], int(trial["instructions"]))
    assert fill.fill(trial, BOARD, tight, _payload(0, trial["pipeline"]), evaluate) is None


def test_fill_leaves_other_models_alone(tmp_path):
    path = _synthetic(tmp_path)
    pipe = _pipeline(path, [{"type": "stats", "functions": ["mean"]}, {"type": "decision_tree", "max_depth": 2}])
    trial = evaluate(_payload(0, pipe)) | {"pipeline": pipe}
    assert fill.fill(trial, BOARD, budget_mod.Budget(10**7, 10**6, 10**9), _payload(0, pipe), evaluate) is None


def _forest_search(tmp_path, name):
    path = _synthetic(tmp_path)
    yml = tmp_path / f"{name}.yaml"
    cfg = _pipeline(path, None)
    del cfg["stages"]
    cfg["search"] = {
        "stages": [[{"type": "stats", "functions": ["mean", "std"]}, {"type": "random_forest", "max_depth": 3}]],
        "params": {"random_forest.n_estimators": {"low": 2, "high": 4}},
    }
    yml.write_text(json.dumps(cfg))
    return yml


@pytest.mark.slow  # two small searches on a local Dask cluster (about 40 s on the shared machine)
def test_best_yaml_holds_the_filled_forest_and_train_reproduces_it(tmp_path):
    yml = _forest_search(tmp_path, "forest")
    kw = dict(board="stm32f411", trials=2, batch=2, workers=1, measure=False, flash_kb=24, ram_kb=16)
    res = run(TuneOptions(pipeline=str(yml), out=str(tmp_path / "fill"), **kw), note=lambda _: None, progress=False)
    best = res["best"]
    filled = best["filled"]
    assert filled["param"] == "n_estimators" and 2 <= filled["from"] <= 4 < filled["to"] <= fill.FILL_MAX
    assert best["flash_bytes"] <= 24 * 1024 and best["within_budget"]
    assert filled["searched"]["flash_bytes"] < best["flash_bytes"]
    cfg = Pipeline.from_yaml(Path(best["pipeline"]))
    assert cfg.config.stages[-1].n_estimators == filled["to"]
    again = train(cfg, cfg.load_data(), out_dir=None, progress=False)
    assert again.metrics["accuracy"] == best["accuracy_test"]
    # the same search with --no-fill ships the searched size, and its scores are the 'searched' record
    res = run(
        TuneOptions(pipeline=str(yml), out=str(tmp_path / "nofill"), fill=False, **kw),
        note=lambda _: None,
        progress=False,
    )
    plain = res["best"]
    assert "filled" not in plain
    assert {k: plain[k] for k in filled["searched"]} == filled["searched"]
    cfg = Pipeline.from_yaml(Path(plain["pipeline"]))
    assert cfg.config.stages[-1].n_estimators == filled["from"]


def _fake_measure(artifact_dir, board):
    """A stand-in for the emulated board: flash 3,000 B + 700 B a tree, fixed RAM and instructions
    (the cost model counts trees differently, so the measured sizing has work to do)."""
    from sensorflow import artifact

    pipe, _ = artifact.load(artifact_dir)
    n = pipe.config.stages[-1].n_estimators
    return {"measured": True, "flash_bytes": 3_000 + 700 * n, "ram_bytes": 1_000, "instructions_per_inference": 5e4}


@pytest.mark.slow  # a small search on a local Dask cluster (about 20 s on the shared machine)
def test_the_measured_export_sizes_the_fill(tmp_path, monkeypatch):
    monkeypatch.setattr("sensorflow.tune.measure.measure_pipeline", _fake_measure)
    yml = _forest_search(tmp_path, "forest")
    kw = dict(board="stm32f411", trials=2, batch=2, workers=1, flash_kb=40, ram_kb=16)
    notes = []
    res = run(TuneOptions(pipeline=str(yml), out=str(tmp_path / "m"), **kw), note=notes.append, progress=False)
    best = res["best"]
    # 40 KB = 40,960 B: 3,000 + 700 n <= 40,960 holds up to n = 54, whatever the cost model said
    assert best["filled"]["to"] == 54 and best["measured"] and best["flash_bytes"] == 3_000 + 700 * 54
    assert best["within_budget"] and Pipeline.from_yaml(Path(best["pipeline"])).config.stages[-1].n_estimators == 54
    kept = [d.name for d in (tmp_path / "m" / "front").glob("*-filled-*")]
    assert kept == [f"trial-{best['trial']:04d}-filled-54"]  # the exports tried on the way are not kept
