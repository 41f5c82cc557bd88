"""Measure an exported pipeline on the emulated board that stands for ``board``: flash, RAM and
instructions per inference from the measuring image, as the demos' benchmark does (the
Cortex-M4F boards on QEMU's mps2-an386, the RISC-V boards on QEMU's riscv32 virt)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np


def emulated_for(board) -> str | None:
    """The emulated measuring board for a board definition, or None when there is none."""
    if board.arch == "cortex-m" and board.fpu != "none":
        return "qemu-mps2-an386"
    if board.arch == "riscv":
        return "qemu-riscv32"
    return None


def measure_pipeline(artifact_dir, board) -> dict:
    """``{"measured": bool, "flash_bytes", "ram_bytes", "instructions_per_inference",
    "emulator", "reason"}`` for the trained artifact in ``artifact_dir`` on ``board``."""
    from .. import artifact
    from ..errors import SensorflowError

    target = emulated_for(board)
    if target is None:
        return {"measured": False, "reason": f"no emulated measuring board for {board.name} ({board.arch})"}
    from ..device import measure

    missing = measure.tools_available(target)
    if missing:
        return {"measured": False, "reason": missing}
    pipe, _ = artifact.load(artifact_dir)
    X = artifact.load_array(artifact_dir, "test_windows")
    if X is None or not len(X):
        return {"measured": False, "reason": f"{artifact_dir}: no test windows to run"}
    try:
        with tempfile.TemporaryDirectory(prefix="sf-tune-measure-") as work:
            m = measure.measure_pipeline(
                pipe, np.asarray(X, dtype=np.float32), target, Path(work), numeric=pipe.config.export.numeric
            )
    except (SensorflowError, OSError) as exc:
        return {"measured": False, "reason": str(exc).splitlines()[0] if str(exc) else type(exc).__name__}
    return {
        "measured": True,
        "emulator": target,
        "flash_bytes": int(m["flash"]),
        "ram_bytes": int(m["ram"]),
        "instructions_per_inference": float(m["instr_infer"]),
        "agree": f"{m['agree']}/{m['k']}",
    }
