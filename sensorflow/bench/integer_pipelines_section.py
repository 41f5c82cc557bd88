"""The demos' integer-path pipelines (q15 front end, int8 network or integer tree compares) on
the emulated boards, judged against issue 27's targets; measured as the ``pipelines`` section
measures the float demos (``sensorflow.device.measure.measure_pipeline``, ``numeric="int8"``).

Per demo and board: instructions per inference, per hop and per second of signal on the float32
entry ``<prefix>_push``, and on the int16-count entry ``<prefix>_push_i16`` where the q15 front
end has one (a codec's samples, no float conversion); flash = linked image growth; RAM = static
data + bss plus the stack one inference adds. Labels are checked against the host's computation
of the same integer path: the pipeline itself (its q15 features and integer tree compares are its
definition), or the int8 network's numpy reference (``sensorflow.hil.int8_reference``)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np

from ..device import measure as qh
from ..errors import SensorflowError
from . import pipelines_section
from .demo_models import trained
from .emulated_boards import usable_boards
from .report import Section, Table, Target, not_available

TITLE = "Integer path on emulated boards (issue 27)"
BOARDS = ("qemu-mps2-an386", "qemu-riscv32", "qemu-xtensa-lx106")
QUICK_BOARDS = ("qemu-mps2-an386", "qemu-riscv32")
BOARD_NAMES = {"qemu-mps2-an386": "M4F", "qemu-riscv32": "rv32imc", "qemu-xtensa-lx106": "lx106"}
# demo -> its integer-path pipeline (the demo catalog's Demo.integer_pipeline; the bench may not
# import the demo package, tests/bench/test_integer_pipelines_section.py checks they match)
PIPELINES = {"wakeword": "wakeword_q15", "gesture": "gesture_q15"}
# issue 27's targets: (demo, board, figure, limit, unit); figure is a key of measure_pipeline's result
TARGETS = (
    ("wakeword", "qemu-mps2-an386", "ram", 10 * 1024, "B"),
    ("wakeword", "qemu-mps2-an386", "flash", 24 * 1024, "B"),
    ("wakeword", "qemu-mps2-an386", "instr_per_second_i16", 1_000_000, ""),
    ("wakeword", "qemu-riscv32", "instr_per_second_i16", 6_000_000, ""),
    ("gesture", "qemu-riscv32", "instr_infer", 150_000, ""),
    ("gesture", "qemu-mps2-an386", "instr_infer", 40_000, ""),
)
FIGURE_NAMES = {
    "ram": "RAM (static + stack)",
    "flash": "flash (linked growth)",
    "instr_per_second_i16": "instructions per second of audio (_push_i16, int16 counts)",
    "instr_infer": "instructions per inference",
}
# the float figure beside each target when the pipelines section did not measure it in this
# process: issue 27's "float today" column (from docs/benchmarks.md when the issue was filed)
FLOAT_TODAY = {
    ("wakeword", "qemu-mps2-an386", "ram"): 22_632,
    ("wakeword", "qemu-mps2-an386", "flash"): 45_260,
    ("wakeword", "qemu-mps2-an386", "instr_per_second"): 2_712_880,
    ("wakeword", "qemu-riscv32", "instr_per_second"): 134_649_031,
    ("gesture", "qemu-riscv32", "instr_infer"): 1_953_320,
    ("gesture", "qemu-mps2-an386", "instr_infer"): 62_285,
}
COLUMNS = [
    "demo",
    "pipeline",
    "board",
    "instructions / inference",
    "instructions / hop",
    "instructions / s (_push, float32)",
    "instructions / s (_push_i16, int16)",
    "flash bytes",
    "library flash",
    "RAM bytes",
    "of which stack",
    "labels = host",
]


def run(quick: bool = False) -> Section:
    boards, missing = usable_boards(BOARDS)
    if not boards:
        return not_available("integer_pipelines", TITLE, "; ".join(missing.values()))
    if quick:
        boards = [b for b in boards if b in QUICK_BOARDS]
    sec = Section("integer_pipelines", TITLE)
    sec.notes.append(
        "The demos' integer-path pipelines (" + ", ".join(f"`pipelines/{p}.yaml`" for p in PIPELINES.values()) + ") "
        "trained in this run, exported with `sensorflow.codegen.c.generate(numeric='int8')` and measured as the "
        "`pipelines` section measures the float demos (QEMU -icount shift=0, -O2; flash = linked image growth, "
        "RAM = static data + bss plus the stack one inference uses). Instructions per second are given on both "
        "streaming entries: `_push` takes float32 samples and quantises them, `_push_i16` takes the int16 counts "
        "a codec or IMU delivers; the wake word's speed target is judged on `_push_i16`, its `_push` figure is "
        "beside it. Labels = device labels equal to the host's computation of the same integer path (the int8 "
        "network's numpy reference for the wake word) on the held-out windows in the image. The wake word's "
        "accuracy target (recall at <= 1 false accept per hour on the demo streams) is reported by "
        "`sensorflow demo wakeword --numeric int8`, not here."
        + (" Quick run: the demos' small datasets, the M4F and rv32imc only." if quick else "")
    )
    table = Table("", COLUMNS)
    work_root = Path(tempfile.mkdtemp(prefix="sf-bench-int-"))
    results: dict[tuple[str, str], dict] = {}
    try:
        for demo, name in PIPELINES.items():
            try:
                d = trained(name, small=quick)
            except (ImportError, SensorflowError) as exc:
                table.rows.append(
                    [demo, name, "–", f"not available: {str(exc).splitlines()[0][:160]}"] + [None] * (len(COLUMNS) - 4)
                )
                continue
            X = np.asarray(d.result.test_windows, dtype=np.float32)
            host = host_reference(d.pipeline)
            for board in boards:
                try:
                    r = qh.measure_pipeline(d.pipeline, X, board, work_root / f"{name}-{board}", numeric="int8")
                    r["agree"] = agreement(host, X[: r["k"]], r["labels"])
                except Exception as exc:
                    table.rows.append(
                        [demo, name, board, f"failed: {str(exc).splitlines()[0][:160]}"] + [None] * (len(COLUMNS) - 4)
                    )
                    continue
                results[(demo, board)] = r
                table.rows.append([demo, name, board, *pipelines_section.measured_cells(r, i16=True)])
    finally:
        shutil.rmtree(work_root, ignore_errors=True)
    for board, why in missing.items():
        table.rows.append(["every demo", "–", board, f"not available: {why}"] + [None] * (len(COLUMNS) - 4))
    table.notes.append("A dash under _push_i16: the export has no `_push_i16` entry (no int16 streaming entry).")
    sec.tables.append(table)
    sec.targets += targets(results, quick)
    sec.targets += agreement_targets(results, boards, missing)
    return sec


def host_reference(pipe):
    """What the host computes for the board's integer export: the int8 network's reference when
    the model stage is an int8 network, else the pipeline itself (exact integer tree compares)."""
    from ..hil.int8_reference import Int8Reference
    from ..stages.models.int8 import STAGES

    model = pipe.model
    return Int8Reference(pipe) if model is not None and model.name in ("conv1d", *STAGES) else pipe


def agreement(host, X: np.ndarray, labels: list[int]) -> int:
    """Windows of ``X`` whose device class index ``labels`` equals the host's."""
    index = {c: i for i, c in enumerate(np.asarray(host.classes_).tolist())}
    want = [index[c] for c in np.asarray(host.predict(X)).tolist()]
    return int(sum(int(a) == b for a, b in zip(labels, want, strict=True)))


def targets(results: dict[tuple[str, str], dict], quick: bool) -> list[Target]:
    """Issue 27's targets, each with the float figure of the same demo beside it."""
    out = []
    for demo, board, figure, limit, unit in TARGETS:
        r = results.get((demo, board))
        measured = r.get(figure) if r else None
        why = "" if r else "not measured in this run"
        if r and measured is None:
            why = f"the export has no {figure} figure (no int16 entry)"
        float_figure = "instr_per_second" if figure == "instr_per_second_i16" else figure
        peers = float_beside(demo, board, float_figure, quick)
        if figure == "instr_per_second_i16" and r:
            peers = f"this export's _push (float32 samples): {r['instr_per_second']:,.0f}; " + peers
        out.append(
            Target(
                f"{demo} (integer path) on {BOARD_NAMES[board]}: {FIGURE_NAMES[figure]}",
                measured,
                limit,
                unit,
                peers=peers,
                reason=why,
            )
        )
    return out


def float_beside(demo: str, board: str, figure: str, quick: bool) -> str:
    """The float demo's figure: measured by the ``pipelines`` section earlier in this process (same
    --quick), else issue 27's published "float today" figure, labelled as such."""
    measured = pipelines_section.MEASURED.get((demo, board, quick))
    if measured is not None and measured.get(figure) is not None:
        return f"float {demo}.yaml, `pipelines` section this run: {measured[figure]:,.0f}"
    today = FLOAT_TODAY.get((demo, board, figure))
    return f"float {demo}.yaml, issue 27's 'float today' (not re-measured): {today:,}" if today else ""


def agreement_targets(results: dict[tuple[str, str], dict], boards: list[str], missing: dict[str, str]) -> list[Target]:
    """Issue 27: host/device labels agree on 100% of windows on every emulated board (every demo)."""
    out = []
    for board in BOARDS:
        rs = {demo: results[(demo, board)] for demo in PIPELINES if (demo, board) in results}
        n = sum(r["k"] for r in rs.values())
        why = missing.get(board) or ("not run with --quick" if board not in boards else "no demo measured")
        out.append(
            Target(
                f"integer path on {BOARD_NAMES[board]}: windows whose device label = host's",
                100.0 * sum(r["agree"] for r in rs.values()) / n if n else None,
                100.0,
                "%",
                at_least=True,
                peers=", ".join(f"{demo} {r['agree']} / {r['k']}" for demo, r in rs.items()),
                reason="" if n else why,
            )
        )
    return out
