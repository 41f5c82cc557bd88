"""Drive one demo: pipeline -> data -> train -> evaluate -> export C -> HIL -> measure -> report."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..labels import natural_sorted
from .catalog import DEMOS, Demo, find_pipeline, load_pipeline, swap_model, train
from .report import target as make_target
from .steps import Steps, StepUnavailable


@dataclass
class DemoOptions:
    name: str
    out: Path | None = None
    board: str = "qemu-mps2-an386"
    small: bool = False
    pipeline: Path | None = None
    hil_windows: int = 12
    log: Callable[[str], None] = print
    numeric: str = "auto"  # as export --numeric: auto = int8 model on FPU-less boards, float elsewhere


# ---------------------------------------------------------------------- steps
def export_c(pipe, artifact_dir: Path, board: str, out: Path, numeric: str = "auto") -> dict:
    """``sensorflow export`` for the board (prefix sf_model, as the HIL firmware expects),
    sizes measured by cross-compiling."""
    from .steps import require

    export = require("sensorflow.device.export", "export", "C export (sensorflow.device.export)")
    from .. import artifact as art
    from ..device import boards

    meta = art.read_meta(artifact_dir)
    report = export(pipe, meta, boards.get(board), out, prefix="sf_model", measure=True, numeric=numeric)
    report["expected_hash"] = str(meta.get("content_hash", ""))[:16] or None
    report["detail"] = (f"flash {report['flash_bytes']:,} B, RAM {report['ram_bytes']:,} B ({report['source']}, "
                        "stack not included)")  # fmt: skip
    return report


def run_hil(
    pipe, export_dir: Path, board: str, windows: np.ndarray, build_dir: Path, log, expected_hash: str | None = None
) -> dict:
    from ..hil.int8_reference import reference_for
    from .steps import require

    pipe = reference_for(pipe, export_dir)  # an int8 model stage: compare with the int8 reference
    session = require("sensorflow.hil.session", None, "HIL (sensorflow.hil)")
    runner = require("sensorflow.hil.runner", "run_windows", "HIL (sensorflow.hil.runner)")
    report = require("sensorflow.hil.report", "to_dict", "HIL report (sensorflow.hil.report)")
    elf = session.build(board, export_dir, build_dir)
    with session.open_emulated(board, elf) as s:
        run = runner(s.client, windows, pipe, board=board, expected_hash=expected_hash)
        run.boot_seconds = s.boot_seconds
    d = report(run)
    d["per_inference"] = run.per_inference()
    d["counter_unit"] = run.counter_unit
    d["stack_used"] = max((r.stack_used for r in run.records), default=None)
    d["agreement"] = run.agreement
    d["passed"] = run.passed
    what = "labels agree" if run.value_rtol is None else f"values within rtol {run.value_rtol:g}"
    d["detail"] = f"{run.n} windows, {what} {100 * run.agreement:.1f} %"
    return d


def bench_boards() -> tuple[str, ...]:
    """Boards the measuring image runs on (sensorflow.device.measure)."""
    from ..device import measure

    return tuple(measure.measuring_boards())


def measure_on_board(pipe, windows: np.ndarray, board: str, work: Path, numeric: str = "auto") -> dict:
    """Flash, RAM and instructions of the exported library on the bench's measuring image, as
    ``sensorflow bench`` measures them: flash = linked image growth, RAM = the library's static
    data + bss plus the stack one inference adds over the harness's own, instructions per
    inference and per hop on the steady-state ``<prefix>_push`` path (every call completing a window)."""
    from ..device import measure

    missing = measure.tools_available(board)
    if missing:
        raise StepUnavailable(f"cannot measure on '{board}': {missing}")
    m = measure.measure_pipeline(pipe, windows, board, Path(work), numeric)
    m["detail"] = (f"RAM {m['ram']:,} B (stack {m['stack']:,} B), flash {m['flash']:,} B, "
                   f"{m['instr_infer']:,.0f} instructions per inference, "
                   f"{m['instr_per_second']:,.0f} per second of signal on the streaming path (_push)"
                   + (f", {m['instr_per_second_i16']:,.0f} on int16 counts (_push_i16)" if "instr_per_second_i16" in m else ""))  # fmt: skip
    return m


# ---------------------------------------------------------------------- the demo
def run(opts: DemoOptions) -> dict:
    """Run the demo; returns the report dict (with ``report`` = path of report.md)."""
    from . import detector, figures, regression

    demo = DEMOS.get(opts.name)
    if demo is None:
        raise DataError(f"unknown demo '{opts.name}'; choose one of: {', '.join(DEMOS)}")
    out = Path(opts.out) if opts.out else Path("build") / "demo" / opts.name
    out.mkdir(parents=True, exist_ok=True)
    log = opts.log
    steps = Steps(log)
    t0 = time.perf_counter()
    integer = _integer_board_path(opts)
    path = find_pipeline(opts.name, opts.pipeline, integer=integer)
    result: dict = {"demo": opts.name, "description": demo.description, "pipeline": _shown(path), "board": opts.board,
                    "small": opts.small, "targets": [], "sections": []}  # fmt: skip
    # the demo's own integer pipeline runs (not one given with --pipeline): its targets apply
    result["integer_pipeline"] = bool(integer and opts.pipeline is None and demo.integer_pipeline)

    s_pipe = steps.run("pipeline", load_pipeline, path, opts.small)
    s_data = steps.run("data", lambda: s_pipe.value.load_data(), needs=(s_pipe,))
    if s_data.ok:
        ds = s_data.value
        s_data.detail = f"{len(ds)} recordings from {ds.source}" + (
            f", {len(ds.streams)} streams" if ds.streams else ""
        )
    s_train = steps.run("train", lambda: train(s_pipe.value, s_data.value, out / "artifact", log), needs=(s_data,))
    scorer = None  # what the board computes: the float pipeline, or its int8 model's reference
    if s_train.ok:
        scorer = model_path(s_pipe.value, opts.board, opts.numeric)
        result["numeric"] = "int8" if scorer is not s_pipe.value else model_numeric(s_pipe.value, opts)
    metrics: dict = {}
    if s_train.ok:
        tr = s_train.value
        s_train.detail = (
            f"{tr.n_train} training / {tr.n_test} held-out windows, {tr.metrics.get('n_features')} features"
        )
        metrics["heldout"] = tr.metrics
        result["metrics"] = metrics
    evaluate = {
        "detector": detector.evaluate,
        "classifier": figures.evaluate_classifier,
        "regressor": regression.evaluate_regressor,
    }[demo.kind]
    s_eval = steps.run(
        "evaluate",
        lambda: (
            evaluate(s_pipe.value, s_data.value, s_train.value, out, result, demo, log, scorer)
            if demo.kind == "detector"
            else evaluate(s_pipe.value, s_data.value, s_train.value, out, result, demo, log)
        ),
        needs=(s_train,),
    )
    s_export = steps.run(
        "export",
        lambda: export_c(s_pipe.value, s_train.value.artifact, opts.board, out / "export", opts.numeric),
        needs=(s_train,),
    )
    s_hil = steps.run(
        "hil",
        lambda: run_hil(s_pipe.value, out / "export", opts.board, _hil_windows(s_train.value, opts.hil_windows),
                        out / "hil", log, s_export.value.get("expected_hash")),
        needs=(s_export,),
    )  # fmt: skip
    s_measure = None  # the bench's measuring image runs on the emulated boards only
    if opts.board in bench_boards():
        s_measure = steps.run(
            "measure",
            lambda: measure_on_board(
                s_pipe.value, s_train.value.test_windows[:8], opts.board, out / "measure", opts.numeric
            ),
            needs=(s_export,),
        )
    device = figures.device_section(s_pipe.value if s_pipe.ok else None, s_export, s_hil, s_measure, result)
    figures.targets(opts.name, result, metrics, device, s_eval)
    result["steps"] = [s.to_dict() for s in steps.results]
    result["ok"] = steps.all_ok
    result["seconds"] = round(time.perf_counter() - t0, 1)
    from .report import write, write_html

    report_path = write(result, out)
    result["report"] = str(report_path)
    if s_train.ok:
        result["html_report"] = str(write_html(result, out, s_train.value.artifact, s_export.value, s_hil.value))
    return result


def model_path(pipe, board: str, numeric: str):
    """The pipeline whose scores the board's export computes: ``pipe``, or (its model stage on
    the int8 path for this board and ``numeric``, as ``export`` decides) its int8 reference. A
    tree model's integer path (exact integer compares) scores as the float pipeline does."""
    from ..codegen.numeric import INTEGER_PATHS, integer_for
    from ..device import boards
    from ..hil.int8_reference import Int8Reference

    model = pipe.model
    if model is None or not integer_for(model.name, numeric, boards.get(board).fpu, model):
        return pipe
    if not INTEGER_PATHS[model.name].startswith("int8"):
        return pipe
    return Int8Reference(pipe)


def model_numeric(pipe, opts: DemoOptions) -> str:
    """``integer`` when the export runs the model's exact integer path (a tree model's integer
    compares), else ``float``."""
    from ..codegen.numeric import integer_for
    from ..device import boards

    model = pipe.model
    on = model is not None and integer_for(model.name, opts.numeric, boards.get(opts.board).fpu, model)
    return "integer" if on else "float"


def _integer_board_path(opts: DemoOptions) -> bool:
    """Does ``--numeric`` on this board take the integer path (as ``export`` decides)?"""
    from ..codegen.numeric import wants_integer
    from ..device import boards

    return wants_integer(opts.numeric, boards.get(opts.board).fpu)


def _shown(path: Path) -> str:
    """A path relative to the working directory when it is below it (reports travel)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _hil_windows(tr, n: int) -> np.ndarray:
    """Up to ``n`` held-out windows spread over the test set (every class represented; for a
    regression model, evenly spaced over the held-out windows)."""
    if tr.metrics.get("task") == "regression":
        return tr.test_windows[np.unique(np.linspace(0, len(tr.test_windows) - 1, n).round().astype(int))]
    X, y = tr.test_windows, np.asarray(tr.test_labels).astype(str)
    rng = np.random.default_rng(0)
    picks: list[int] = []
    classes = natural_sorted(y.tolist())
    for c in classes:
        idx = np.flatnonzero(y == c)
        picks += rng.choice(idx, size=min(len(idx), max(1, n // len(classes))), replace=False).tolist()
    return X[np.sort(picks)]


__all__ = [
    "DEMOS",
    "Demo",
    "DemoOptions",
    "find_pipeline",
    "load_pipeline",
    "run",
    "make_target",
    "swap_model",
    "train",
]
