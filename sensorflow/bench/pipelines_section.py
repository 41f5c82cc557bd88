"""Whole demo pipelines, exported with sensorflow's C generator, on the emulated Cortex-M4F
(mps2-an386) and rv32imc (riscv32 virt, soft float), measured by
``sensorflow.device.measure.measure_pipeline`` (the demos report the same figures).

Per demo and board: held-out windows compiled into the measuring image;
``<prefix>_infer(window)`` per window (instructions per inference, labels checked against
the host pipeline) and ``<prefix>_push(hop samples)`` in steady state (instructions per hop,
and per second of signal). Flash = growth of the linked image over the same image with the
pipeline left out (so libm / libgcc soft-float routines it pulls in count); RAM = the
library's static data + bss plus the stack it adds (painted-stack high-water mark over the
harness's own). Published peer figures are quoted next to them, labelled as such."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np

from ..device import measure as qh
from ..errors import SensorflowError
from .demo_models import DEMOS, trained
from .emulated_boards import usable_boards
from .report import Section, Table, Target, not_available

TITLE = "Whole pipelines on emulated boards"
BOARDS = ("qemu-mps2-an386", "qemu-riscv32")
# issue 8 targets on the emulated M4F: (max RAM bytes, max flash bytes, max instructions, unit of the last)
TARGETS = {
    "gesture": (3 * 1024, 16 * 1024, 200_000, "per inference"),
    "wakeword": (24 * 1024, 64 * 1024, 3_000_000, "per second of audio"),
}
PUBLISHED = [
    ("Edge Impulse gestures example (published)", "6.4 KB", "42.5 KB", "17 ms on an 80 MHz Cortex-M4F (15 ms DSP)"),
    ("TFLM micro_speech (published)", "~10 KB", "model < 20 KB", "int8 model, 40-channel filterbank front end"),
]
# the published figures as bytes, for ratios: (demo compared, RAM, flash)
PUBLISHED_BYTES = {
    PUBLISHED[0][0]: ("gesture", 6.4 * 1024, 42.5 * 1024),
    PUBLISHED[1][0]: ("wakeword", 10 * 1024, 20 * 1024),
}
# (demo, board, quick) -> the figures measured by this process's last run of the section: the
# integer_pipelines section quotes the float demos beside their integer paths
MEASURED: dict[tuple[str, str, bool], dict] = {}


def measured_cells(r: dict, i16: bool = False) -> list:
    """A ``measure_pipeline`` result as table cells: instructions per inference, per hop and
    per second (``i16``: also per second on ``_push_i16``, None without that entry), flash,
    library flash, RAM, stack, and labels equal to the host's as "agree / k"."""
    speeds = [r["instr_infer"], r["instr_hop"], r["instr_per_second"]] + (
        [r.get("instr_per_second_i16")] if i16 else []
    )
    return [*speeds, r["flash"], r["lib_flash"], r["ram"], r["stack"], f"{r['agree']} / {r['k']}"]


def run(quick: bool = False) -> Section:
    boards, missing = usable_boards(BOARDS)
    if not boards:
        return not_available("pipelines", TITLE, "; ".join(missing.values()))
    try:
        from ..codegen.c import generate  # noqa: F401
    except ImportError as exc:
        return not_available("pipelines", TITLE, f"the C generator is missing ({exc})")
    sec = Section("pipelines", TITLE)
    sec.notes.append(
        "Each demo trained in this run (`sensorflow.training.train`), exported with `sensorflow.codegen.c.generate` "
        "for the board, and run on QEMU with -icount shift=0 at -O2. Flash = linked image growth over the same "
        "image without the pipeline (includes libm / libgcc routines it pulls in); RAM = static data + bss of the "
        "library plus the stack one inference uses (painted-stack high-water mark). Labels = device labels equal to the host pipeline's on the "
        "held-out windows in the image." + (" Quick run: gesture on the M4F only." if quick else "")
    )
    table = Table(
        "",
        [
            "demo",
            "board",
            "instructions / inference",
            "instructions / hop",
            "instructions / s of signal",
            "flash bytes",
            "library flash",
            "RAM bytes",
            "of which stack",
            "labels = host",
        ],
    )
    work_root = Path(tempfile.mkdtemp(prefix="sf-bench-pipe-"))
    results: dict[tuple[str, str], dict] = {}
    try:
        for name in ("gesture",) if quick else DEMOS:
            try:
                d = trained(name, small=quick)
            except (ImportError, SensorflowError) as exc:
                table.rows.append([name, "–", f"not available: {str(exc).splitlines()[0][:160]}"] + [None] * 7)
                continue
            X = np.asarray(d.result.test_windows, dtype=np.float32)
            for board in boards[:1] if quick else boards:
                try:
                    r = qh.measure_pipeline(d.pipeline, X, board, work_root / f"{name}-{board}")
                except Exception as exc:
                    table.rows.append([name, board, f"failed: {str(exc).splitlines()[0][:160]}"] + [None] * 7)
                    continue
                results[(name, board)] = MEASURED[(name, board, quick)] = r
                table.rows.append([name, board, *measured_cells(r)])
    finally:
        shutil.rmtree(work_root, ignore_errors=True)
    for board, why in missing.items():
        table.rows.append(["every demo", board, f"not available: {why}"] + [None] * 7)
    sec.tables.append(table)
    pub = Table(
        "Published peer figures (not re-measured) beside the same demo measured here (M4F)",
        ["peer", "RAM", "flash", "speed", "sensorflow demo", "RAM × peer", "flash × peer"],
    )
    for p in PUBLISHED:
        demo, ram, flash = PUBLISHED_BYTES[p[0]]
        r = results.get((demo, "qemu-mps2-an386"))
        pub.rows.append([*p, demo if r else f"{demo}: not measured", r and r["ram"] / ram, r and r["flash"] / flash])
    pub.notes.append("TFLM's flash figure is its model alone (< 20 KB), so the flash ratio is against that bound.")
    sec.tables.append(pub)
    for name, (max_ram, max_flash, max_instr, unit) in TARGETS.items():
        r = results.get((name, "qemu-mps2-an386"))
        why = "" if r else "not measured in this run"
        instr = None if not r else (r["instr_infer"] if unit == "per inference" else r["instr_per_second"])
        peer = PUBLISHED[0] if name == "gesture" else PUBLISHED[1]
        sec.targets += [
            Target(
                f"{name} on M4F: RAM", r["ram"] if r else None, max_ram, "B", peers=f"{peer[0]}: {peer[1]}", reason=why
            ),
            Target(
                f"{name} on M4F: flash",
                r["flash"] if r else None,
                max_flash,
                "B",
                peers=f"{peer[0]}: {peer[2]}",
                reason=why,
            ),
            Target(f"{name} on M4F: instructions {unit}", instr, max_instr, "", reason=why),
        ]
    return sec
