"""What a MicroPython emitter gets (``MPContext``) and returns (``MPFragment``).

Constant tables become module-level ``array`` objects built from ``bytes`` literals
(``array('f', b'...')``, little-endian as on ESP32 and the WebAssembly port): float tables
hold the exact float32 values without going through a port's float parser (MicroPython's
decimal parsing is not correctly rounded on every float32 port), integer tables use the
smallest typecode that holds them. A list literal would be built on the interpreter's value
stack one item at a time (a few thousand items exhaust it) and compile to 2-5 bytes of
bytecode per item.

Heap: a module keeps every constant of its code, so a literal stays in the heap beside the
array made of it (measured: 80 KB for a 40 KB float table, mpy-cross + MicroPython 1.27).
``table_bytes`` counts both; ``literal_bytes`` the literals' payload, which is also inside
the .mpy file (the export report subtracts it from the module's size so nothing counts
twice). Large tables a kernel can read in place stay a single ``bytes`` object: one copy
(``bytes_table``: tree nodes read with ``struct.unpack_from``; ``f32_packed``: the weights of
the linear models and the scaler, minirocket's biases; ``small_int_table``: 0..255 indexed
directly).
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
    return f"array('f', {bytes_literal(raw, 4)})" if raw else "array('f')"


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


def bytes_literal(raw: bytes, step: int = 1) -> str:
    """A ``bytes`` literal of ``raw`` wrapped over lines (adjacent literals, joined by the
    compiler), breaking only between ``step``-byte items."""
    if not raw:
        return "b''"
    parts, line = [], ""
    for i in range(0, len(raw), step):
        chunk = _escape(raw[i : i + step])
        if len(line) + len(chunk) > LINE:
            parts.append(line)
            line = ""
        line += chunk
    parts.append(line)
    body = "\n    ".join(f"b'{p}'" for p in parts)
    return f"(\n    {body})" if len(parts) > 1 else f"b'{parts[0]}'"


_INT_NP = {"b": "<i1", "B": "<u1", "h": "<i2", "H": "<u2", "i": "<i4", "I": "<u4"}


def int_literal(values, code: str | None = None) -> str:
    """``array(code, b'...')`` holding the integers (little-endian), smallest typecode by default."""
    v = np.asarray(values, dtype=np.int64).ravel()
    code = code or int_typecode(v)[0]
    raw = v.astype(_INT_NP[code]).tobytes()
    return f"array('{code}', {bytes_literal(raw, int(_INT_NP[code][-1]))})" if raw else f"array('{code}')"


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
    table_bytes: int = 0  # heap of the constant tables: literals kept by the module + arrays made of them
    literal_bytes: int = 0  # payload of those literals (also inside the .mpy file)
    state_bytes: int = 0
    scratch_bytes: int = 0

    def _name(self, name: str) -> str:
        return f"s{self.index}_{_IDENT.sub('_', name)}"

    def f32_table(self, name: str, values) -> str:
        sym = "_" + self._name(name).upper()
        arr = np.asarray(values, dtype=np.float32)
        self.tables.append(f"{sym} = {f32_bytes_literal(arr)}")
        self._count(4 * arr.size, copies=2)
        return sym

    def int_table(self, name: str, values) -> str:
        sym = "_" + self._name(name).upper()
        code, size = int_typecode(values)
        self.tables.append(f"{sym} = {int_literal(values, code)}")
        self._count(size * int(np.asarray(values).size), copies=2)
        return sym

    def f32_packed(self, name: str, values) -> str:
        """A float32 table as one ``bytes`` literal of little-endian items that the kernel reads
        in place (``rt.f32at`` / ``struct.unpack_from('<f', t, 4 * i)``): one copy in the heap
        instead of the literal plus the array made of it; the same float32 values."""
        v = np.ascontiguousarray(np.asarray(values, dtype="<f4").ravel())
        if not np.all(np.isfinite(v)):
            raise CodegenError("a constant table contains NaN or Inf; the trained pipeline is broken, re-train it")
        return self.bytes_table(name, v.tobytes(), 4)

    def small_int_table(self, name: str, values) -> str:
        """Integers 0..255 as one ``bytes`` literal (indexing a ``bytes`` gives the int): one
        copy; other ranges as ``int_table``. Either is read as ``t[i]``."""
        v = np.asarray(values, dtype=np.int64).ravel()
        if v.size and (v.min() < 0 or v.max() > 255):
            return self.int_table(name, v)
        return self.bytes_table(name, v.astype(np.uint8).tobytes())

    def bytes_table(self, name: str, raw: bytes, step: int = 1) -> str:
        """A ``bytes`` constant the kernel reads in place (``struct.unpack_from``): one copy."""
        sym = "_" + self._name(name).upper()
        self.tables.append(f"{sym} = {bytes_literal(raw, step)}")
        self._count(len(raw), copies=1)
        return sym

    def _count(self, payload: int, copies: int) -> None:
        """Heap of a table: ``copies`` objects of ``payload`` bytes (the literal, and the array made of it)."""
        if payload:
            self.table_bytes += copies * (payload + ARRAY_OVERHEAD)
            self.literal_bytes += payload
        else:
            self.table_bytes += ARRAY_OVERHEAD

    def buffer(self, name: str, n: int, code: str = "f", *, state: bool = False) -> str:
        """A buffer of n items allocated once; ``state`` ones are zeroed by ``reset()``."""
        attr = f"self._{self._name(name)}"
        size = {"f": 4, "i": 4, "I": 4, "h": 2, "H": 2, "b": 1, "B": 1}[code]
        self.init.append(f"{attr} = rt.zeros({int(n)}{'' if code == 'f' else f', {code!r}'})")
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
