"""Run a generated MicroPython module under CPython with float32 arithmetic, as an ESP32
MicroPython port computes (MICROPY_FLOAT_IMPL_FLOAT): every ``array`` becomes a numpy array
(float32 for 'f'), so values read from buffers are numpy float32 scalars and arithmetic on
them stays float32 (numpy >= 2 promotion rules treat Python float literals as weak), and
``math`` functions round their result to float32 (as sqrtf, logf... do). This is a model of
a float32 port, not the port itself: the real-interpreter tests are the authority on
MicroPython semantics, this one on float32 rounding."""

from __future__ import annotations

import importlib.util
import math
import struct
import sys
import types
from pathlib import Path

import numpy as np

_INT = {"b": np.int8, "B": np.uint8, "h": np.int16, "H": np.uint16, "i": np.int32, "I": np.uint32}


def f32_array(code: str, init=()):
    if code == "f":
        if isinstance(init, (bytes, bytearray)):
            return np.frombuffer(bytes(init), dtype="<f4").copy()
        return np.array(list(init), dtype=np.float32)
    dtype = _INT[code]
    if isinstance(init, (bytes, bytearray)):
        return np.frombuffer(bytes(init), dtype=dtype).astype(np.int64)
    return np.array(list(init), dtype=np.int64)


def _f32math() -> types.ModuleType:
    m = types.ModuleType("math")
    for name in ("sqrt", "log", "log10", "exp", "tanh", "sin", "cos"):
        f = getattr(math, name)
        setattr(m, name, lambda x, f=f: np.float32(f(float(x))))
    m.inf = np.float32(np.inf)
    return m


def _f32struct() -> types.ModuleType:
    """``struct`` whose unpacked floats are numpy float32 (a float32 port's float objects)."""
    m = types.ModuleType("struct")

    def unpack_from(fmt, buf, offset=0):
        return tuple(np.float32(v) if isinstance(v, float) else v for v in struct.unpack_from(fmt, buf, offset))

    m.unpack_from = unpack_from
    return m


def load(export_dir: Path, prefix: str = "sf_model"):
    """Import ``<prefix>.py`` and ``sf_runtime.py`` from ``export_dir`` in float32 mode."""
    array_mod = types.ModuleType("array")
    array_mod.array = f32_array
    saved = {k: sys.modules.get(k) for k in ("array", "math", "struct", "sf_runtime")}
    sys.modules["array"] = array_mod
    sys.modules["math"] = _f32math()
    sys.modules["struct"] = _f32struct()
    try:
        spec = importlib.util.spec_from_file_location("sf_runtime", Path(export_dir) / "sf_runtime.py")
        rt = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(rt)
        sys.modules["sf_runtime"] = rt
        spec = importlib.util.spec_from_file_location(f"{prefix}_f32", Path(export_dir) / f"{prefix}.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    return mod


def run(export_dir: Path, windows: np.ndarray, prefix: str = "sf_model"):
    """(labels, features, scores) of ``windows`` through the module in float32 mode."""
    mod = load(export_dir, prefix)
    p = mod.Pipeline()
    labels, feats, scores = [], [], []
    for w in np.asarray(windows, dtype=np.float32):
        label, s = p.infer(w.ravel().copy())
        labels.append(int(label))
        feats.append(np.array(p.feat, dtype=np.float64))
        scores.append(np.array(s, dtype=np.float64))
    return np.array(labels), np.array(feats), np.array(scores)
