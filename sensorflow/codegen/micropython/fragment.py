"""What a MicroPython emitter gets (``MPContext``) and returns (``MPFragment``).

Constant tables become module-level ``array`` objects. Float tables are written as the
float32 bytes (``array('f', b'...')``, little-endian as on ESP32 and the WebAssembly port),
so every port loads the exact float32 values without going through its float parser
(MicroPython's decimal parsing is not correctly rounded on every float32 port). Integer
tables use the smallest ``array`` typecode that holds them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ...errors import CodegenError

_INT_TYPES = (
    ("b", -(2**7), 2**7 - 1, 1),
    ("B", 0, 2**8 - 1, 1),
    ("h", -(2**15), 2**15 - 1, 2),
    ("H", 0, 2**16 - 1, 2),
    ("i", -(2**31), 2**31 - 1, 4),
    ("I", 0, 2**32 - 1, 4),
)
ARRAY_OVERHEAD = 32  # bytes of an array object header + its heap block rounding, per table/buffer
LINE = 96


def f32_bytes_literal(values) -> str:
    """``array('f', b'...')`` holding exactly ``np.float32(values)``, wrapped over lines."""
    v = np.ascontiguousarray(np.asarray(values, dtype="<f4").ravel())
    if not np.all(np.isfinite(v)):
        raise CodegenError("a constant table contains NaN or Inf; the trained pipeline is broken, re-train it")
    raw = v.tobytes()
    if not raw:
        return "array('f')"
    parts, line = [], ""
    for i in range(0, len(raw), 4):
        chunk = _escape(raw[i : i + 4])
        if len(line) + len(chunk) > LINE:
            parts.append(line)
            line = ""
        line += chunk
    parts.append(line)
    body = "\n    ".join(f"b'{p}'" for p in parts)
    return f"array('f', (\n    {body}))" if len(parts) > 1 else f"array('f', b'{parts[0]}')"


def _escape(data: bytes) -> str:
    """Body of a single-quoted bytes literal: printable ASCII kept, the rest as \\xNN."""
    out = []
    for b in data:
        c = chr(b)
        out.append(c if 32 <= b < 127 and c not in "'\\" else f"\\x{b:02x}")
    return "".join(out)


def int_typecode(values) -> tuple[str, int]:
    v = np.asarray(values, dtype=np.int64).ravel()
    lo, hi = (int(v.min()), int(v.max())) if v.size else (0, 0)
    for code, tmin, tmax, size in _INT_TYPES:
        if tmin <= lo and hi <= tmax:
            return code, size
    raise CodegenError(f"integer table values {lo}..{hi} do not fit 32 bits")


def int_literal(values, code: str | None = None) -> str:
    v = [int(x) for x in np.asarray(values, dtype=np.int64).ravel()]
    code = code or int_typecode(v)[0]
    lines, line = [], ""
    for x in v:
        t = f"{x}, "
        if len(line) + len(t) > LINE:
            lines.append(line.rstrip())
            line = ""
        line += t
    lines.append(line.rstrip().rstrip(","))
    if len(lines) == 1:
        return f"array('{code}', [{lines[0]}])"
    body = "\n    ".join(lines)
    return f"array('{code}', [\n    {body}])"


_IDENT = re.compile(r"[^A-Za-z0-9_]")


@dataclass
class MPFragment:
    """Lines a stage adds to the per-window path (``features``, ``classify`` or the post step).
    A model's lines must assign the class index to ``label``."""

    code: list[str] = field(default_factory=list)


@dataclass
class MPContext:
    """Where a stage sits: its input/output buffers and sizes, and helpers that declare
    tables (module level), state and scratch buffers (allocated once in ``__init__``)."""

    stage: object
    index: int
    role: str
    n: int = 0  # window length (signal stages and features)
    n_valid: str = ""  # window.pad: valid: the name of the valid length (feature stages read it instead of n)
    channels: int = 0  # channels of the input signal
    inp: str = ""  # expression of the input buffer
    out: str = ""  # expression of the output buffer (features: self.feat)
    off: int = 0  # offset in the output vector (feature stages)
    n_in: int = 0  # input vector length (vector / model stages)
    n_out: int = 0  # output length (features of this stage, classes)
    tables: list[str] = field(default_factory=list)
    init: list[str] = field(default_factory=list)
    reset: list[str] = field(default_factory=list)
    table_bytes: int = 0
    state_bytes: int = 0
    scratch_bytes: int = 0

    def _name(self, name: str) -> str:
        return f"s{self.index}_{_IDENT.sub('_', name)}"

    def f32_table(self, name: str, values) -> str:
        sym = "_" + self._name(name).upper()
        arr = np.asarray(values, dtype=np.float32)
        self.tables.append(f"{sym} = {f32_bytes_literal(arr)}")
        self.table_bytes += 4 * arr.size + ARRAY_OVERHEAD
        return sym

    def int_table(self, name: str, values) -> str:
        sym = "_" + self._name(name).upper()
        code, size = int_typecode(values)
        self.tables.append(f"{sym} = {int_literal(values, code)}")
        self.table_bytes += size * int(np.asarray(values).size) + ARRAY_OVERHEAD
        return sym

    def buffer(self, name: str, n: int, code: str = "f", *, state: bool = False) -> str:
        """A buffer of n items allocated once; ``state`` ones are zeroed by ``reset()``."""
        attr = f"self._{self._name(name)}"
        size = {"f": 4, "i": 4, "I": 4, "h": 2, "H": 2, "b": 1, "B": 1}[code]
        self.init.append(f"{attr} = array('{code}', bytearray({size * int(n)}))")
        nbytes = size * int(n) + ARRAY_OVERHEAD
        if state:
            self.state_bytes += nbytes
            self.reset += [f"for _i in range({int(n)}):", f"    {attr}[_i] = 0"]
        else:
            self.scratch_bytes += nbytes
        return attr

    def scalar(self, name: str, value) -> str:
        """A float32 scalar read from a one-item table (exact on every port)."""
        sym = self.f32_table(name, [value])
        return f"{sym}[0]"
