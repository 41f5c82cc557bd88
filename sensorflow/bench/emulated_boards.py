"""The emulated boards a bench section can use on this machine, and why not the others."""

from __future__ import annotations

from pathlib import Path

from ..device import boards as board_defs
from ..device import measure
from ..device.export import export
from ..hil import session
from ..hil.int8_reference import reference_for


def usable_boards(boards: tuple[str, ...]) -> tuple[list[str], dict[str, str]]:
    """(the boards whose compiler and emulator are installed, {board: why not} for the others;
    each reason names its board and the packages to install)."""
    missing = {b: why for b in boards if (why := measure.tools_available(b))}
    return [b for b in boards if b not in missing], missing


def hil_firmware(pipe, board: str, work: Path):
    """Export ``pipe`` for ``board`` under ``work/board`` and build its HIL firmware; (the ELF, the
    reference its answers are compared with, as ``sensorflow hil`` does: the int8 network's scores
    for an int8 export)."""
    exp = work / board / "export"
    export(pipe, {}, board_defs.get(board), exp, prefix="sf_model", measure=False)
    return session.build(board, exp, work / board / "fw"), reference_for(pipe, exp)
