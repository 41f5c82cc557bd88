"""The driver of ``sensorflow tune``: an Optuna study (ask/tell) whose trials run on Dask.

Determinism: the driver keeps a window of ``batch`` trials in flight (a fixed number, not the
worker count) and tells them back to the study in trial-number order; trial n is asked, from a
sampler seeded by ``seed`` and n, right after trial n - ``batch`` is told. What the sampler has
seen at each ask is thus fixed by the trial number alone, so a fixed ``seed`` and trial count
give the same study on 1 or N workers, and there is no batch barrier: a worker that finishes
a trial goes on to the next one while a slow trial runs. Each trial's models are seeded by the
trial number. A worker that dies mid-trial costs that trial's run, which Dask runs again
elsewhere (``retries``). The study lives in ``DIR/study.journal`` (Optuna's
``JournalStorage``): after Ctrl-C, ``--resume`` re-runs the trials in flight from their stored
parameters and continues."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import ConfigError, DataError
from . import budget as budget_mod
from . import report
from .space import Space, load_space

STUDY = "sensorflow-tune"
RETRIES = 3
TIE_REPEATS = 5  # cross-validations (fold seeds) that break a tie at the top score
FILL_MEASURES = 3  # measured exports at most while filling the best forest to the budget (_fill_best)
SIZE_MEASURES = 3  # measured exports at most while sizing an over-budget best down (_fit_best)


@dataclass
class TuneOptions:
    pipeline: str
    board: str
    trials: int = 40
    time_budget_min: float | None = None
    flash_kb: float | None = None
    ram_kb: float | None = None
    max_instructions: float | None = None
    scheduler: str | None = None
    workers: int | None = None
    seed: int = 0
    resume: bool = False
    out: str | None = None
    batch: int = 8
    sampler: str = "tpe"
    data: str | None = None
    measure: bool = True
    fill: bool = True  # fill the best pipeline's averaged ensemble to the budget (fill.py); --no-fill
    stop_after: int | None = None  # stop as Ctrl-C would once this many trials are told (tests)
    on_trial: Callable[[dict], None] | None = None  # called in the driver as each trial result arrives
    # names this invocation in the workers' dataset and feature caches: a cluster that outlives
    # one run (--scheduler) must not serve a later run data that changed on disk in between
    run_token: str = field(default_factory=lambda: uuid.uuid4().hex)


def _constraints(frozen) -> list[float]:
    return list(frozen.user_attrs.get("constraints", [1.0, 1.0, 1.0]))


def _new_constraints_api() -> bool:
    import optuna

    return hasattr(optuna.trial.Trial, "set_constraint")  # Optuna >= 5; constraints_func before


def make_sampler(kind: str, seed: int, n_startup: int):
    import optuna

    kw = {} if _new_constraints_api() else {"constraints_func": _constraints}
    if kind == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed, population_size=max(4, n_startup), **kw)
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=n_startup, **kw)


def _optuna():
    try:
        import optuna
    except ImportError:
        from ..errors import ToolMissingError

        raise ToolMissingError("tune needs optuna; install it with: pip install 'sensorflow[tune]'") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def check_out(out: Path, resume: bool) -> None:
    """Refuse to start over an existing study, or to resume a missing one."""
    journal = out / "study.journal"
    if journal.exists() and not resume:
        raise ConfigError(f"{out} already holds a study; pass --resume to continue it, or choose another --out")
    if resume and not journal.exists():
        raise ConfigError(f"{out}: no study to resume (no study.journal); run without --resume first")


def open_study(out: Path, resume: bool, settings: dict):
    optuna = _optuna()
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    journal = out / "study.journal"
    meta = out / "study.json"
    check_out(out, resume)
    if resume:
        before = json.loads(meta.read_text())
        for k in ("pipeline_text", "board", "seed", "batch", "sampler", "budget"):
            if before.get(k) != settings.get(k):
                raise ConfigError(
                    f"--resume: '{k}' differs from the study in {out}; use the same arguments or a new --out"
                )
    out.mkdir(parents=True, exist_ok=True)
    meta.write_text(json.dumps(settings, indent=1, sort_keys=True))
    storage = JournalStorage(JournalFileBackend(str(journal)))
    return optuna.create_study(
        study_name=STUDY,
        storage=storage,
        directions=["maximize", "minimize", "minimize"],
        load_if_exists=resume,
    )


def _has_post(space: Space) -> bool:
    from .. import registry

    lists = space.spec.stages or [space.base.get("stages") or []]
    types = {st.get("type") for stages in lists for st in stages}
    return any(t in registry.names() and registry.get(t).tags.role == "post" for t in types)


def _summary(pipeline: dict) -> str:
    w = pipeline["window"].get("length", pipeline["window"])
    numeric = (pipeline.get("export") or {}).get("numeric")
    return f"w{w}: " + " + ".join(s["type"] for s in pipeline["stages"]) + (f" [{numeric}]" if numeric else "")


class Progress:
    """One line per finished trial on stderr: its score and costs, the best so far, feasible count."""

    def __init__(self, total: int, enabled: bool):
        from rich.console import Console

        self.console = Console(stderr=True, highlight=False) if enabled else None
        self.total = total
        self.best = None
        self.feasible = 0
        self.done = 0

    def trial(self, r: dict) -> None:
        self.done += 1
        if r.get("feasible"):
            self.feasible += 1
            if self.best is None or report.score(r) > report.score(self.best):
                self.best = r
        if self.console is None:
            return
        if r.get("pruned") and r.get("accuracy_cv", 0) == 0:
            what = f"[grey50]pruned: {r['pruned']}[/]"
        else:
            what = (
                f"{report.score_text(r)}  flash {r['flash_bytes'] / 1024:.1f} KB  "
                f"instr {r['instructions']:,.0f}  {'feasible' if r['feasible'] else '[yellow]over budget[/]'}"
            )
        best = f"best {report.score(self.best):.3f} (#{self.best['number']})" if self.best else "best -"
        self.console.print(
            f"trial {r['number'] + 1:>3}/{self.total}  {what}  | {best}, feasible {self.feasible}/{self.done}"
            f"  [dim]{r['summary']}[/]"
        )


def run(opts: TuneOptions, note=print, progress: bool = True) -> dict:
    """Run (or resume) a tune; write DIR's outputs; return the ``--json`` object."""
    from ..device import boards
    from . import cluster
    from .objective import evaluate

    optuna = _optuna()
    t0 = time.perf_counter()
    space = load_space(opts.pipeline)
    board = boards.get(opts.board)
    budget = budget_mod.budget_for(board, opts.flash_kb, opts.ram_kb, opts.max_instructions)
    if opts.trials < 1:
        raise ConfigError("--trials must be at least 1")
    out = Path(opts.out) if opts.out else Path("build") / "tune" / space.base["name"]
    settings = {
        "pipeline_text": Path(opts.pipeline).read_text(),
        "board": board.name,
        "seed": opts.seed,
        "batch": opts.batch,
        "sampler": opts.sampler,
        "budget": budget.to_dict(),
        "trials": opts.trials,
    }
    n_startup = max(4, min(10, opts.trials // 3))
    board_dict = board.model_dump(mode="json")
    check_out(out, opts.resume)
    results: dict[int, dict] = {}
    interrupted = False
    with cluster.client(opts.scheduler, opts.workers) as (client, where):  # before the study: a bad address leaves none
        cluster_s = time.perf_counter() - t0  # setup and cluster start: a fixed cost, whatever the search
        study = open_study(out, opts.resume, settings)
        if not opts.resume:  # the families' published recipes first (space.STARTING_POINTS)
            for params in space.starting_points()[: opts.trials]:
                study.enqueue_trial(params, skip_if_exists=True)
        for ft in study.get_trials(deepcopy=False):
            if "result" in ft.user_attrs:
                results[ft.number] = ft.user_attrs["result"]
        prog = Progress(opts.trials, progress)
        for r in sorted(results.values(), key=lambda r: r["number"]):  # resumed: count what is done
            prog.done += 1
            if r.get("feasible"):
                prog.feasible += 1
                if prog.best is None or report.score(r) > report.score(prog.best):
                    prog.best = r
        n_workers = cluster.n_workers(client)
        if _has_post(space):
            note(
                "tune: post stages (detectors) are kept as written and not scored: their event metrics need "
                "streams of training voices, which the datasets do not provide yet (the test streams are never used)"
            )
        note(
            f"tune: {space.shown} on {board.name} (budget: flash {budget.flash_bytes / 1024:.0f} KB, RAM "
            f"{budget.ram_bytes / 1024:.0f} KB, {budget.instructions:,} instructions; {budget.source}); "
            f"{opts.trials} trials on {where}, {n_workers} workers; study in {out}"
        )
        try:
            # trials asked but never told (Ctrl-C while they ran): run them again from their parameters
            flight = [
                _submit(
                    client,
                    study,
                    space,
                    optuna.trial.Trial(study, ft._trial_id),
                    ft.params,
                    ft.number,
                    board_dict,
                    budget,
                    opts,
                    evaluate,
                )
                for ft in study.get_trials(deepcopy=False)
                if ft.state.name == "RUNNING"
            ]
            limit = opts.trials  # lowered when the time budget ends the asking
            while True:
                # a window of --batch trials in flight: trial n is asked once trial n - batch is told
                while len(flight) < opts.batch and len(study.trials) < limit:
                    if opts.time_budget_min and time.perf_counter() - t0 > opts.time_budget_min * 60:
                        note(
                            f"tune: time budget of {opts.time_budget_min:g} min reached after "
                            f"{len(study.trials)} trials"
                        )
                        limit = len(study.trials)  # ask no more; the trials in flight finish
                        break
                    study.sampler = make_sampler(opts.sampler, opts.seed * 1_000_003 + len(study.trials), n_startup)
                    tr = study.ask()
                    flight.append(
                        _submit(client, study, space, tr, None, tr.number, board_dict, budget, opts, evaluate)
                    )
                if not flight:
                    break
                _tell(study, flight.pop(0), budget, opts, results, prog)
                if opts.stop_after is not None and len(results) >= opts.stop_after:
                    raise KeyboardInterrupt
            tied = break_ties(client, results, board_dict, budget, opts, space, evaluate)
            if tied:
                note(
                    f"tune: {len(tied)} trials within one standard error of the top cross-validated score; broken by the accuracy of "
                    f"{TIE_REPEATS} repeated cross-validations (training data only)"
                )
        except KeyboardInterrupt:
            interrupted = True
        search_s = time.perf_counter() - t0  # before the cluster closes (its shutdown is not search)
    trials = [results[k] for k in sorted(results)]
    report.write_trials(out / "trials.jsonl", trials)
    if interrupted:
        note(f"tune: interrupted after {len(trials)} trials; the study is in {out}; continue with --resume")
        raise KeyboardInterrupt
    if not trials:  # the time budget ran out before the first batch: nothing to report or plot
        raise DataError(f"no trial finished within --time-budget {opts.time_budget_min} min; give the search more time")
    result = finish(space, board, budget, trials, out, opts, note, progress, n_workers, where, t0)
    result["search_seconds"] = search_s  # cluster start, the trials and the tie-break; not the front's training
    result["cluster_start_seconds"] = cluster_s  # the part of search_seconds before the cluster was up
    return result


def _payload(number: int, pipeline: dict, board_dict: dict, budget, opts, space: Space) -> dict:
    return {
        "number": number,
        "pipeline": pipeline,
        "board": board_dict,
        "budget": budget.to_dict(),
        "data": opts.data,
        "run": opts.run_token,
        "max_false_accepts_per_hour": space.spec.max_false_accepts_per_hour,
    }


def break_ties(client, results: dict[int, dict], board_dict, budget, opts, space: Space, evaluate) -> list[int]:
    """Feasible classifier trials tied with the top score (``report.tied_top``: within one
    standard error) rank at the top score (``tie_score``) and get ``tiebreak``: their accuracy
    over :data:`TIE_REPEATS` repetitions of the cross-validation with other fold seeds (training
    data only), computed on Dask; returns the tied trial numbers (none when the top is not tied)."""
    tied = report.tied_top(list(results.values()))
    if len(tied) < 2:
        return []
    top = max(report.score(results[n]) for n in tied)
    futures = {
        n: client.submit(
            evaluate,
            {**_payload(n, results[n]["pipeline"], board_dict, budget, opts, space), "cv_repeats": TIE_REPEATS},
            key=f"tune-tiebreak-{n}-{opts.seed}",
            retries=RETRIES,
            pure=False,
        )
        for n in tied
    }
    for n, fut in futures.items():
        results[n]["tiebreak"] = float(fut.result().get("accuracy_rcv", results[n]["accuracy_cv"]))
        results[n]["tie_score"] = top
    return tied


def _submit(client, study, space: Space, tr, params, number: int, board_dict, budget, opts, evaluate):
    """Build trial ``number``'s pipeline (in the driver; from stored ``params`` when resuming)
    and submit its evaluation to Dask; returns the trial in flight for :func:`_tell`."""
    import optuna

    source = optuna.trial.FixedTrial(params, number) if params is not None else tr
    try:
        pipeline = space.build(source, seed=opts.seed + number, fpu=board_dict.get("fpu"))
    except ValueError as exc:  # a FixedTrial missing a parameter: a changed space
        if params is None:
            raise
        raise ConfigError(f"--resume: trial {number} no longer fits the search space ({exc})") from None
    tr.set_user_attr("pipeline", pipeline)
    payload = _payload(number, pipeline, board_dict, budget, opts, space)
    future = client.submit(
        evaluate,
        payload,
        key=f"tune-trial-{study._study_id}-{number}-{opts.seed}",
        retries=RETRIES,
        pure=False,
        priority=-number,  # the oldest trial first: it is the one the driver waits for
    )
    return tr, pipeline, future


def _tell(study, flight, budget, opts, results, prog):
    """Wait for a trial in flight and tell it to the study (the driver tells in trial-number order)."""
    import optuna

    tr, pipeline, future = flight
    r = future.result()
    r["summary"] = _summary(pipeline)
    prog.trial(r)
    if opts.on_trial is not None:
        opts.on_trial(r)
    r["pipeline"] = pipeline
    results[tr.number] = r
    tr.set_user_attr("result", r)
    if r.get("flash_bytes") is None:
        study.tell(tr, state=optuna.trial.TrialState.FAIL)
        return
    violations = budget.violations(r["flash_bytes"], r["ram_bytes"], r["instructions"])
    tr.set_user_attr("constraints", violations)
    if _new_constraints_api():
        for name, v in zip(("flash", "ram", "instructions"), violations):
            tr.set_constraint(name, float(v))
    study.tell(tr, [report.score(r), float(r["flash_bytes"]), float(r["instructions"])])


def _held_out_events(pipe, ds) -> dict | None:
    """Recall and false accepts per hour of a fitted detector on the dataset's evaluation streams
    (every stream not marked ``dev``), or None when it has none."""
    from ..training import event_metrics

    test = [s for s in ds.streams if s.part != "dev"]
    if not test:
        return None
    em = event_metrics(pipe, test, ds.sample_rate)
    return {k: em[k] for k in ("n_streams", "hours", "n_events", "recall", "false_accepts_per_hour")}


def finish(space, board, budget, trials, out: Path, opts, note, progress, n_workers, where, t0) -> dict:
    """Train every Pareto point on the whole training split, score its held-out split once,
    export and measure it; write best.yaml, pareto.csv and the plot; return the JSON object."""
    from .. import config as config_mod
    from ..pipeline import Pipeline

    front = report.pareto(trials)
    points = []
    ds = None
    for t in front:
        if ds is None:
            ds = Pipeline(config_mod.validate(t["pipeline"], {}, f"trial {t['number']}")).load_data(opts.data)
        points.append(_train_point(t, ds, out / "front" / f"trial-{t['number']:04d}", board, budget, opts))
    best = report.best_point(points)
    if best is not None and opts.fill and space.spec.fill_ensembles:
        best = _fill_best(best, points, front, ds, out, board, budget, opts, space, note)
    if best is not None and not best["within_budget"]:  # over the budget as measured
        best = _fit_best(best, points, ds, out, board, budget, opts, space, note)
    for p in points:
        path = out / "front" / f"trial-{p['trial']:04d}.yaml"
        _write_yaml(path, p["pipeline_config"], f"sensorflow tune: trial {p['trial']} of the Pareto front")
        p["pipeline"] = str(path)
    if best is not None:
        best_path = out / "best.yaml"
        _write_yaml(
            best_path,
            best["pipeline_config"],
            f"sensorflow tune: best of {len(trials)} trials (trial {best['trial']}); "
            f"cross-validated accuracy {best['accuracy_cv']:.4f}, held-out {best['accuracy_test']:.4f}",
        )
        best = {**best, "pipeline": str(best_path)}
    else:  # a resumed study's earlier best.yaml must not stand for a best that no longer fits
        (out / "best.yaml").unlink(missing_ok=True)
    report.write_csv(out / "pareto.csv", points)
    report.plot(out / "pareto.png", trials, points, f"{space.base['name']} on {board.name}: {len(trials)} trials")
    for p in points:
        for d in p["differs"]:
            note(f"tune: trial {p['trial']}: {d}")
        if not p["within_budget"]:
            note(
                f"tune: trial {p['trial']}: measured costs exceed the budget (the cost model was too low); "
                "marked within_budget false, never the best"
            )
        if not p["measured"]:
            note(
                f"tune: trial {p['trial']} not measured on an emulated board ({p.get('measure_note')}); costs are the model's"
            )
    if progress:
        from rich.console import Console

        Console(stderr=True).print(report.table(points, best["trial"] if best else None))
    failed = [t for t in trials if t.get("pruned") == "failed"]
    if best is None and trials and len(failed) == len(trials):  # not a budget question: say what failed
        raise DataError(
            f"all {len(trials)} trials failed (none was scored); the first: {failed[0].get('error')} "
            f"(every trial is in {out / 'trials.jsonl'})"
        )
    if best is None and points:
        note(
            "tune: no point of the Pareto front fits the budget as measured, and sizing the best down did not "
            "fit either: no best.yaml; raise the budget or narrow the search space (pareto.csv has the points)"
        )
    elif best is None:
        note("tune: no feasible pipeline within the budget; raise the budget or widen the search space")

    def public(p):
        keep = (*report.POINT_FIELDS, *report.EXTRA_FIELDS, "pipeline", "trial", "differs")
        return {k: p[k] for k in keep} | {k: p[k] for k in ("events_dev", "events_test", "filled", "sized") if k in p}

    return {
        "best": public(best) if best else None,
        "pareto": [public(p) for p in points],
        "n_trials": len(trials),
        "n_feasible": sum(1 for t in trials if t.get("feasible")),
        "workers": n_workers,
        "scheduler": where,
        "seconds": time.perf_counter() - t0,
        "budget": budget.to_dict(),
        "out": str(out),
    }


def _train_point(t: dict, ds, art: Path, board, budget, opts) -> dict:
    """Train trial ``t``'s pipeline on the whole training split into ``art``, score its held-out
    split once, export and measure it: the front point's record."""
    import shutil

    from .. import config as config_mod
    from ..pipeline import Pipeline
    from ..training import train
    from .measure import measure_pipeline

    pipe = Pipeline(config_mod.validate(t["pipeline"], {}, f"trial {t['number']}"))
    if art.exists():
        shutil.rmtree(art)
    res = train(pipe, ds, out_dir=art, progress=False)
    est = {k: t[k] for k in ("flash_bytes", "ram_bytes", "instructions")}
    m = measure_pipeline(art, board) if opts.measure else {"measured": False, "reason": "--no-measure"}
    p = {
        "trial": t["number"],
        "accuracy_cv": t["accuracy_cv"],
        "score": report.score(t),
        "tie_score": t.get("tie_score"),
        "tiebreak": t.get("tiebreak"),
        "accuracy_test": float(res.metrics["accuracy"]),
        "measured": bool(m["measured"]),
        "flash_bytes": int(m["flash_bytes"]) if m["measured"] else int(est["flash_bytes"]),
        "ram_bytes": int(m["ram_bytes"]) if m["measured"] else int(est["ram_bytes"]),
        "instructions_per_inference": float(m["instructions_per_inference"] if m["measured"] else est["instructions"]),
        "estimate": est,
        "summary": t["summary"],
        "pipeline_config": t["pipeline"],
        "artifact": str(art),
    }
    if t.get("events_dev"):  # a detector: its events on the held-out streams, scored once like accuracy_test
        p["events_dev"] = t["events_dev"]
        p["events_test"] = _held_out_events(res.pipeline, ds)
    if not m["measured"]:
        p["measure_note"] = m.get("reason", "")
    p["differs"] = _differs(p) if m["measured"] else []
    p["within_budget"] = budget.fits(p["flash_bytes"], p["ram_bytes"], p["instructions_per_inference"])
    return p


def _fill_best(best: dict, points: list[dict], front: list[dict], ds, out: Path, board, budget, opts, space, note):
    """The best point with its averaged ensemble filled to the budget, trained, scored and
    measured like a front point, in place of the searched one in ``points``. The size comes
    from the cost models (``fill.fill``); when the front is measured, it is solved again from
    the searched and the filled measured exports (``fill.size_from_measured``), at most
    :data:`FILL_MEASURES` exports in all, and the largest measured size within the budget is
    kept. The searched point stays when the model is not an averaged ensemble, the cost models
    leave no room for a member more, or no filled export fits."""
    from . import fill as fill_mod
    from .objective import evaluate

    t = next(t for t in front if t["number"] == best["trial"])
    payload = _payload(t["number"], t["pipeline"], board.model_dump(mode="json"), budget, opts, space)
    f = fill_mod.fill(t, board, budget, payload, evaluate)
    if f is None:
        return best
    n0, param = f["from"], f["param"]
    # a resized forest is judged by its measured export; its evaluation gives its cross-validation only
    unbounded = {**payload, "budget": budget_mod.Budget(2**62, 2**62, 2**62).to_dict()}
    last, kept, tried = (n0, _measured(best)), None, set()
    for _ in range(FILL_MEASURES):
        n, r = f["to"], f["result"]
        tried.add(n)
        filled = {**t, **{k: r[k] for k in ("accuracy_cv", "score", "flash_bytes", "ram_bytes", "instructions")}}
        filled |= {"pipeline": f["pipeline"], "tie_score": None, "tiebreak": None}
        filled["summary"] = f"{t['summary']} ({param} {n0} -> {n})"
        p = _train_point(filled, ds, out / "front" / f"trial-{t['number']:04d}-filled-{n}", board, budget, opts)
        if p["within_budget"] and (kept is None or n > kept[0]):
            kept = (n, p)
        if not (p["measured"] and best["measured"]):  # the cost models' size stands
            break
        nxt = fill_mod.size_from_measured(last[0], n, last[1], _measured(p), budget)
        last = (n, _measured(p))
        if nxt in tried or nxt <= max(n0, kept[0] if kept else 0):
            break
        note(
            f"tune: trial {t['number']}: {n} members measured {'within' if p['within_budget'] else 'over'} the budget; trying {nxt}"
        )
        pipeline = fill_mod.with_size(t["pipeline"], nxt)
        r = evaluate({**unbounded, "pipeline": pipeline})
        if r.get("flash_bytes") is None or r.get("pruned"):
            break
        f = {**f, "pipeline": pipeline, "to": nxt, "result": r}
    _drop_exports(out, t["number"], "filled", tried - {kept[0] if kept else None})
    if kept is None:
        note(f"tune: trial {t['number']}: no filled forest fits the budget as measured; the searched size is kept")
        return best
    n, p = kept
    _replace_best(points, best, p, "filled", param, n0, n)
    note(
        f"tune: trial {t['number']}: {param} filled from {n0} to {n} within the budget (cross-validated "
        f"{best['accuracy_cv']:.4f} -> {p['accuracy_cv']:.4f}); --no-fill keeps the searched size"
    )
    return p


def _fit_best(best: dict, points: list[dict], ds, out: Path, board, budget, opts, space, note) -> dict | None:
    """The best point when it is over the budget as measured: sized down with its family's size
    knob (``fill.size_knob``: a forest's members, MiniRocket's kept features), each size trained,
    exported and measured, at most :data:`SIZE_MEASURES` exports: the first size scales the costs
    in proportion (``fill.first_size_down``), the next ones solve the line through the last two
    measured exports (``fill.size_from_measured``) below the smallest size measured over. The
    largest size that fits as measured replaces the best in ``points``, with its cross-validated
    accuracy (training data only) and ``sized``. Without a knob, or when no size fits, the best
    front point that fits as measured (``report.best_point``); None when none does."""
    from . import fill as fill_mod
    from .objective import evaluate

    knob = fill_mod.size_knob(best["pipeline_config"]) if best["measured"] else None
    kept = None
    if knob is not None:
        i, param, n0 = knob
        base = best["pipeline_config"]
        over, last, tried = n0, (n0, _measured(best)), set()
        n = fill_mod.first_size_down(n0, _measured(best), budget)
        for _ in range(SIZE_MEASURES):
            if n < 1 or n in tried or n >= over or (kept and n <= kept[0]):
                break
            tried.add(n)
            trial = {**best, "number": best["trial"], "pipeline": fill_mod.with_knob(base, i, param, n)}
            trial |= {"tie_score": None, "tiebreak": None, "events_dev": None}
            trial |= {"flash_bytes": 0, "ram_bytes": 0, "instructions": 0}  # the cost model's estimate: below
            art = out / "front" / f"trial-{best['trial']:04d}-sized-{n}"
            p = _train_point(trial, ds, art, board, budget, opts)
            if not p["measured"]:
                break
            if p["within_budget"]:
                kept = (n, p) if kept is None or n > kept[0] else kept
            else:
                over = min(over, n)
            note(
                f"tune: trial {best['trial']}: {param} {n} measured {'within' if p['within_budget'] else 'over'} the "
                f"budget (flash {p['flash_bytes']:,} B, RAM {p['ram_bytes']:,} B, "
                f"{p['instructions_per_inference']:,.0f} instructions)"
            )
            nxt = fill_mod.size_from_measured(last[0], n, last[1], _measured(p), budget, cap=over - 1)
            last, n = (n, _measured(p)), nxt
        _drop_exports(out, best["trial"], "sized", tried - {kept[0] if kept else None})
    if kept is not None:
        n, p = kept
        payload = _payload(best["trial"], p["pipeline_config"], board.model_dump(mode="json"), budget, opts, space)
        r = evaluate({**payload, "budget": budget_mod.Budget(2**62, 2**62, 2**62).to_dict()})  # judged as measured
        if r.get("flash_bytes") is not None and not r.get("error"):
            p |= {"accuracy_cv": r["accuracy_cv"], "score": report.score(r)}
            p["estimate"] = {k: r[k] for k in ("flash_bytes", "ram_bytes", "instructions")}
            p["differs"] = _differs(p)
            p["summary"] = f"{best['summary']} ({param} {n0} -> {n})"
            _replace_best(points, best, p, "sized", param, n0, n)
            note(
                f"tune: trial {best['trial']}: over the budget as measured; {param} sized down from {n0} to {n}, "
                f"which fits as measured (cross-validated {best['accuracy_cv']:.4f} -> {p['accuracy_cv']:.4f})"
            )
            return p
        _drop_exports(out, best["trial"], "sized", {n})  # not scored: not kept
    fits = [p for p in points if p["within_budget"]]
    alt = report.best_point(fits)
    why = "no smaller size fit as measured"
    if knob is None:
        why = "it was not measured" if not best["measured"] else "it has no size knob"
    if alt is not None:
        note(
            f"tune: trial {best['trial']}: over the budget as measured and {why}; best is trial {alt['trial']}, "
            "the best front point that fits as measured"
        )
    return alt


def _drop_exports(out: Path, trial: int, kind: str, sizes) -> None:
    """Remove the resized exports of ``trial`` not kept (``kind``: "filled" or "sized"): only
    the kept one is a front point."""
    import shutil

    for n in sizes:
        shutil.rmtree(out / "front" / f"trial-{trial:04d}-{kind}-{n}", ignore_errors=True)


def _replace_best(points: list[dict], best: dict, p: dict, kind: str, param: str, n0: int, n: int) -> None:
    """Put the resized point ``p`` in place of ``best`` in ``points``, recording under ``kind``
    ("filled" or "sized") the size knob, both sizes and the searched point's figures."""
    searched = {k: best[k] for k in (*report.POINT_FIELDS, "score", "tie_score", "tiebreak")}
    p[kind] = {"param": param, "from": n0, "to": n, "searched": searched}
    points[points.index(best)] = p


def _measured(p: dict) -> dict:
    """A front point's flash, RAM and instructions under the cost estimate's keys."""
    return {
        "flash_bytes": p["flash_bytes"],
        "ram_bytes": p["ram_bytes"],
        "instructions": p["instructions_per_inference"],
    }


def _differs(p: dict) -> list[str]:
    out = []
    for key, name in (("flash_bytes", "flash"), ("ram_bytes", "RAM"), ("instructions", "instructions")):
        est = float(p["estimate"][key])
        got = float(p["instructions_per_inference"] if key == "instructions" else p[key])
        if got > 0 and abs(est - got) / got > 0.10:
            out.append(f"{name}: cost model {est:,.0f} vs measured {got:,.0f} ({(est - got) / got:+.0%})")
    return out


def _write_yaml(path: Path, data: dict, header: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# {header}\n" + yaml.safe_dump(data, sort_keys=False, default_flow_style=None))
