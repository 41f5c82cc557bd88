"""Ties at the top score: broken by repeated cross-validation on training data (synthetic cases)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("optuna")

from sensorflow.device import boards
from sensorflow.tune import budget as budget_mod
from sensorflow.tune import report
from sensorflow.tune.objective import evaluate
from sensorflow.tune.runner import TIE_REPEATS, TuneOptions, break_ties
from sensorflow.tune.space import SearchSpec, Space


def _trial(n, score, flash, instr, tiebreak=None, feasible=True):
    t = {"number": n, "accuracy_cv": score, "score": score, "flash_bytes": flash, "ram_bytes": 100}
    t |= {"instructions": instr, "feasible": feasible}
    return t if tiebreak is None else t | {"tiebreak": tiebreak}


def test_the_tie_break_chooses_the_steadier_of_equal_scores():
    cheap = _trial(0, 1.0, 2_000, 30_000, tiebreak=0.95)
    steady = _trial(1, 1.0, 9_000, 90_000, tiebreak=0.99)
    worse = _trial(2, 0.9, 1_000, 10_000)
    over = _trial(3, 1.0, 500, 500, feasible=False)
    trials = [cheap, steady, worse, over]
    assert report.tied_top(trials) == [0, 1]  # infeasible and lower scores are not in the tie
    front = report.pareto(trials)
    assert [t["number"] for t in front] == [1, 0, 2]  # the steadier point stays on the front
    points = [t | {"trial": t["number"], "instructions_per_inference": t["instructions"]} for t in front]
    assert report.best_point(points)["trial"] == 1
    # without a tie-break the cheapest of the equal scores wins, as before
    plain = [{k: v for k, v in p.items() if k != "tiebreak"} for p in points]
    assert report.best_point(plain)["trial"] == 0


def test_scores_within_one_standard_error_of_the_top_tie():
    # 50 scored windows at 0.98: standard error sqrt(0.98 * 0.02 / 50) = 0.0198, so 0.9792
    # (less than one window apart) ties and 0.94 does not
    tree = _trial(0, 0.9804, 2_000, 10_000) | {"n_cv": 50}
    forest = _trial(1, 0.9792, 9_000, 90_000) | {"n_cv": 50}
    worse = _trial(2, 0.94, 1_000, 5_000) | {"n_cv": 50}
    assert report.tied_top([tree, forest, worse]) == [0, 1]
    # a near-tie ranks at the top score and the repeated cross-validation decides
    tree |= {"tie_score": 0.9804, "tiebreak": 0.95}
    forest |= {"tie_score": 0.9804, "tiebreak": 0.97}
    front = report.pareto([tree, forest, worse])
    assert [t["number"] for t in front] == [1, 0, 2]
    points = [t | {"trial": t["number"], "instructions_per_inference": t["instructions"]} for t in front]
    assert report.best_point(points)["trial"] == 1
    # a perfect top has no spread: only exact ties (and trials stored without n_cv tie exactly)
    assert report.tied_top([_trial(0, 1.0, 1, 1) | {"n_cv": 40}, _trial(1, 0.999, 1, 1) | {"n_cv": 40}]) == [0]
    assert report.tied_top([_trial(0, 0.98, 1, 1), _trial(1, 0.979, 1, 1)]) == [0]


def _synthetic(tmp_path, seed=0):
    """Two classes of noisy 1-channel windows that overlap a little (CV accuracy varies with the folds)."""
    rng = np.random.default_rng(seed)
    n = 48
    y = np.array(["a", "b"] * (n // 2))
    X = rng.normal(0, 1, (n, 32, 1)) + np.where(y == "b", 1.2, 0.0)[:, None, None]
    fold = np.array(["train"] * 36 + ["test"] * 12)
    np.savez(tmp_path / "syn.npz", X=X.astype(np.float32), y=y, fold=fold, sample_rate=np.float64(50.0))
    return tmp_path / "syn.npz"


def _pipeline(path, stages, seed=0):
    return {
        "name": "syn",
        "sensor": {"kind": "generic", "sample_rate": 50, "channels": ["x"]},
        "window": {"length": 32},
        "dataset": {"loader": "npz", "path": str(path), "split": {"by": "predefined"}},
        "train": {"cv_folds": 3, "seed": seed},
        "stages": stages,
    }


def _payload(number, pipeline, **kw):
    board = boards.get("stm32f411")
    bud = budget_mod.budget_for(board, 256, 64, 2e7)
    p = {"number": number, "pipeline": pipeline, "board": board.model_dump(mode="json"), "budget": bud.to_dict()}
    return p | {"data": None, "max_false_accepts_per_hour": 1.0} | kw


STAGES = [{"type": "stats", "functions": ["mean", "std"]}, {"type": "decision_tree", "max_depth": 2}]


def test_repeated_cv_is_the_mean_of_cvs_with_other_fold_seeds(tmp_path):
    path = _synthetic(tmp_path)
    r = evaluate(_payload(0, _pipeline(path, STAGES), cv_repeats=3))
    each = [evaluate(_payload(0, _pipeline(path, STAGES, seed=s)))["accuracy_cv"] for s in range(3)]
    assert r["accuracy_cv"] == pytest.approx(each[0])
    assert r["accuracy_rcv"] == pytest.approx(np.mean(each))
    assert len(set(each)) > 1  # the fold seeds do change the estimate on this data


class _InPlace:
    """A stand-in for a Dask client that runs each task at once (break_ties' own logic under test)."""

    def submit(self, fn, payload, **_):
        class _Done:
            def result(self):
                return fn(payload)

        return _Done()


def test_break_ties_scores_only_the_tied_top(tmp_path):
    path = _synthetic(tmp_path)
    pipes = {n: _pipeline(path, [STAGES[0], {"type": "decision_tree", "max_depth": d}]) for n, d in enumerate((1, 2))}
    results = {n: evaluate(_payload(n, p)) | {"pipeline": p} for n, p in pipes.items()}
    for r in results.values():  # force a tie at the top; a third, lower trial stays out of it
        r["score"] = r["accuracy_cv"] = 1.0
        r["feasible"] = True
    results[2] = _trial(2, 0.5, 10, 10)
    board = boards.get("stm32f411")
    bud = budget_mod.budget_for(board, 256, 64, 2e7)
    space = Space({}, SearchSpec())
    tied = break_ties(_InPlace(), results, board.model_dump(mode="json"), bud, TuneOptions("p", "b"), space, evaluate)
    assert tied == [0, 1] and "tiebreak" not in results[2]
    for n in tied:
        want = evaluate(_payload(n, pipes[n], cv_repeats=TIE_REPEATS))["accuracy_rcv"]
        assert results[n]["tiebreak"] == pytest.approx(want)
