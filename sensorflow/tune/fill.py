"""Filling the chosen pipeline's averaged ensemble up to the board budget (``sensorflow tune``).

The number of trees of an averaged ensemble (bagging / random forest, Breiman 2001; extremely
randomised trees, Geurts et al. 2006) is a variance knob, not a bias knob: the forest's
generalisation error falls towards its limit as trees are added and does not rise (Breiman 2001,
section 2; Hastie et al., ESL 15.3.4: "random forests do not overfit" in the number of trees). A
small-sample cross-validation cannot resolve the gain of a few more trees, and the near-tie rule
(``report.tied_top``) and the cost objectives then prefer the smaller forest. So after the search
has chosen the best pipeline, its ensemble is raised to the largest size whose cost fits the
budget, up to :data:`FILL_MAX`: sized with the stages' cost models (the fitted forest's per-tree
cost, extrapolated linearly, checked by fitting it), then by the measured exports, which the
budget is about, as for the front (``runner.finish``): the searched and the filled exports give
the measured cost per tree, and the size is solved again from them, up when the cost model
over-counted (trees: often 2-3x the measured flash) and down when it under-counted, each new
size measured before it is kept. Boosting is not filled: there the number of rounds is a bias
knob and overfits.

Only the best point is filled: the other Pareto points stand for the cost/accuracy trade-off,
and filling them would move them all onto the budget line. Off with ``search.fill_ensembles:
false`` or ``sensorflow tune --no-fill``."""

from __future__ import annotations

import copy
import math

from . import budget as budget_mod

FILL_MAX = 500  # at most this many trees: past a few hundred the vote no longer moves (Breiman 2001)
# averaged ensembles (stage type -> the parameter that sets their size)
AVERAGED_ENSEMBLES = {"random_forest": "n_estimators", "extra_trees": "n_estimators"}
CHECKS = 4  # fitted checks before the fill gives up


def ensemble_stage(pipeline: dict) -> tuple[int, str] | None:
    """(index, size parameter) of ``pipeline``'s averaged-ensemble model stage, or None."""
    for i, st in enumerate(pipeline.get("stages") or []):
        if st.get("type") in AVERAGED_ENSEMBLES:
            return i, AVERAGED_ENSEMBLES[st["type"]]
    return None


def with_size(pipeline: dict, n: int) -> dict:
    """A copy of ``pipeline`` whose averaged ensemble has ``n`` members."""
    i, param = ensemble_stage(pipeline)
    out = copy.deepcopy(pipeline)
    out["stages"][i][param] = int(n)
    return out


def head_cost(pipeline: dict, board) -> dict:
    """Flash, RAM and instructions of everything but the model (the stages' cost models, the
    window buffer and the runtime allowance, as ``objective.evaluate`` counts them)."""
    from .. import config as config_mod
    from ..pipeline import Pipeline
    from ..training import _head_length

    pipe = Pipeline(config_mod.validate(pipeline, {}, "fill"))
    k = _head_length(pipe)
    stages = [s for step in pipe.steps[:k] for s in step.stages]
    return budget_mod.estimate(stages, board, budget_mod.window_bytes(pipe), pipe.config.export.numeric)


def largest_size(n: int, cost: dict, head: dict, budget, cap: int = FILL_MAX) -> int:
    """The largest ensemble size, at most ``cap``, whose cost fits ``budget`` when each member
    costs what the ``n`` members of a fitted ensemble cost on average (``cost`` less ``head``)."""
    best = cap
    for key, limit in (
        ("flash_bytes", budget.flash_bytes),
        ("ram_bytes", budget.ram_bytes),
        ("instructions", budget.instructions),
    ):
        per = (float(cost[key]) - float(head[key])) / n
        if per > 0:
            best = min(best, math.floor((limit - float(head[key])) / per))
    return max(best, 0)


def fill(trial: dict, board, budget, evaluate_payload: dict, evaluate, cap: int = FILL_MAX) -> dict | None:
    """The trial's pipeline with its averaged ensemble filled to the budget: ``{"pipeline",
    "param", "from", "to", "result"}`` (``result``: the filled pipeline's evaluation: its
    cross-validated accuracy on the trial's folds and its fitted cost), or None when the model
    is not an averaged ensemble or no larger ensemble fits. ``evaluate_payload`` holds the
    evaluation's other fields (board, budget, data, ...); ``evaluate`` is
    ``objective.evaluate``."""
    where = ensemble_stage(trial["pipeline"])
    if where is None:
        return None
    i, param = where
    n0 = int(trial["pipeline"]["stages"][i].get(param, 10))
    head = head_cost(trial["pipeline"], board)
    n = min(cap, largest_size(n0, trial, head, budget, cap))
    for _ in range(CHECKS):
        if n <= n0:
            return None
        pipeline = with_size(trial["pipeline"], n)
        r = evaluate({**evaluate_payload, "number": trial["number"], "pipeline": pipeline})
        if r.get("feasible"):
            return {"pipeline": pipeline, "param": param, "from": n0, "to": n, "result": r}
        if r.get("flash_bytes") is None:  # failed to fit: keep the searched size
            return None
        # the fitted members cost more on average than the searched ones: size again from them
        n = min(n - 1, largest_size(n, r, head, budget, cap))
    return None


def size_from_measured(n_a: int, n_b: int, measured_a: dict, measured_b: dict, budget, cap: int = FILL_MAX) -> int:
    """The size, at most ``cap``, that the measured exports allow: two exports of the same
    pipeline with ``n_a`` and ``n_b`` members (flash, RAM, instructions as measured) give the
    cost of a member, ``(measured_b - measured_a) / (n_b - n_a)``, and of the rest; the size is
    the largest whose sum fits ``budget`` (above ``n_b`` when the measurement left room, below
    it when it went over)."""
    per = {k: (float(measured_b[k]) - float(measured_a[k])) / (n_b - n_a) for k in measured_b}
    rest = {k: float(measured_a[k]) - n_a * per[k] for k in measured_b}
    return largest_size(1, {k: rest[k] + per[k] for k in measured_b}, rest, budget, cap)


# Sizing the best point down to the budget as measured (``runner._fit_best``): the knob of each
# family whose flash, RAM and instructions grow about linearly with it (stage type -> parameter):
# an averaged ensemble's member count, and MiniRocket's kept features (``keep``: the features left
# after the ridge-weight selection; its kernel table, its convolutions and the head's weights are
# one entry per kept feature).
SIZE_KNOBS = {**AVERAGED_ENSEMBLES, "minirocket": "keep"}


def size_knob(pipeline: dict) -> tuple[int, str, int] | None:
    """(stage index, parameter, current size) of ``pipeline``'s size knob (:data:`SIZE_KNOBS`,
    the last such stage), or None. A MiniRocket without ``keep`` keeps all its features."""
    found = None
    for i, st in enumerate(pipeline.get("stages") or []):
        param = SIZE_KNOBS.get(st.get("type"))
        if param is None:
            continue
        if st["type"] == "minirocket":
            from ..stages.minirocket import MiniRocket

            total = MiniRocket(**st)._n_out()
            n = min(int(st.get("keep") or total), total)
        else:
            n = int(st.get(param, 10))
        found = (i, param, n)
    return found


def with_knob(pipeline: dict, i: int, param: str, n: int) -> dict:
    """A copy of ``pipeline`` with stage ``i``'s size parameter set to ``n``."""
    out = copy.deepcopy(pipeline)
    out["stages"][i][param] = int(n)
    return out


def first_size_down(n: int, measured: dict, budget) -> int:
    """The first smaller size to try when ``n`` measured over ``budget``: every cost scaled in
    proportion to the size (no fixed part), the largest size whose scaled costs fit. With a fixed
    part the true size is smaller; the second export gives the line (:func:`size_from_measured`)."""
    ratio = min(
        float(limit) / float(measured[key]) if float(measured[key]) > 0 else 1.0
        for key, limit in (
            ("flash_bytes", budget.flash_bytes),
            ("ram_bytes", budget.ram_bytes),
            ("instructions", budget.instructions),
        )
    )
    return max(min(math.floor(n * ratio), n - 1), 0)
