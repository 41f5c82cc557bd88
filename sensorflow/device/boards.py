"""Board definitions: ``boards/*.yaml`` validated by :class:`Board` (after Zephyr's board YAML:
architecture, CPU, FPU, clock, RAM and flash available to the application, toolchain, serial
settings, flash command, emulator and firmware port). The board files are the only source of
board facts; :func:`search_dirs` is the one place that decides where they are found."""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..config import line_of, parse_yaml
from ..errors import ConfigError
from ..resources import shipped

BOARDS_DIR = shipped("boards")  # the package's own board files (a wheel carries them)
ENV_PATH = "SENSORFLOW_BOARDS_PATH"
_extra_dirs: list[Path] = []  # set by the CLI's --boards-dir


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Toolchain(_Strict):
    """C compiler for the board and the flags that select its CPU/ABI (warnings and -O are
    added by the exporter)."""

    cc: str = Field(description="compiler executable, e.g. arm-none-eabi-gcc")
    cflags: list[str] = Field(default_factory=list, description="architecture flags: -mcpu, -mfpu, -march ...")
    ldflags: list[str] = Field(default_factory=list)
    defines: list[str] = Field(default_factory=list, description="e.g. SF_PORT_CORTEX_M (see sf_port.h)")
    fallback_cc: str | None = Field(None, description="compiler for the same ISA when cc is not installed")
    fallback_cflags: list[str] = Field(default_factory=list)

    def resolve(self) -> tuple[str, list[str]] | None:
        """(compiler path, cflags) of the first installed compiler, or None."""
        found = shutil.which(self.cc)
        if found:
            return found, list(self.cflags)
        found = shutil.which(self.fallback_cc) if self.fallback_cc else None
        if found:
            return found, list(self.fallback_cflags or self.cflags)
        return None


class Serial(_Strict):
    baudrate: int = Field(115200, gt=0)
    reset_on_open: bool = Field(False, description="the board resets when the port opens (DTR/RTS auto-reset)")
    boot_delay_s: float = Field(0.0, ge=0, description="wait this long after opening before the first frame")
    usb_cdc: bool = False


class Flash(_Strict):
    """How to program a real board; {elf}, {bin}, {hex}, {uf2} and {port} are filled in."""

    command: str
    image: Literal["elf", "bin", "hex", "uf2"] = "elf"


class Emulator(_Strict):
    """How to emulate the board (HIL and the measuring image run it instead of flashing)."""

    kind: Literal["qemu", "native"]
    program: str | None = Field(None, description="qemu-system-arm, qemu-system-riscv32; none for native")
    machine: str | None = None
    cpu: str | None = None
    args: list[str] = Field(default_factory=list, description="further emulator arguments (e.g. -bios none)")
    packages: str = Field("", description="Debian packages that provide the compiler and the emulator")
    semihosting: bool = Field(False, description="the measuring image stops QEMU through semihosting (Arm, Xtensa)")
    instructions_per_tick: int = Field(
        1, gt=0, description="instructions per counter tick under -icount shift=0 (SysTick at 25 MHz: 40)"
    )
    hil_icount_sleep: bool = Field(
        True,
        strict=True,  # true/false only: 1 or "yes" is a typo, not a choice
        description="HIL runs: while the guest waits for input, virtual time follows the host clock (QEMU "
        "-icount sleep=on) or jumps to the next timer (off: shorter round trips when the firmware arms no timer; "
        "instruction counts are exact either way)",
    )

    def argv(self) -> list[str]:
        """Emulator program, machine, CPU and extra arguments (no image, serial or -icount)."""
        out = [self.program or ""]
        out += ["-M", self.machine] if self.machine else []
        out += ["-cpu", self.cpu] if self.cpu else []
        return out + list(self.args)


class Firmware(_Strict):
    """The board's firmware port under ``sensorflow/device/firmware/<dir>/``: start-up, link
    script and the two port files (HIL and measuring image), with the flags both images use."""

    dir: str = Field(description="folder under sensorflow/device/firmware/")
    startup: list[str] = Field(default_factory=list, description="start-up files shared by both images")
    hil_port: str = Field("port.c", description="port of the HIL firmware (serial protocol, counters)")
    measure_port: str | None = Field(None, description="port of the measuring image (output, counter, exit)")
    link_script: str | None = None
    cflags: list[str] = Field(default_factory=list, description="added to toolchain.cflags (e.g. -O2 -g)")
    ldflags: list[str] = Field(default_factory=list, description="added to toolchain.ldflags (e.g. -lm)")
    hil_lanes: int = Field(
        1,
        strict=True,  # an integer: true or "5" is refused, not read as a lane count
        ge=1,
        le=8,
        description="UARTs the HIL firmware serves on the emulated board (HIL_PORT_LANES); the host spreads a "
        "window's frames over them. A board on --port uses lane 0 only",
    )


class Board(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    description: str
    arch: Literal["cortex-m", "riscv", "xtensa", "host"]
    cpu: str
    fpu: Literal["none", "single", "double"]
    clock_hz: int = Field(gt=0)
    ram_bytes: int = Field(gt=0, description="RAM available to the application")
    flash_bytes: int = Field(gt=0, description="flash available to the application")
    toolchain: Toolchain
    serial: Serial = Field(default_factory=Serial)
    flash: Flash | None = None
    emulator: Emulator | None = None
    firmware: Firmware | None = None
    idf_target: str | None = Field(None, description="ESP-IDF target name (esp32, esp32s3, esp32c3)")
    arduino_architectures: list[str] = Field(default_factory=list)
    source: str = Field("", exclude=True, description="file it was read from")

    @property
    def emulated(self) -> bool:
        return self.emulator is not None


def add_search_dir(path: str | os.PathLike) -> None:
    """Put a folder of the user's board files first on the search path (``--boards-dir``)."""
    p = Path(path)
    if not p.is_dir():
        raise ConfigError(f"{p}: --boards-dir is not a folder; give the folder that holds your <board>.yaml files")
    _extra_dirs.insert(0, p)


def search_dirs() -> list[Path]:
    """Where board files are looked for, first wins: ``--boards-dir``, then $SENSORFLOW_BOARDS_PATH
    (``os.pathsep``-separated), then ``./boards`` in the working directory, then the shipped ones."""
    env = [Path(p) for p in os.environ.get(ENV_PATH, "").split(os.pathsep) if p]
    cwd = Path("boards")
    local = [cwd] if cwd.is_dir() and cwd.resolve() != BOARDS_DIR.resolve() else []
    return [*_extra_dirs, *env, *local, BOARDS_DIR]


def load_file(path: str | os.PathLike) -> Board:
    """Read and validate one board YAML; errors name file:line and the key."""
    from ..config import read_yaml

    data, lines, shown = read_yaml(path)
    return _validate(data, lines, shown)


def parse(text: str, shown: str = "<board>") -> Board:
    data, lines, shown = parse_yaml(text, shown)
    return _validate(data, lines, shown)


def _validate(data, lines, shown) -> Board:
    if not isinstance(data, dict):
        raise ConfigError("a board file must be a mapping (name:, arch:, cpu: ...)", file=shown, line=1)
    try:
        return Board.model_validate({**data, "source": shown})
    except ValidationError as exc:
        errs = exc.errors()  # a misspelt key shows as missing + unknown: report the typo
        err = next((e for e in errs if e.get("type") == "extra_forbidden"), errs[0])
        key = tuple(err.get("loc", ()))
        msg = err.get("msg", "invalid value")
        if err.get("type") == "missing":
            msg = f"missing required key '{key[-1]}'; add it"
        elif err.get("type") == "extra_forbidden":
            allowed = list(_model_at(key[:-1]).model_fields) if _model_at(key[:-1]) else []
            close = difflib.get_close_matches(str(key[-1]), allowed, n=1, cutoff=0.6)
            msg = f"unknown key '{key[-1]}'; " + (
                f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(allowed)}"
            )
        elif err.get("input") is not None and not isinstance(err.get("input"), (dict, list)):
            msg = f"{msg[:1].lower() + msg[1:]}, got {err['input']!r}"
        raise ConfigError(msg, key=key, file=shown, line=line_of(lines, key)) from None


def _model_at(key: tuple) -> type[BaseModel] | None:
    model: type[BaseModel] = Board
    for part in key:
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        ann = field.annotation
        for cand in (Toolchain, Serial, Flash, Emulator, Firmware):
            if ann is cand or cand in getattr(ann, "__args__", ()):
                model = cand
                break
        else:
            return None
    return model


def board_files() -> dict[str, Path]:
    """Board name (file stem) -> file, first directory of the search path wins."""
    out: dict[str, Path] = {}
    for d in search_dirs():
        if d.is_dir():
            for p in sorted(d.glob("*.yaml")):
                out.setdefault(p.stem, p)
    return out


def names() -> list[str]:
    return sorted(board_files())


def all_boards() -> list[Board]:
    return [load_file(p) for _, p in sorted(board_files().items())]


def get(name_or_path: str | os.PathLike) -> Board:
    """A board by name (``boards/<name>.yaml``) or by the path of a board YAML."""
    text = str(name_or_path)
    p = Path(text)
    if text.endswith((".yaml", ".yml")) or os.sep in text:
        if not p.exists():
            raise ConfigError("no such board file; check the path", file=text)
        return load_file(p)
    files = board_files()
    if text not in files:
        close = difflib.get_close_matches(text, list(files), n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'?" if close else "run 'sensorflow boards' to list them"
        raise ConfigError(f"unknown board '{text}'; {hint}")
    board = load_file(files[text])
    if board.name != text:
        raise ConfigError(
            f"file is named '{text}' but says name: {board.name}; make them agree", key=("name",), file=str(files[text])
        )
    return board
