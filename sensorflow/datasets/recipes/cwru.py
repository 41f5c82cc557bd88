"""Loader for the Case Western Reserve University (CWRU) bearing data in its published
``.mat`` layout, read with ``scipy.io.loadmat``.

Each file ``NNN.mat`` holds ``XNNN_DE_time`` (drive-end accelerometer, g, shape (n, 1)),
usually ``XNNN_FE_time`` / ``XNNN_BA_time`` (fan end, base) and ``XNNNRPM`` (shaft speed).
A few files also carry another recording's variables; the one whose number matches the file
name is used. The label of a file comes from its folder (``normal/``, ``inner/``, ``outer/``,
``ball/``) or, for the 12 kHz drive-end set's file numbers, from the CWRU table below
(0.007/0.014/0.021 in faults, outer race centred at 6:00, motor loads 0-3 hp). The sample rate
is an option (12 kHz for that set; the normal baseline files were published at 48 kHz, give
``file_rates: {"97": 48000, ...}`` and they are resampled with scipy.signal.resample_poly).
"""

from __future__ import annotations

import re
from math import gcd
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator
from scipy.signal import resample_poly

from ...errors import DataError
from .options import validated

CLASSES = ("normal", "inner", "outer", "ball")

# CWRU 12k drive-end fault data and normal baseline: file number -> (label, fault inches, load hp)
CWRU_12K_DE: dict[int, tuple[str, float, int]] = {}
for _start, _label, _size in (
    (97, "normal", 0.0), (105, "inner", 0.007), (118, "ball", 0.007), (130, "outer", 0.007),
    (169, "inner", 0.014), (185, "ball", 0.014), (197, "outer", 0.014),
    (209, "inner", 0.021), (222, "ball", 0.021), (234, "outer", 0.021),
):  # fmt: skip
    for _load in range(4):
        CWRU_12K_DE[_start + _load] = (_label, _size, _load)

CHANNELS = ("DE", "FE", "BA")


def read_mat(path: str | Path, channel: str = "DE") -> tuple[np.ndarray, float | None]:
    """(samples float32 (n,), rpm or None) of one CWRU .mat file and accelerometer channel."""
    from scipy.io import loadmat

    p = Path(path)
    if channel not in CHANNELS:
        raise DataError(f"unknown CWRU channel '{channel}'; use one of {', '.join(CHANNELS)}")
    try:
        mat = loadmat(p)
    except FileNotFoundError:
        raise DataError(f"{p}: no such file") from None
    except Exception as exc:  # scipy raises ValueError, IndexError, TypeError... on non-MAT bytes
        raise DataError(f"{p}: not a readable MATLAB .mat file ({str(exc).splitlines()[0]})") from None
    pattern = re.compile(rf"^X(\d+)_{channel}_time$", re.IGNORECASE)
    found = {int(m.group(1)): k for k in mat if (m := pattern.match(k))}
    if not found:
        keys = ", ".join(k for k in mat if not k.startswith("__"))
        raise DataError(f"{p}: no variable 'XNNN_{channel}_time' (has: {keys}); is this a CWRU file?")
    number = int(p.stem) if p.stem.isdigit() else None
    key = found[number] if number in found else found[min(found)]
    x = np.asarray(mat[key], dtype=np.float64).reshape(-1)
    if x.size == 0 or not np.all(np.isfinite(x)):
        raise DataError(f"{p}: variable '{key}' is empty or contains NaN/Inf")
    rpm = None
    num = int(re.match(r"^X(\d+)", key, re.IGNORECASE).group(1))
    for k in mat:
        m = re.match(r"^X(\d+)RPM$", k, re.IGNORECASE)
        if m and int(m.group(1)) == num:
            rpm = float(np.asarray(mat[k]).reshape(-1)[0])
    return x.astype(np.float32), rpm


def label_of(path: Path) -> tuple[str, int | None]:
    """(label, motor load hp or None): folder name first, then the CWRU 12k drive-end table."""
    parent = path.parent.name.lower()
    number = int(path.stem) if path.stem.isdigit() else None
    load = CWRU_12K_DE[number][2] if number in CWRU_12K_DE else None
    if parent in CLASSES:
        return parent, load
    if number in CWRU_12K_DE:
        return CWRU_12K_DE[number][0], load
    raise DataError(
        f"{path}: cannot tell its class; put it in a folder named {', '.join(CLASSES)} "
        "or use the CWRU 12k drive-end file numbers"
    )


def load_folder(
    root: str | Path,
    sample_rate: float,
    channel: str = "DE",
    file_rate: float = 12000.0,
    file_rates: dict | None = None,
    segment_seconds: float | None = 2.0,
    test_loads: tuple[int, ...] = (),
) -> dict:
    """Every .mat under ``root``: resampled to ``sample_rate``, cut into segments of
    ``segment_seconds`` (None keeps whole files; a shorter file is kept whole). Returns signals, labels, groups (load or
    file), fold (test if its load is in ``test_loads``) and names."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root}: no such directory; dataset.path must hold the CWRU .mat files")
    files = sorted(root.rglob("*.mat"))
    if not files:
        raise DataError(f"{root}: no .mat files found")
    file_rates = {str(k): float(v) for k, v in (file_rates or {}).items()}
    signals, labels, groups, fold, names = [], [], [], [], []
    for f in files:
        label, load = label_of(f)
        x, rpm = read_mat(f, channel)
        rate_in = file_rates.get(f.stem, float(file_rate))
        if rate_in != sample_rate:
            g = gcd(int(round(rate_in)), int(round(sample_rate)))
            x = resample_poly(x, int(round(sample_rate)) // g, int(round(rate_in)) // g).astype(np.float32)
        group = f"{load}hp" if load is not None else (f"{rpm:.0f}rpm" if rpm else f.stem)
        n = len(x) if not segment_seconds else min(int(segment_seconds * sample_rate), len(x))
        for i in range(len(x) // n):
            signals.append(x[i * n : (i + 1) * n])
            labels.append(label)
            groups.append(group)
            fold.append("test" if load is not None and load in test_loads else "train")
            names.append(f"{f.relative_to(root)}[{i}]")
    return {"signals": signals, "labels": np.array(labels), "groups": np.array(groups),
            "fold": np.array(fold), "names": names}  # fmt: skip


class CwruOptions(BaseModel):
    """``dataset.options`` of the cwru recipe."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str | None = Field(None, description="folder of .mat files (else dataset.path or --data)")
    channel: Literal["DE", "FE", "BA"] = Field("DE", description="drive end, fan end or base accelerometer")
    file_rate: float = Field(12000.0, gt=0, description="Hz the files were recorded at")
    file_rates: dict[str, Annotated[float, Field(gt=0)]] = Field(
        default_factory=dict, description="Hz per file stem, e.g. {'97': 48000}"
    )
    segment_seconds: float | None = Field(2.0, gt=0, description="cut recordings into segments this long (null: whole)")
    test_loads: tuple[Annotated[int, Field(ge=0, le=3)], ...] = Field((), description="motor loads (hp) held out")

    @field_validator("file_rates", mode="before")
    @classmethod
    def _stems_as_text(cls, v):
        """YAML reads ``97: 48000`` with a number for the file stem."""
        return {str(k): r for k, r in v.items()} if isinstance(v, dict) else v


def parse_options(options: dict | None, key: tuple = ("dataset", "options")) -> CwruOptions:
    return validated(CwruOptions, dict(options or {}), key)


def load(config, options: dict | None = None):
    """Recipe hook for ``dataset: {loader: recipe, name: cwru, path: DIR, options: {...}}``
    (options: :class:`CwruOptions`; ``test_loads`` is for ``split.by: predefined``)."""
    from ..dataset import Dataset

    opts = parse_options(options)
    path = opts.path or getattr(config.dataset, "path", None)
    if not path:
        raise DataError("the cwru recipe needs dataset.path (or --data DIR): a folder of CWRU .mat files")
    d = load_folder(
        path,
        float(config.sensor.sample_rate),
        channel=opts.channel,
        file_rate=opts.file_rate,
        file_rates=opts.file_rates,
        segment_seconds=opts.segment_seconds,
        test_loads=opts.test_loads,
    )
    fold = d["fold"] if "test" in set(d["fold"].tolist()) else None
    return Dataset([s[:, None] for s in d["signals"]], d["labels"], d["groups"], float(config.sensor.sample_rate),
                   tuple(config.sensor.channels), d["names"], fold=fold, source=f"cwru:{path}")  # fmt: skip
