"""Instruction counts on emulated boards: a batch measuring image run under QEMU ``-icount``.

``measure_c(sources, entry, board)`` compiles the given C files together with a small
bare-metal image (``sensorflow/bench/qemu/``: start-up, vector table, FPU enable, linker
script, UART output, exit through semihosting or the SiFive test device), runs ``entry(i)``
for every input ``i`` once (results pass, printed), then times ``repeat`` passes over all
inputs against the same passes over an empty function of the same signature. With
``-icount shift=0`` QEMU executes exactly one instruction per virtual nanosecond, so

    instructions per call = (region - empty region) / calls

is deterministic (field-facts: "test vectors compiled into the image; per-prediction =
(region - empty-loop region) / N"). Arm counts come from SysTick on the processor clock
(one tick = ``ticks_to_instructions`` instructions, checked by ``calibrate``); RISC-V counts
come from ``minstret``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..errors import SensorflowError, ToolMissingError

FIRMWARE = Path(__file__).resolve().parent / "qemu"


@dataclasses.dataclass(frozen=True)
class EmulatedBoard:
    """How to build for and run one emulated board."""

    name: str
    cc: str
    cflags: tuple[str, ...]
    ldflags: tuple[str, ...]
    port_sources: tuple[str, ...]
    qemu: tuple[str, ...]
    ticks_to_instructions: int
    apt_packages: str


BOARDS: dict[str, EmulatedBoard] = {
    "qemu-mps2-an386": EmulatedBoard(
        name="qemu-mps2-an386",
        cc="arm-none-eabi-gcc",
        cflags=("-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"),
        ldflags=("--specs=nano.specs", "--specs=nosys.specs", "-nostartfiles", "-T", "arm/link.ld"),
        port_sources=("arm/startup.c", "arm/port.c"),
        qemu=(
            "qemu-system-arm",
            "-M",
            "mps2-an386",
            "-icount",
            "shift=0",
            "-display",
            "none",
            "-monitor",
            "none",
            "-serial",
            "stdio",
            "-semihosting-config",
            "enable=on,target=native",
        ),
        # mps2 SysTick runs on the 25 MHz system clock: 40 ns per tick = 40 instructions
        ticks_to_instructions=40,
        apt_packages="gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm",
    ),
    "qemu-riscv32": EmulatedBoard(
        name="qemu-riscv32",
        cc="riscv64-unknown-elf-gcc",
        cflags=("-march=rv32imc", "-mabi=ilp32", "-misa-spec=2.2", "-mcmodel=medany", "--specs=picolibc.specs"),
        ldflags=("-nostartfiles", "-T", "riscv/link.ld"),
        port_sources=("riscv/start.S", "riscv/port.c"),
        qemu=(
            "qemu-system-riscv32",
            "-M",
            "virt",
            "-cpu",
            "rv32",
            "-bios",
            "none",
            "-icount",
            "shift=0",
            "-display",
            "none",
            "-monitor",
            "none",
            "-serial",
            "stdio",
        ),
        ticks_to_instructions=1,
        apt_packages="gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc",
    ),
}


@dataclasses.dataclass
class Measurement:
    """What one run of the measuring image reported."""

    board: str
    instructions_per_call: float
    region_instructions: int
    empty_instructions: int
    calls: int
    results: list[int]
    words: list[int]
    image_sizes: dict[str, int]
    stack_bytes: int = 0

    def floats(self):
        """The ``bench_out_f32`` words as float32 values."""
        import numpy as np

        return np.array(self.words, dtype=np.uint32).view(np.float32)


def get_board(name: str) -> EmulatedBoard:
    try:
        return BOARDS[name]
    except KeyError:
        raise SensorflowError(f"unknown emulated board {name!r}; choose one of {', '.join(BOARDS)}") from None


def require_tools(board: EmulatedBoard) -> None:
    """Raise ToolMissingError naming the Debian packages when the cross compiler or QEMU is absent."""
    missing = [t for t in (board.cc, board.qemu[0]) if shutil.which(t) is None]
    if missing:
        raise ToolMissingError(
            f"{', '.join(missing)} not found; install with: apt-get install --no-install-recommends {board.apt_packages}"
        )


def tools_available(board_name: str) -> str | None:
    """None when the board can be used, else the reason it cannot."""
    try:
        require_tools(get_board(board_name))
    except SensorflowError as exc:
        return str(exc)
    return None


def compile_object(
    source: str | Path,
    board: str,
    *,
    opt: str = "-O2",
    include_dirs: Iterable = (),
    defines: Iterable[str] = (),
    extra_cflags: Iterable[str] = (),
    out: Path | None = None,
    timeout: float = 1800,
) -> Path:
    """Cross-compile one C file to an object file for ``board``; returns the object path."""
    b = get_board(board)
    require_tools(b)
    source = Path(source)
    if out is None:
        out = Path(tempfile.mkdtemp(prefix="sf-obj-")) / (source.stem + ".o")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        b.cc,
        *b.cflags,
        opt,
        "-std=c99",
        "-ffunction-sections",
        "-fdata-sections",
        *(f"-I{d}" for d in include_dirs),
        *(f"-D{d}" for d in defines),
        *extra_cflags,
        "-c",
        str(source),
        "-o",
        str(out),
    ]
    _run(cmd, timeout, what=f"compiling {source.name} for {board}")
    return out


def object_size(path: str | Path) -> dict[str, int]:
    """Berkeley-style sizes of an object or ELF (as ``size`` prints): text, data, bss.

    text = allocated read-only sections (code and const tables), data = allocated writable
    sections with contents, bss = allocated sections without contents."""
    from elftools.elf.constants import SH_FLAGS
    from elftools.elf.elffile import ELFFile

    sizes = {"text": 0, "data": 0, "bss": 0}
    with open(path, "rb") as fh:
        for sec in ELFFile(fh).iter_sections():
            flags = sec["sh_flags"]
            if not flags & SH_FLAGS.SHF_ALLOC:
                continue
            if sec["sh_type"] == "SHT_NOBITS":
                sizes["bss"] += sec["sh_size"]
            elif flags & SH_FLAGS.SHF_WRITE:
                sizes["data"] += sec["sh_size"]
            else:
                sizes["text"] += sec["sh_size"]
    sizes["flash"] = sizes["text"] + sizes["data"]
    sizes["ram"] = sizes["data"] + sizes["bss"]
    return sizes


def measure_c(
    sources: Sequence[str | Path],
    entry: str,
    board: str = "qemu-mps2-an386",
    *,
    n_inputs: int = 1,
    repeat: int = 1,
    n_results: int | None = None,
    opt: str = "-O2",
    include_dirs: Iterable = (),
    defines: Iterable[str] = (),
    extra_cflags: Iterable[str] = (),
    libs: Iterable[str] = ("-lm",),
    workdir: str | Path | None = None,
    timeout: float = 1800,
) -> Measurement:
    """Build ``sources`` with the measuring image for ``board``, run it under QEMU -icount.

    ``entry`` names ``int entry(int i)`` in the sources; the results pass calls it for i in
    0..n_results-1 (default n_inputs) and the timed passes for i in 0..n_inputs-1.
    Returns a Measurement; ``instructions_per_call`` is (region - empty region) / calls."""
    b = get_board(board)
    require_tools(b)
    if n_inputs < 1 or repeat < 1 or (n_results is not None and n_results < n_inputs):
        raise SensorflowError("measure_c: n_inputs and repeat must be >= 1 (n_results >= n_inputs)")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", entry):
        raise SensorflowError(f"measure_c: entry {entry!r} is not a C identifier")
    own_dir = workdir is None
    work = Path(tempfile.mkdtemp(prefix="sf-bench-")) if own_dir else Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    try:
        elf = work / "bench.elf"
        fw = [str(FIRMWARE / s) for s in (*b.port_sources, "harness.c")]
        ld = [f if not f.endswith(".ld") else str(FIRMWARE / f) for f in b.ldflags]
        cmd = [
            b.cc,
            *b.cflags,
            opt,
            "-std=c99",
            "-ffunction-sections",
            "-fdata-sections",
            f"-I{FIRMWARE}",
            *(f"-I{d}" for d in include_dirs),
            f"-DBENCH_ENTRY={entry}",
            f"-DBENCH_N_INPUTS={int(n_inputs)}",
            f"-DBENCH_REPEAT={int(repeat)}",
            f"-DBENCH_N_RESULTS={int(n_results or n_inputs)}",
            *(f"-D{d}" for d in defines),
            *extra_cflags,
            *fw,
            *(str(s) for s in sources),
            *ld,
            "-Wl,--gc-sections",
            *libs,
            "-o",
            str(elf),
        ]
        _run(cmd, timeout, what=f"linking the measuring image for {board}")
        stdout = _run([*b.qemu, "-kernel", str(elf)], timeout, what=f"running {board} in QEMU")
        m = parse_output(stdout, b)
        m.image_sizes = object_size(elf)
        return m
    finally:
        if own_dir:
            shutil.rmtree(work, ignore_errors=True)


def parse_output(text: str, board: EmulatedBoard) -> Measurement:
    """Read the lines printed by harness.c."""
    if "FAULT" in text:
        raise SensorflowError(f"the measuring image faulted on {board.name}: {text.strip()[-200:]}")
    if "DONE" not in text:
        raise SensorflowError(f"the measuring image on {board.name} stopped early: {text.strip()[-200:]!r}")
    results: dict[int, int] = {}
    words: list[int] = []
    vals: dict[str, int] = {}
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "R" and len(parts) == 3:
            results[int(parts[1])] = int(parts[2])
        elif parts[0] == "W" and len(parts) == 2:
            words.append(int(parts[1], 16))
        elif parts[0] in ("EMPTY", "REGION", "CALLS", "STACK") and len(parts) == 2:
            vals[parts[0]] = int(parts[1])
    k = board.ticks_to_instructions
    empty, region, calls = vals["EMPTY"] * k, vals["REGION"] * k, vals["CALLS"]
    return Measurement(
        board=board.name,
        instructions_per_call=(region - empty) / calls,
        region_instructions=region,
        empty_instructions=empty,
        calls=calls,
        results=[results[i] for i in sorted(results)],
        words=words,
        image_sizes={},
        stack_bytes=vals.get("STACK", 0),
    )


def calibrate(board: str = "qemu-mps2-an386", iterations: int = 100_000) -> float:
    """Instructions per call measured for an assembly loop of exactly 2 * iterations + c instructions.

    Returns measured / expected; 1.0 (within one counter tick) confirms ``ticks_to_instructions``."""
    b = get_board(board)
    if board == "qemu-mps2-an386":
        body = '__asm__ volatile("mov r0, %0\\n1: subs r0, r0, #1\\n bne 1b" :: "r"(n) : "r0", "cc");'
    else:
        body = '__asm__ volatile("mv t0, %0\\n1: addi t0, t0, -1\\n bnez t0, 1b" :: "r"(n) : "t0");'
    src = f"int loop_entry(int i);\nint loop_entry(int i)\n{{\n    unsigned n = {int(iterations)}u;\n    {body}\n    return i;\n}}\n"
    with tempfile.TemporaryDirectory(prefix="sf-cal-") as d:
        p = Path(d) / "loop.c"
        p.write_text(src)
        m = measure_c([p], "loop_entry", board, n_inputs=1, repeat=4)
    # mov/mv + 2 per iteration + the loop's own prologue differences are a handful of instructions
    expected = 2 * iterations
    return m.instructions_per_call / expected if b else float("nan")


def cache_key(*parts: object) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(repr(p).encode())
    return h.hexdigest()[:16]


def _run(cmd: list[str], timeout: float, what: str) -> str:
    try:
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "LC_ALL": "C"},
        )
    except subprocess.TimeoutExpired:
        raise SensorflowError(f"{what}: timed out after {timeout:.0f} s") from None
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-6:]
        raise SensorflowError(f"{what} failed (exit {proc.returncode}): {' | '.join(tail)}")
    return proc.stdout
