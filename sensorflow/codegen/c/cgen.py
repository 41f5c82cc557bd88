"""Helpers that print C source text: identifiers, float literals that round-trip float32
bit-exactly (``%.9g`` + ``f``, the shortest form that always round-trips, as C's FLT_DECIMAL_DIG),
integer types sized to their values, and array literals."""

from __future__ import annotations

import math
import re

import numpy as np

from ...errors import CodegenError

_IDENT_BAD = re.compile(r"[^A-Za-z0-9_]")
C_KEYWORDS = frozenset(
    "auto break case char const continue default do double else enum extern float for goto if inline int long "
    "register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while "
    "_Bool _Complex _Imaginary".split()
)


def identifier(text: str) -> str:
    """A valid C identifier made from ``text`` (non-alphanumerics become ``_``)."""
    out = _IDENT_BAD.sub("_", str(text))
    if not out or out[0].isdigit():
        out = "_" + out
    if out in C_KEYWORDS:
        out += "_"
    return out


def c_string(text: str) -> str:
    """A C string literal (printable ASCII kept, everything else escaped in octal)."""
    out = []
    for ch in str(text).encode("utf-8"):
        c = chr(ch)
        if c in '"\\':
            out.append("\\" + c)
        elif 32 <= ch < 127 and c != "?":  # '?' escaped to avoid trigraphs
            out.append(c)
        else:
            out.append(f"\\{ch:03o}")
    return '"' + "".join(out) + '"'


def f32(value: float) -> str:
    """A float32 literal that parses back to exactly ``np.float32(value)``."""
    v = np.float32(value)
    if not np.isfinite(v):
        if np.isnan(v):
            raise CodegenError("cannot emit NaN into C tables; the trained model contains NaN")
        return "(-SF_INFINITY)" if v < 0 else "SF_INFINITY"
    if v == 0:
        return "-0.0f" if math.copysign(1.0, float(v)) < 0 else "0.0f"
    text = f"{float(v):.9g}"
    # shortest text that still round-trips keeps tables small and readable
    for digits in range(6, 10):
        t = f"{float(v):.{digits}g}"
        if np.float32(float(t)) == v:
            text = t
            break
    if "e" not in text and "." not in text and "inf" not in text:
        text += ".0"
    return text + "f"


def f32_down(value: float) -> np.float32:
    """Largest float32 <= ``value`` (rounding toward -inf). ``float32(x) <= t64`` holds exactly
    when ``x <= f32_down(t64)`` for every float32 ``x``: how scikit-learn's float64 tree
    thresholds become exact float32 thresholds."""
    t = float(value)
    with np.errstate(over="ignore"):
        v = np.float32(t)
        if float(v) > t:
            v = np.nextafter(v, np.float32(-np.inf))
    return np.float32(v)


def uint_type(max_value: int) -> str:
    """Smallest unsigned C type that holds 0..max_value."""
    if max_value < 0:
        raise ValueError("negative")
    if max_value <= 0xFF:
        return "uint8_t"
    if max_value <= 0xFFFF:
        return "uint16_t"
    if max_value <= 0xFFFFFFFF:
        return "uint32_t"
    raise CodegenError(f"value {max_value} does not fit 32 bits")


def int_type(min_value: int, max_value: int) -> str:
    """Smallest C integer type that holds min_value..max_value."""
    if min_value >= 0:
        return uint_type(max_value)
    for bits in (8, 16, 32):
        if -(1 << (bits - 1)) <= min_value and max_value < (1 << (bits - 1)):
            return f"int{bits}_t"
    raise CodegenError(f"range {min_value}..{max_value} does not fit 32 bits")


CTYPE_BYTES = {
    "float": 4,
    "int8_t": 1,
    "uint8_t": 1,
    "int16_t": 2,
    "uint16_t": 2,
    "int32_t": 4,
    "uint32_t": 4,
    "int64_t": 8,
    "uint64_t": 8,
    "int": 4,
    "unsigned": 4,
    "char": 1,
}


def ctype_size(ctype: str) -> int:
    try:
        return CTYPE_BYTES[ctype]
    except KeyError:
        raise CodegenError(f"unknown C element type '{ctype}'") from None


def _format_items(items: list[str], per_line: int, indent: str = "    ") -> str:
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return (",\n" + indent).join(lines)


def literal_items(values, ctype: str) -> list[str]:
    a = np.asarray(values).ravel()
    if ctype == "float":
        return [f32(v) for v in a.astype(np.float64)]
    ints = [int(v) for v in a]
    if ints:
        lo, hi = min(ints), max(ints)
        want = int_type(lo, hi)
        if ctype_size(want) > ctype_size(ctype) or (lo < 0 and ctype.startswith("u")):
            raise CodegenError(f"values {lo}..{hi} do not fit C type {ctype}")
    suffix = "u" if ctype in ("uint32_t", "unsigned") else ""
    return [f"{v}{suffix}" for v in ints]


def array(
    name: str,
    ctype: str,
    values,
    *,
    static: bool = True,
    const: bool = True,
    per_line: int | None = None,
    comment: str | None = None,
) -> str:
    """``static const <ctype> name[N] = {...};`` for a 1-D (flattened) array of values.
    Empty arrays get one zero element (C forbids zero-length arrays); N stays the real count."""
    items = literal_items(values, ctype)
    n = len(items)
    if n == 0:
        items = ["0"]
    if per_line is None:
        per_line = 8 if ctype == "float" else 16
    qual = ("static " if static else "") + ("const " if const else "")
    head = f"/* {comment} */\n" if comment else ""
    return f"{head}{qual}{ctype} {name}[{max(n, 1)}] = {{\n    {_format_items(items, per_line)}\n}};\n"


def table_bytes(ctype: str, values) -> int:
    """Flash bytes of an emitted table."""
    return ctype_size(ctype) * max(1, int(np.asarray(values).size))


_C_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def is_identifier(text: str) -> bool:
    """True when ``text`` is already a valid, non-keyword C identifier."""
    return bool(_C_IDENT.match(str(text))) and text not in C_KEYWORDS
