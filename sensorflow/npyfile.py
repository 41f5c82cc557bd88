"""Reading .npy / .npz files that may be hostile: the NumPy format header (``numpy.lib.format``)
is read first and its shape checked against the bytes actually there and a size cap, so a
truncated file, a header promising terabytes or an object array is a one-line error before any
allocation. Never pickle."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import numpy as np
from numpy.lib import format as npformat

MAX_ARRAY_BYTES = 1 << 31
"""Largest array read from one .npy (2 GiB): bigger than any dataset or artifact sensorflow writes."""


class NpyError(ValueError):
    """The file is not a plain, complete .npy array; the message is one line without the path."""


def _header(fp) -> tuple[tuple, bool, np.dtype]:
    try:
        version = npformat.read_magic(fp)
        if version == (1, 0):
            shape, fortran, dtype = npformat.read_array_header_1_0(fp, max_header_size=10000)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = npformat.read_array_header_2_0(fp, max_header_size=10000)
        else:
            raise NpyError(f"unsupported .npy format version {version}")
    except NpyError:
        raise
    except (ValueError, OSError, EOFError, SyntaxError, TypeError) as exc:
        raise NpyError(f"not a .npy array ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None
    if dtype.hasobject or dtype.kind in "OV":
        raise NpyError(f"holds {dtype} values: object arrays are refused (save plain arrays)")
    return tuple(int(s) for s in shape), bool(fortran), dtype


def _nbytes(shape: tuple, dtype: np.dtype, max_bytes: int) -> int:
    n = 1
    for s in shape:
        if s < 0:
            raise NpyError(f"negative dimension in shape {shape}")
        n *= s
    nbytes = n * dtype.itemsize
    if nbytes > max_bytes:
        raise NpyError(f"shape {shape} of {dtype} is {nbytes} bytes, over the {max_bytes}-byte limit")
    return nbytes


def _from_buffer(data: bytes, shape: tuple, fortran: bool, dtype: np.dtype) -> np.ndarray:
    arr = np.frombuffer(data, dtype=dtype)
    if fortran:
        return arr.reshape(shape[::-1]).transpose().copy()
    return arr.reshape(shape).copy()


def read_npy(path: str | os.PathLike, max_bytes: int = MAX_ARRAY_BYTES) -> np.ndarray:
    """A plain numeric array from a regular .npy file; NpyError (or OSError for a missing or
    unreadable path) for anything else: truncated, trailing bytes, object dtype, over ``max_bytes``."""
    p = Path(path)
    st = os.stat(p)
    if not stat.S_ISREG(st.st_mode):
        raise NpyError("not a regular file")
    with open(p, "rb") as fp:
        shape, fortran, dtype = _header(fp)
        nbytes = _nbytes(shape, dtype, max_bytes)
        have = st.st_size - fp.tell()
        if have != nbytes:
            raise NpyError(f"header says shape {shape} of {dtype} ({nbytes} bytes) but the file holds {have}")
        data = fp.read(nbytes)
    if len(data) != nbytes:
        raise NpyError("file changed while it was read")
    return _from_buffer(data, shape, fortran, dtype)


def read_npz(path: str | os.PathLike, max_bytes: int = MAX_ARRAY_BYTES) -> dict[str, np.ndarray]:
    """Every array of a regular .npz file (``numpy.savez``), each checked as :func:`read_npy`."""
    p = Path(path)
    if not stat.S_ISREG(os.stat(p).st_mode):
        raise NpyError("not a regular file")
    out: dict[str, np.ndarray] = {}
    total = 0
    try:
        with zipfile.ZipFile(p) as zf:
            for info in zf.infolist():
                if not info.filename.endswith(".npy"):
                    continue
                with zf.open(info) as fp:
                    shape, fortran, dtype = _header(fp)
                    nbytes = _nbytes(shape, dtype, max_bytes - total)
                    data = fp.read(nbytes + 1)
                if len(data) != nbytes:
                    raise NpyError(f"'{info.filename}': header says {nbytes} bytes but it holds {len(data)}")
                total += nbytes
                out[info.filename[:-4]] = _from_buffer(data, shape, fortran, dtype)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        raise NpyError(f"not a readable .npz archive ({str(exc).splitlines()[0]})") from None
    return out
