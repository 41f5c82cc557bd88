"""Compiler invocation for boards: the one set of strict warning flags (GCC's ``-W`` options;
any warning fails the build) and the subprocess runner every build and emulator run uses."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from ..errors import SensorflowError, ToolMissingError

# C99 and every warning that catches a float32 pipeline drifting to double or losing precision.
STRICT_CFLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-Wdouble-promotion", "-Wfloat-conversion", "-Wshadow"]


def require(tools: Iterable[str | None], packages: str = "", who: str = "") -> None:
    """Raise ToolMissingError naming the Debian packages when a tool is not on PATH."""
    missing = [t for t in tools if t and shutil.which(t) is None]
    if missing:
        lead = f"board '{who}' needs " if who else ""
        how = f"; install with: apt-get install --no-install-recommends {packages}" if packages else ""
        raise ToolMissingError(f"{lead}{', '.join(missing)} not found{how}")


def run(cmd: list[str], timeout: float, what: str, log: Path | None = None) -> str:
    """Run ``cmd`` (C locale, no stdin); its stdout, or a one-line SensorflowError naming
    ``what`` with the tail of its output (the full output in ``log`` when given)."""
    try:
        proc = subprocess.run(
            [str(c) for c in cmd],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "LC_ALL": "C"},
        )
    except subprocess.TimeoutExpired:
        raise SensorflowError(f"{what}: timed out after {timeout:.0f} s") from None
    if proc.returncode != 0:
        if log is not None:
            log.write_text(" ".join(map(str, cmd)) + "\n\n" + proc.stdout + proc.stderr)
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-6:]
        where = f" (full log: {log})" if log is not None else ""
        raise SensorflowError(f"{what} failed (exit {proc.returncode}): {' | '.join(tail)}{where}")
    return proc.stdout
