"""Instruction counts and footprint on emulated boards: a batch measuring image run under QEMU ``-icount``.

``measure_c(sources, entry, board)`` compiles the given C files together with the board's
firmware port (``sensorflow/device/firmware/<board>/``: the HIL firmware's start-up, vector
table, FPU enable and link script, plus ``measure_port.c``: UART output, counter, exit through
semihosting (Arm, Xtensa ``simcall``) or the SiFive test device) and ``firmware/measure/harness.c``,
runs ``entry(i)`` for every input ``i`` once (results pass, printed), then times ``repeat`` passes
over all inputs against the same passes over an empty function of the same signature. With
``-icount shift=0`` QEMU executes exactly one instruction per virtual nanosecond, so

    instructions per call = (region - empty region) / calls

is deterministic (field-facts: "test vectors compiled into the image; per-prediction =
(region - empty-loop region) / N"). Arm counts come from SysTick on the processor clock
(one tick = the board file's ``emulator.instructions_per_tick``, checked by ``calibrate``); RISC-V counts
come from ``minstret``, Xtensa lx106 counts from the debug option's ``ICOUNT``. Peers (CMSIS-DSP)
and sensorflow's own code are measured with this one method. ``measure_pipeline`` measures an
exported pipeline (as ``sensorflow bench`` and the demos report it).
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from ..dsp import fixed
from ..errors import SensorflowError
from . import boards, elf, firmware, toolchain
from .boards import Board


def measuring_boards() -> dict[str, Board]:
    """Emulated boards whose firmware port has a measuring image (``firmware.measure_port``)."""
    return {n: b for n, b in firmware.ported_boards().items() if b.firmware.measure_port and b.emulator.kind == "qemu"}


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
        return np.array(self.words, dtype=np.uint32).view(np.float32)


def get_board(name: str) -> Board:
    """The emulated board ``name`` with a measuring image, else a one-line SensorflowError."""
    have = measuring_boards()
    if name not in have:
        raise SensorflowError(f"unknown emulated board {name!r}; choose one of {', '.join(sorted(have))}")
    return have[name]


def tools_available(board_name: str) -> str | None:
    """None when the board can be used, else the reason it cannot."""
    try:
        firmware.require_tools(get_board(board_name))
    except SensorflowError as exc:
        return str(exc)
    return None


def qemu_argv(board: Board) -> list[str]:
    """QEMU for the measuring image: exact instruction counts, UART on stdout, no monitor."""
    emu = board.emulator
    semi = ["-semihosting-config", "enable=on,target=native"] if emu.semihosting else []
    return [*emu.argv(), "-icount", "shift=0", "-display", "none", "-monitor", "none", "-serial", "stdio", *semi]


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
    firmware.require_tools(b)
    source = Path(source)
    if out is None:
        out = Path(tempfile.mkdtemp(prefix="sf-obj-")) / (source.stem + ".o")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        b.toolchain.cc,
        *b.toolchain.cflags,
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
    toolchain.run(cmd, timeout, what=f"compiling {source.name} for {board}")
    return out


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
    firmware.require_tools(b)
    if n_inputs < 1 or repeat < 1 or (n_results is not None and n_results < n_inputs):
        raise SensorflowError("measure_c: n_inputs and repeat must be >= 1 (n_results >= n_inputs)")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", entry):
        raise SensorflowError(f"measure_c: entry {entry!r} is not a C identifier")
    own_dir = workdir is None
    work = Path(tempfile.mkdtemp(prefix="sf-bench-")) if own_dir else Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    try:
        image = work / "bench.elf"
        bdir = firmware.board_dir(b)
        fw = [str(bdir / f) for f in (*b.firmware.startup, b.firmware.measure_port)]
        fw.append(str(firmware.MEASURE_DIR / "harness.c"))
        ld = [*b.toolchain.ldflags, "-T", str(bdir / b.firmware.link_script)]
        cmd = [
            b.toolchain.cc,
            *b.toolchain.cflags,
            opt,
            "-std=c99",
            "-ffunction-sections",
            "-fdata-sections",
            f"-I{firmware.MEASURE_DIR}",
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
            str(image),
        ]
        toolchain.run(cmd, timeout, what=f"linking the measuring image for {board}")
        stdout = toolchain.run([*qemu_argv(b), "-kernel", str(image)], timeout, what=f"running {board} in QEMU")
        m = parse_output(stdout, b)
        m.image_sizes = elf.sizes(image)
        return m
    finally:
        if own_dir:
            shutil.rmtree(work, ignore_errors=True)


def parse_output(text: str, board: Board) -> Measurement:
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
    k = board.emulator.instructions_per_tick
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

    Returns measured / expected; 1.0 (within one counter tick) confirms the board's ``emulator.instructions_per_tick``."""
    b = get_board(board)
    if b.arch == "cortex-m":
        body = '__asm__ volatile("mov r0, %0\\n1: subs r0, r0, #1\\n bne 1b" :: "r"(n) : "r0", "cc");'
    elif b.arch == "xtensa":
        body = '__asm__ volatile("mov a9, %0\\n1: addi a9, a9, -1\\n bnez a9, 1b" :: "a"(n) : "a9");'
    else:
        body = '__asm__ volatile("mv t0, %0\\n1: addi t0, t0, -1\\n bnez t0, 1b" :: "r"(n) : "t0");'
    src = f"int loop_entry(int i);\nint loop_entry(int i)\n{{\n    unsigned n = {int(iterations)}u;\n    {body}\n    return i;\n}}\n"
    with tempfile.TemporaryDirectory(prefix="sf-cal-") as d:
        p = Path(d) / "loop.c"
        p.write_text(src)
        m = measure_c([p], "loop_entry", board, n_inputs=1, repeat=4)
    # mov/mv + 2 per iteration + the loop's own prologue differences are a handful of instructions
    expected = 2 * iterations
    return m.instructions_per_call / expected


def _floats(name: str, arr: np.ndarray) -> str:
    flat = np.asarray(arr, dtype=np.float32).ravel()
    if not np.all(np.isfinite(flat)):
        raise SensorflowError(f"{name}: non-finite input value; the measuring image needs finite test windows")
    text = [f"{float(v):.9g}" for v in flat]
    body = ",".join(t + ("" if ("." in t or "e" in t) else ".0") + "f" for t in text)
    return f"static const float {name}[{len(flat)}] = {{{body}}};\n"


def _library(pipe, board: str, work: Path, numeric: str = "auto"):
    from ..codegen.c import generate

    b = boards.get(board)
    gen = generate(pipe, None, board=b, numeric=numeric)
    lib = work / "lib"
    gen.write(lib)
    return gen, lib, tuple(b.toolchain.defines)


def _library_sizes(gen, lib: Path, board: str, defines, work: Path) -> elf.SectionSizes:
    total = elf.SectionSizes()
    for src in gen.sources:
        obj = compile_object(lib / src, board, include_dirs=[lib], defines=defines, out=work / (Path(src).stem + ".o"))
        s = elf.read_object(obj).total
        for kind in elf.KINDS:
            total.add(kind, getattr(s, kind))
    return total


def measure_pipeline(pipe, X: np.ndarray, board: str, work: Path, numeric: str = "auto") -> dict:
    """Flash, RAM and instructions of ``pipe`` exported with the C generator for ``board``.

    Held-out windows ``X`` are compiled into the measuring image: ``<prefix>_infer(window)``
    per window (instructions per inference; labels checked against the host pipeline) and
    ``<prefix>_push(hop samples)`` in steady state (instructions per hop and per second).
    flash = growth of the linked image over the same image without the pipeline (libm / libgcc
    routines it pulls in count); lib_flash = flash of the library's objects; RAM = the
    library's data + bss plus the stack one inference adds (painted-stack high-water mark).
    ``numeric``: as ``export --numeric``; ``labels`` are the device's class indices per window.
    An export with ``<prefix>_push_i16`` (q15 front end) is also measured on int16 counts
    (``instr_hop_i16``, ``instr_per_second_i16``: the same stream as counts, no float conversion)."""
    gen, lib, defines = _library(pipe, board, work, numeric)
    p = gen.prefix
    L, C = pipe.window_length, pipe.input_spec.n_channels
    hop = pipe.hop
    k = int(min(len(X), 8 if L * C <= 4000 else 3))
    Xk = X[:k]
    stream = np.concatenate([Xk[0]] + [w[-hop:] for w in Xk[1:]]) if hop < L else Xk.reshape(-1, C)
    # the results pass pushes the whole stream once, then the timed pass pushes it again: with at
    # least a window's worth of pushes per pass, every timed push completes a window (steady state)
    n_push = max((len(stream) - L) // hop + 1, -(-L // hop))
    if len(stream) < n_push * hop:
        stream = np.concatenate([stream] * -(-n_push * hop // len(stream)))[: n_push * hop]
    nc = max(1, gen.n_classes)
    data = _floats("windows", Xk) + _floats("signal", stream)
    src = work / "bench_pipeline.c"
    src.write_text(
        f'#include "{p}.h"\n' + data + f"static float scores[{nc}];\nstatic int ready;\n"
        f"static void setup(void) {{ if (!ready) {{ {p}_init(); ready = 1; }} }}\n"
        "int infer_entry(int i);\n"
        f"int infer_entry(int i) {{ setup(); return {p}_infer(&windows[i * {L * C}], 0, scores); }}\n"
        "int push_entry(int i);\n"
        f"int push_entry(int i) {{ setup(); return {p}_push(&signal[i * {hop * C}], {hop}); }}\n"
    )
    sr = float(pipe.config.sensor.sample_rate)
    i16 = float(gen.info.get("push_i16_scale") or 0.0)
    if i16:  # the q15 front end's int16 entry, on the counts the float entry quantises to
        counts = fixed.quantize(stream, fixed.scale_exponent(i16)).ravel()
        src.write_text(
            src.read_text()
            + f"static const int16_t counts[{counts.size}] = {{{','.join(str(int(v)) for v in counts)}}};\n"
            "int push_i16_entry(int i);\n"
            f"int push_i16_entry(int i) {{ setup(); return {p}_push_i16(&counts[i * {hop * C}], {hop}); }}\n"
        )
    libsrc = [lib / s for s in gen.sources]
    kw = dict(include_dirs=[lib], defines=defines)
    inf = measure_c([src, *libsrc], "infer_entry", board, n_inputs=k, workdir=work / "infer", **kw)
    push = measure_c([src, *libsrc], "push_entry", board, n_inputs=n_push, workdir=work / "push", **kw)
    extra = {}
    if i16:
        p16 = measure_c([src, *libsrc], "push_i16_entry", board, n_inputs=n_push, workdir=work / "push16", **kw)
        extra = {
            "instr_hop_i16": p16.instructions_per_call,
            "instr_per_second_i16": p16.instructions_per_call * sr / hop,
        }
    # same window table as the infer image (the stream table is dropped from both by --gc-sections)
    base_src = work / "bench_base.c"
    base_src.write_text(
        data + f"int base_entry(int i);\nint base_entry(int i) {{ return (int)(windows[i * {L * C}] > 0.0f); }}\n"
    )
    base = measure_c([base_src], "base_entry", board, n_inputs=k, workdir=work / "base")
    lib_sizes = _library_sizes(gen, lib, board, defines, work / "obj")
    if getattr(pipe, "task", None) == "regression":  # one value, class index 0 (stages/models/regression.py)
        host_idx = np.zeros(len(Xk), dtype=int)
    else:
        index = {c: i for i, c in enumerate(np.asarray(pipe.classes_).tolist())}
        host_idx = np.asarray([index[c] for c in np.asarray(pipe.predict(Xk)).tolist()])
    agree = int(np.sum(np.asarray(inf.results) == host_idx))
    return {
        "k": k,
        "agree": agree,
        "labels": [int(v) for v in inf.results],
        "instr_infer": inf.instructions_per_call,
        "instr_hop": push.instructions_per_call,
        "instr_per_second": push.instructions_per_call * sr / hop,
        "flash": inf.image_sizes["flash"] - base.image_sizes["flash"],
        "lib_flash": lib_sizes.flash,
        "ram": lib_sizes.ram + inf.stack_bytes,
        "stack": inf.stack_bytes,
        "state": int(gen.state_bytes),
        "hop_s": hop / sr,
        **extra,
    }
