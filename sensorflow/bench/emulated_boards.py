"""The emulated boards a bench section can use on this machine, and why not the others."""

from __future__ import annotations

from ..device import measure


def usable_boards(boards: tuple[str, ...]) -> tuple[list[str], dict[str, str]]:
    """(the boards whose compiler and emulator are installed, {board: why not} for the others;
    each reason names its board and the packages to install)."""
    missing = {b: why for b in boards if (why := measure.tools_available(b))}
    return [b for b in boards if b not in missing], missing
