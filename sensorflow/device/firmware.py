"""The firmware ports under ``sensorflow/device/firmware/`` (package data, so a wheel carries
them) and how to build the HIL firmware from them.

One folder per board holds the start-up, link script and two ports that both images share:
``port.c`` for the HIL firmware (``hil/``: serial protocol, counters, stack paint) and
``measure_port.c`` for the batch measuring image (``measure/harness.c``). Which files, flags
and emulator a board uses is written in its ``boards/<name>.yaml`` (``firmware:``,
``emulator:``)."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import CodegenError, HILError, SensorflowError
from . import boards, toolchain
from .boards import Board

FIRMWARE_DIR = Path(__file__).resolve().parent / "firmware"
HIL_DIR = FIRMWARE_DIR / "hil"
MEASURE_DIR = FIRMWARE_DIR / "measure"


def ported_boards() -> dict[str, Board]:
    """Boards with a firmware port and an emulator (the ones HIL can start itself)."""
    out = {}
    for b in boards.all_boards():
        if b.firmware is not None and b.emulator is not None:
            out[b.name] = b
    return out


def ported(name: str) -> Board:
    """The board ``name`` if it has a firmware port and an emulator, else a one-line HILError."""
    have = ported_boards()
    if name not in have:
        raise HILError(
            f"no HIL firmware port for board '{name}' (a firmware: section in boards/{name}.yaml); boards with one: "
            f"{', '.join(sorted(have))}. For another board, flash the HIL firmware yourself and pass "
            "--port PORT --no-flash"
        )
    return have[name]


def board_dir(board: Board) -> Path:
    assert board.firmware is not None
    return FIRMWARE_DIR / board.firmware.dir


def require_tools(board: Board) -> None:
    """The board's compiler and emulator are installed, else ToolMissingError naming the packages."""
    emu = board.emulator
    program = emu.program if emu is not None and emu.kind == "qemu" else None
    toolchain.require([board.toolchain.cc, program], emu.packages if emu else "", board.name)


def link_flags(board: Board) -> list[str]:
    """Toolchain link flags, the board's link script, then the firmware's own link flags."""
    assert board.firmware is not None
    script = ["-T", str(board_dir(board) / board.firmware.link_script)] if board.firmware.link_script else []
    return [*board.toolchain.ldflags, *script, *board.firmware.ldflags]


def pipeline_sources(export_dir: Path) -> list[Path]:
    """The pipeline library's C files in an export directory: those export_report.json lists
    (``sf_model.c`` and the ``sf_*.c`` runtime kernels, not example mains), else every
    ``sf_*.c`` there."""
    export_dir = Path(export_dir)
    report = export_dir / "export_report.json"
    if report.exists():
        try:
            names = json.loads(report.read_text()).get("files", [])
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise CodegenError(f"{report}: corrupt JSON; export again") from None
        sources = [export_dir / n for n in names if n.endswith(".c") and "/" not in n and n.startswith("sf_")]
    else:
        sources = sorted(export_dir.glob("sf_*.c"))
    if not (export_dir / "sf_model.h").exists() or export_dir / "sf_model.c" not in sources:
        raise CodegenError(
            f"{export_dir}: no exported C pipeline with prefix sf_model (sf_model.c / sf_model.h); "
            "export with 'sensorflow export ARTIFACT --board B --prefix sf_model'"
        )
    return sources


def build_hil(board: Board, export_dir: Path, out_dir: Path, extra_cflags: list[str] | None = None) -> Path:
    """Compile the HIL firmware + exported pipeline into ``out_dir/hil-<board>.elf`` with the
    strict warnings; the board's toolchain defines are added."""
    require_tools(board)
    fw = board.firmware
    assert fw is not None
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    elf = out_dir / f"hil-{board.name}.elf"
    bdir = board_dir(board)
    cmd = [
        board.toolchain.cc,
        *toolchain.STRICT_CFLAGS,
        *board.toolchain.cflags,
        *fw.cflags,
        *[f"-D{d}" for d in board.toolchain.defines],
        f"-DHIL_PORT_LANES={fw.hil_lanes}u",
        *(extra_cflags or []),
        f"-I{HIL_DIR}",
        f"-I{export_dir}",
        str(HIL_DIR / "hil_main.c"),
        str(HIL_DIR / "hil_proto.c"),
        *[str(bdir / s) for s in (*fw.startup, fw.hil_port)],
        *[str(p) for p in pipeline_sources(export_dir)],
        "-o",
        str(elf),
        *link_flags(board),
    ]
    try:
        toolchain.run(cmd, 1800, f"building the HIL firmware for {board.name}", log=out_dir / "build.log")
    except SensorflowError as exc:
        log = out_dir / "build.log"
        text = log.read_text() if log.exists() else str(exc)
        first = next((line for line in text.splitlines()[2:] if "error" in line), str(exc)[:200])
        raise CodegenError(f"building the HIL firmware for {board.name} failed: {first} (full log: {log})") from None
    return elf
