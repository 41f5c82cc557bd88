"""The best point must fit the budget as measured (``runner._fit_best``): a best whose measured
export is over the budget is sized down with its family's size knob (MiniRocket's ``keep``),
or replaced by the best front point that fits, or there is no best; front points over the
budget as measured are marked. The emulated board is a stand-in with known costs."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("optuna")

from test_tiebreak import _payload, _pipeline, _synthetic

from sensorflow.device import boards
from sensorflow.pipeline import Pipeline
from sensorflow.training import train
from sensorflow.tune import budget as budget_mod
from sensorflow.tune import fill
from sensorflow.tune.objective import evaluate
from sensorflow.tune.runner import TuneOptions, finish

BOARD = boards.get("stm32f411")
ROOMY = budget_mod.Budget(10**7, 10**6, 10**9)
SPACE = SimpleNamespace(
    spec=SimpleNamespace(fill_ensembles=False, max_false_accepts_per_hour=1.0), base={"name": "syn"}
)
MINIROCKET = [
    {"type": "minirocket", "n_features": 840, "keep": 40},
    {"type": "ridge_classifier"},
]
TREE = [{"type": "stats", "functions": ["mean", "std"]}, {"type": "decision_tree", "max_depth": 2}]


def _fake_measure(artifact_dir, board):
    """A stand-in for the emulated board: a MiniRocket pipeline measures 4,000 B + 150 B per kept
    feature (the cost model is not asked), any other pipeline 3,000 B; RAM and instructions fixed."""
    from sensorflow import artifact

    pipe, _ = artifact.load(artifact_dir)
    first = pipe.config.stages[0]
    flash = 4_000 + 150 * first.keep if first.type == "minirocket" else 3_000
    return {"measured": True, "flash_bytes": flash, "ram_bytes": 1_000, "instructions_per_inference": 5e4}


def _trial(path, number, stages, accuracy_cv=None):
    pipe = _pipeline(path, stages)
    r = evaluate(_payload(number, pipe) | {"budget": ROOMY.to_dict()})
    assert r["feasible"]  # by the cost model; the measured export is what breaks the budget
    r |= {"pipeline": pipe, "summary": " + ".join(s["type"] for s in stages)}
    if accuracy_cv is not None:  # place the trial on the front (accuracy against cost)
        r |= {"accuracy_cv": accuracy_cv, "score": accuracy_cv}
    return r


def _finish(tmp_path, trials, flash):
    bud = budget_mod.Budget(flash, 10**6, 10**9)
    opts = TuneOptions(pipeline="syn.yaml", board="stm32f411", fill=False, out=str(tmp_path / "out"))
    notes = []
    res = finish(SPACE, BOARD, bud, trials, tmp_path / "out", opts, notes.append, False, 1, "here", 0.0)
    return res, notes


def test_fill_finds_the_size_knob():
    assert fill.size_knob({"stages": MINIROCKET}) == (0, "keep", 40)
    assert fill.size_knob({"stages": [{"type": "minirocket", "n_features": 840}]}) == (0, "keep", 840)
    assert fill.size_knob({"stages": [{"type": "extra_trees", "n_estimators": 7}]}) == (0, "n_estimators", 7)
    assert fill.size_knob({"stages": TREE}) is None
    # 10,000 B measured against 8,192 B: in proportion, 32 of 40 (the fixed part makes it too many)
    measured = {"flash_bytes": 10_000, "ram_bytes": 1_000, "instructions": 5e4}
    assert fill.first_size_down(40, measured, budget_mod.Budget(8_192, 10**6, 10**9)) == 32


def test_an_over_budget_best_is_sized_down_to_fit_as_measured(tmp_path, monkeypatch):
    monkeypatch.setattr("sensorflow.tune.measure.measure_pipeline", _fake_measure)
    path = _synthetic(tmp_path)
    trial = _trial(path, 0, MINIROCKET)
    res, notes = _finish(tmp_path, [trial], 8_192)  # keep 40 measures 10,000 B
    best = res["best"]
    # 4,000 + 150 k <= 8,192 up to k = 27: the first try (32) is over, the line through it gives 27
    assert best["sized"]["param"] == "keep" and best["sized"]["from"] == 40 and best["sized"]["to"] == 27
    assert best["sized"]["searched"]["flash_bytes"] == 10_000
    assert best["measured"] and best["within_budget"] and best["flash_bytes"] == 4_000 + 150 * 27
    assert [p["trial"] for p in res["pareto"]] == [0] and res["pareto"][0]["within_budget"]
    assert any("sized down from 40 to 27" in n for n in notes)
    kept = sorted(d.name for d in (tmp_path / "out" / "front").iterdir() if d.is_dir())
    assert kept == ["trial-0000", "trial-0000-sized-27"]  # the size tried on the way is not kept
    # best.yaml holds the sized pipeline, and train reproduces its held-out accuracy
    cfg = Pipeline.from_yaml(Path(best["pipeline"]))
    assert cfg.config.stages[0].keep == 27
    again = train(cfg, cfg.load_data(), out_dir=None, progress=False)
    assert again.metrics["accuracy"] == best["accuracy_test"]
    # its cross-validated accuracy is the sized pipeline's own, on training data
    own = evaluate(_payload(0, _pipeline(path, [{**MINIROCKET[0], "keep": 27}, MINIROCKET[1]])))
    assert best["accuracy_cv"] == pytest.approx(own["accuracy_cv"])


def test_without_a_fitting_size_the_best_front_point_that_fits_is_chosen(tmp_path, monkeypatch):
    monkeypatch.setattr("sensorflow.tune.measure.measure_pipeline", _fake_measure)
    path = _synthetic(tmp_path)
    # the MiniRocket point ranks first; the cheaper tree point (3,000 B measured) second
    trials = [_trial(path, 0, MINIROCKET, accuracy_cv=0.95), _trial(path, 1, TREE, accuracy_cv=0.7)]
    assert trials[1]["flash_bytes"] < trials[0]["flash_bytes"]
    # 6,500 B: MiniRocket fits with k <= 16 kept features: sized down, still the best
    res, _ = _finish(tmp_path / "a", trials, 6_500)
    assert res["best"]["trial"] == 0 and res["best"]["sized"]["to"] == 16 and res["best"]["within_budget"]
    # 3,500 B: no kept count fits (4,000 + 150 k), the tree does: it is the best
    res, notes = _finish(tmp_path / "b", trials, 3_500)
    assert res["best"]["trial"] == 1 and res["best"]["within_budget"] and "sized" not in res["best"]
    assert [(p["trial"], p["within_budget"]) for p in res["pareto"]] == [(0, False), (1, True)]
    assert any("best is trial 1, the best front point that fits as measured" in n for n in notes)
    assert Pipeline.from_yaml(tmp_path / "b" / "out" / "best.yaml").config.stages[-1].type == "decision_tree"
    rows = (tmp_path / "b" / "out" / "pareto.csv").read_text().splitlines()
    col = rows[0].split(",").index("within_budget")
    assert [r.split(",")[col] for r in rows[1:]] == ["False", "True"]
    # 2,000 B, in the same DIR: nothing fits as measured: no best, the earlier best.yaml removed
    res, notes = _finish(tmp_path / "b", trials, 2_000)
    assert res["best"] is None and not (tmp_path / "b" / "out" / "best.yaml").exists()
    assert [p["within_budget"] for p in res["pareto"]] == [False, False]
    assert any("no point of the Pareto front fits the budget as measured" in n for n in notes)
