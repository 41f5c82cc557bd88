"""sensorflow boards: list the board definitions (boards/*.yaml and $SENSORFLOW_BOARDS_PATH)."""

from __future__ import annotations

from pathlib import Path

from ..device import boards
from ..errors import ConfigError


def add_arguments(p):
    p.add_argument("name", nargs="?", help="show one board in full")


def _kb(n: int) -> str:
    return f"{n // 1024} KB" if n < 1024 * 1024 else f"{n / (1024 * 1024):.3g} MB"


def run(args, out) -> int:
    if args.name:
        b = boards.get(args.name)
        data = b.model_dump(mode="json")
        data["toolchain_installed"] = b.toolchain.resolve() is not None
        out.set(board=data)
        for k, v in data.items():
            out.print(f"{k:22s} {v}")
        return 0
    found = boards.all_boards()
    if not found:
        where = ", ".join(str(d) for d in boards.search_dirs())
        raise ConfigError(f"no board files (*.yaml) found in {where}; check --boards-dir or ${boards.ENV_PATH}")
    rows = []
    for b in found:
        rows.append(
            {
                "name": b.name,
                "description": b.description,
                "arch": b.arch,
                "cpu": b.cpu,
                "fpu": b.fpu,
                "clock_hz": b.clock_hz,
                "ram_bytes": b.ram_bytes,
                "flash_bytes": b.flash_bytes,
                "toolchain": Path(b.toolchain.resolve()[0]).name if b.toolchain.resolve() else b.toolchain.cc,
                "toolchain_installed": b.toolchain.resolve() is not None,
                "emulator": b.emulator.kind if b.emulator else None,
            }
        )
    out.set(boards=rows)
    out.print(f"{'board':17s} {'arch':9s} {'cpu':14s} {'fpu':6s} {'MHz':>5s} {'RAM':>8s} {'flash':>8s}  toolchain")
    for r in rows:
        tc = r["toolchain"] + ("" if r["toolchain_installed"] else " (not installed)")
        emu = f"  [emulated: {r['emulator']}]" if r["emulator"] else ""
        out.print(
            f"{r['name']:17s} {r['arch']:9s} {r['cpu']:14s} {r['fpu']:6s} {r['clock_hz'] // 1000000:5d} "
            f"{_kb(r['ram_bytes']):>8s} {_kb(r['flash_bytes']):>8s}  {tc}{emu}"
        )
    return 0
