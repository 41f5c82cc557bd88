"""The one ELF size reader (objects and linked images), with pyelftools.

Each allocated section is one of four kinds, by its ELF type and flags (the split binutils'
``size -A`` shows): ``text`` (executable), ``rodata`` (read-only data: const tables, vector
table), ``data`` (writable, with contents) and ``bss`` (``SHT_NOBITS``, plus COMMON symbols of
an object). Then

    flash = text + rodata + data   (code, constants and the initial image of .data)
    RAM   = data + bss

Berkeley ``size`` (and the bench's earlier reader) folds rodata into "text"; the flash and RAM
totals are the same either way, only the split differs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ToolMissingError

KINDS = ("text", "rodata", "data", "bss")


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
        return {**{k: getattr(self, k) for k in KINDS}, "flash": self.flash, "ram": self.ram}


@dataclass
class ObjectSizes:
    """Sizes of one object file or image, in total and per allocated section (by section
    name), and the symbols it needs from elsewhere."""

    path: Path
    total: SectionSizes
    sections: dict[str, tuple[str, int]] = field(default_factory=dict)  # name -> (kind, size)
    undefined: list[str] = field(default_factory=list)


def section_kind(sh_type: str, flags: int) -> str | None:
    """text / rodata / data / bss for an allocated section, None for one not loaded."""
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


def read_object(path: str | Path) -> ObjectSizes:
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


def sizes(path: str | Path) -> dict[str, int]:
    """text, rodata, data, bss, flash and ram of an object or image, as a dict."""
    return read_object(path).total.to_dict()


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
