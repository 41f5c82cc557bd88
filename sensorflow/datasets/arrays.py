"""``loader: npz`` — arrays saved with ``numpy.savez``.

Keys (renamable with ``options.keys: {X: ..., y: ...}``): ``X`` recordings or windows
``(n, n_samples, n_channels)`` (or ``(n, n_samples)`` for one channel), ``y`` labels ``(n,)``,
optional ``groups`` ``(n,)``, ``fold`` (``train``/``test``) and ``sample_rate`` (checked
against the sensor). Loaded with ``allow_pickle=False``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from ..errors import DataError
from ..npyfile import read_npz
from .dataset import Dataset


def load_npz(path, sensor, options: dict) -> Dataset:
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: no such file; dataset.path must be an .npz file")
    keys = {"X": "X", "y": "y", "groups": "groups", "fold": "fold", "sample_rate": "sample_rate"}
    keys.update(options.get("keys") or {})
    try:
        data = read_npz(p)  # every array's header checked before it is allocated
        files = set(data)
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        raise DataError(f"{p}: not a readable .npz file ({str(exc).splitlines()[0]})") from None
    for k in ("X", "y"):
        if keys[k] not in files:
            raise DataError(
                f"{p}: no array '{keys[k]}' (has: {', '.join(sorted(files))}); set dataset.options.keys.{k}"
            )
    try:
        X = data[keys["X"]]
        y = data[keys["y"]]
        groups = data[keys["groups"]] if keys["groups"] in files else None
        fold = data[keys["fold"]] if keys["fold"] in files else None
        rate = float(data[keys["sample_rate"]]) if keys["sample_rate"] in files else float(sensor.sample_rate)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{p}: {str(exc).splitlines()[0]} (save plain arrays; sample_rate one number)") from None
    if X.dtype.kind not in "fiu":
        raise DataError(f"{p}: '{keys['X']}' holds {X.dtype} values; save numbers")
    if y.ndim != 1:
        raise DataError(f"{p}: '{keys['y']}' should be one label per recording, shape (n,), got {y.shape}")
    if X.ndim == 2:
        X = X[:, :, None]
    if X.ndim != 3:
        raise DataError(f"{p}: '{keys['X']}' should have shape (n, n_samples, n_channels), got {X.shape}")
    if len(y) != len(X):
        raise DataError(f"{p}: {len(X)} recordings in '{keys['X']}' but {len(y)} labels in '{keys['y']}'")
    names = [f"{p}[{i}]" for i in range(len(X))]
    if groups is None:
        groups = [f"{p.name}[{i}]" for i in range(len(X))]
    ds = Dataset(
        list(X * sensor.scale),
        y,
        groups,
        rate,
        sensor.channels if X.shape[2] == len(sensor.channels) else [f"ch{i}" for i in range(X.shape[2])],
        names,
        fold,
        source=str(p),
    )
    return ds
