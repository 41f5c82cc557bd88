"""Measured flash and RAM of an exported C library, per part: cross-compile each source for a
board (strict warnings, ``-O2 -c``, one section per function and object) and read the objects
with the one ELF reader (:mod:`sensorflow.device.elf`)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from ..errors import CodegenError, ToolMissingError
from . import toolchain
from .elf import SectionSizes, double_precision_symbols, read_object


def compile_objects(
    sources: list[Path],
    include_dir: Path,
    out_dir: Path,
    board,
    opt: str = "-O2",
    extra_cflags: list[str] | None = None,
) -> list[Path]:
    """Cross-compile each source with the board's toolchain and the strict warning set
    (any warning fails the build). Raises ToolMissingError when no compiler is installed."""
    tc = board.toolchain.resolve()
    if tc is None:
        raise ToolMissingError(
            f"board '{board.name}': compiler {board.toolchain.cc} is not installed; sizes are estimates only"
        )
    cc, cflags = tc
    out_dir.mkdir(parents=True, exist_ok=True)
    objs = []
    for src in sources:
        obj = out_dir / (Path(src).stem + ".o")
        cmd = [
            cc,
            *toolchain.STRICT_CFLAGS,
            opt,
            "-ffunction-sections",
            "-fdata-sections",
            *cflags,
            *[f"-D{d}" for d in board.toolchain.defines],
            *(extra_cflags or []),
            "-I",
            str(include_dir),
            "-c",
            str(src),
            "-o",
            str(obj),
        ]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0 or res.stderr.strip():
            first = (res.stderr.strip().splitlines() or ["(no output)"])[0]
            raise CodegenError(f"board '{board.name}': {Path(src).name} does not compile cleanly: {first}")
        objs.append(obj)
    return objs


def measure_generated(gen, src_dir: Path, board, build_dir: Path, opt: str = "-O2") -> dict:
    """Compile the generated library for ``board`` and attribute the measured sizes:
    per stage (its ``<prefix>_s<i>*`` sections plus the runtime kernels only it uses),
    ``runtime (shared)`` (kernels used by several stages), ``API code`` (the API functions,
    streaming window and buffers). Returns {"total": sizes, "parts": {name: sizes}, "objects": {...}}."""
    sources = [src_dir / s for s in gen.sources]
    objs = compile_objects(sources, src_dir, build_dir, board, opt=opt)
    by_name = {o.stem: read_object(o) for o in objs}
    if board.fpu != "double":
        for stem, o in by_name.items():
            bad = double_precision_symbols(o.undefined)
            if bad:
                raise CodegenError(
                    f"board '{board.name}' (FPU {board.fpu}): {stem}.c uses double precision ({', '.join(bad[:4])}); "
                    "a float literal without 'f' or a double libm call - use float32 (sinf, 1.0f)"
                )
    users: dict[str, list[int]] = {}
    for es in gen.stages:
        for r in es.fragment.runtime:
            users.setdefault(r, []).append(es.ctx.index)
    parts: dict[str, SectionSizes] = {}

    def part(name: str) -> SectionSizes:
        return parts.setdefault(name, SectionSizes())

    label = {es.ctx.index: f"stage {es.ctx.index} {es.ctx.stage.name}" for es in gen.stages}
    total = SectionSizes()
    for stem, objsz in by_name.items():
        for kind in ("text", "rodata", "data", "bss"):
            total.add(kind, getattr(objsz.total, kind))
        if stem == gen.prefix:
            for sec, (kind, size) in objsz.sections.items():
                owner = "API code"
                for es in gen.stages:
                    tag = f"{gen.prefix}_s{es.ctx.index}"
                    if re.search(rf"\.{tag}(?:[._]|$)", sec):
                        owner = label[es.ctx.index]
                        break
                part(owner).add(kind, size)
        else:
            u = users.get(stem, [])
            owner = label[u[0]] if len(u) == 1 else "runtime (shared)"
            for kind in ("text", "rodata", "data", "bss"):
                part(owner).add(kind, getattr(objsz.total, kind))
    # the state struct is one object in .bss: split it as the generator laid it out
    glue = part("API code")
    if glue.bss >= gen.state_bytes:
        glue.bss -= gen.state_bytes
        for index, nb in gen.info["stage_ram"].items():
            part(label[index]).bss += nb
        for name, nb in gen.info["ram_layout"].items():
            part(name).bss += nb
    return {
        "total": total,
        "parts": parts,
        "objects": {k: v.total.to_dict() for k, v in by_name.items()},
        "compiler": board.toolchain.resolve()[0],
    }
