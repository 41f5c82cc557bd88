"""Measured flash and RAM of generated C: cross-compile each source for a board (``-O2 -c``,
one section per function and object) and read the section sizes of the objects with
pyelftools, as binutils' ``size`` reports them (text / rodata / data / bss)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CodegenError, ToolMissingError

STRICT_CFLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-Wdouble-promotion", "-Wfloat-conversion", "-Wshadow"]


@dataclass
class SectionSizes:
    text: int = 0
    rodata: int = 0
    data: int = 0
    bss: int = 0

    @property
    def flash(self) -> int:
        """Bytes in flash: code, constants and the initial values of .data."""
        return self.text + self.rodata + self.data

    @property
    def ram(self) -> int:
        return self.data + self.bss

    def add(self, kind: str, size: int) -> None:
        setattr(self, kind, getattr(self, kind) + size)

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "rodata": self.rodata,
            "data": self.data,
            "bss": self.bss,
            "flash": self.flash,
            "ram": self.ram,
        }


@dataclass
class ObjectSizes:
    """Sizes of one object file, in total and per allocated section (by section name), and
    the symbols it needs from elsewhere."""

    path: Path
    total: SectionSizes
    sections: dict[str, tuple[str, int]] = field(default_factory=dict)  # name -> (kind, size)
    undefined: list[str] = field(default_factory=list)


# Double-precision work that a float32 pipeline must never pull in: libgcc's soft-double
# helpers (Arm EABI and generic names) and the double versions of libm functions.
_SOFT_DOUBLE = re.compile(
    r"^__aeabi_(d[a-z0-9]+|[fiul]+2d|l?d2[a-z]+)$|^__[a-z]+df[23]$|^__(extendsfdf2|truncdfsf2|"
    r"float(un)?[sdt]idf|fix(uns)?dfs?[id]|unorddf2)$"
)
_DOUBLE_LIBM = frozenset(
    "sin cos tan asin acos atan atan2 sinh cosh tanh exp exp2 expm1 log log2 log10 log1p pow sqrt cbrt hypot "
    "floor ceil round trunc fmod fabs".split()
)


def double_precision_symbols(undefined: list[str]) -> list[str]:
    """The undefined symbols that mean double-precision arithmetic."""
    return sorted(s for s in undefined if _SOFT_DOUBLE.match(s) or s in _DOUBLE_LIBM)


def section_kind(sh_type: str, flags: int) -> str | None:
    SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 0x1, 0x2, 0x4
    if not flags & SHF_ALLOC:
        return None
    if sh_type == "SHT_NOBITS":
        return "bss"
    if flags & SHF_EXECINSTR:
        return "text"
    if flags & SHF_WRITE:
        return "data"
    return "rodata"


def read_object(path: Path) -> ObjectSizes:
    try:
        from elftools.elf.elffile import ELFFile
    except ImportError:
        raise ToolMissingError(
            "pyelftools is not installed (pip install pyelftools); sizes are estimates only"
        ) from None

    total = SectionSizes()
    sections: dict[str, tuple[str, int]] = {}
    with open(path, "rb") as fh:
        elf = ELFFile(fh)
        for sec in elf.iter_sections():
            kind = section_kind(sec["sh_type"], sec["sh_flags"])
            if kind is None or sec["sh_size"] == 0:
                continue
            total.add(kind, sec["sh_size"])
            sections[sec.name] = (kind, sec["sh_size"])
        undefined = []
        symtab = elf.get_section_by_name(".symtab")
        if symtab is not None:  # COMMON symbols (tentative definitions) live in no section
            for sym in symtab.iter_symbols():
                if sym["st_shndx"] == "SHN_COMMON":
                    total.add("bss", sym["st_size"])
                    sections[f"COMMON.{sym.name}"] = ("bss", sym["st_size"])
                elif sym["st_shndx"] == "SHN_UNDEF" and sym.name:
                    undefined.append(sym.name)
    return ObjectSizes(Path(path), total, sections, undefined)


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
            *STRICT_CFLAGS,
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
