"""``loader: aeon`` — the UEA/UCR time-series classification format (``.ts`` files), offline.
``name:`` picks a set that ships inside aeon (BasicMotions, JapaneseVowels, GunPoint, ...; needs
the ``uea`` extra, which brings aeon); ``path:`` a folder holding ``NAME_TRAIN.ts``/``NAME_TEST.ts`` or one ``.ts``
file. The train/test files become the ``predefined`` split. UEA files carry no sample rate:
the sensor's is used. Each case is one recording (its own group). Files are read by
:mod:`sensorflow.datasets.ts_format` (numpy only), so ``path:`` needs no aeon.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import DataError
from .dataset import Dataset
from .ts_format import read_ts


def _aeon():
    try:
        import aeon.datasets as ad
    except ImportError:
        raise DataError(
            "dataset.name picks a UEA set shipped inside aeon; install it with: pip install 'sensorflow[uea]' "
            "(or point dataset.path at your own .ts files, which need nothing extra)"
        ) from None
    return ad


def _bundled_dir(name: str) -> Path:
    ad = _aeon()
    data = Path(ad.__file__).parent / "data"
    d = data / name
    if not (d / f"{name}_TRAIN.ts").exists():
        shipped = sorted(p.name for p in data.iterdir() if p.is_dir() and (p / f"{p.name}_TRAIN.ts").exists())
        raise DataError(
            f"UEA dataset '{name}' does not ship with aeon and nothing is downloaded; shipped sets: "
            f"{', '.join(shipped)}; or point dataset.path at a folder with {name}_TRAIN.ts and {name}_TEST.ts"
        )
    return d


def _ts_files(path: Path | None, name: str | None) -> list[tuple[Path, str | None]]:
    if path is None:
        if not name:
            raise DataError("the aeon loader needs dataset.name (e.g. BasicMotions) or dataset.path")
        d = _bundled_dir(name)
        return [(d / f"{name}_TRAIN.ts", "train"), (d / f"{name}_TEST.ts", "test")]
    if path.is_file():
        return [(path, None)]
    if path.is_dir():
        train = sorted(path.glob("*_TRAIN.ts"))
        test = sorted(path.glob("*_TEST.ts"))
        if train or test:
            return [(f, "train") for f in train] + [(f, "test") for f in test]
        files = sorted(path.glob("*.ts"))
        if not files:
            raise DataError(f"{path}: empty folder; no .ts files (UEA format) in it")
        return [(f, None) for f in files]
    raise DataError(f"{path}: no such file or folder; check dataset.path")


def load_uea(path, name, sensor, options: dict) -> Dataset:
    files = _ts_files(Path(path) if path else None, name)
    signals, labels, groups, names, folds = [], [], [], [], []
    for f, fold in files:
        X, y = read_ts(f)
        for i in range(len(X)):
            case = np.asarray(X[i], dtype=np.float64).T  # aeon: (channels, length) -> (length, channels)
            signals.append(case * sensor.scale)
            labels.append(y[i])
            groups.append(f"{f.name}[{i}]")
            names.append(f"{f}[{i}]")
            folds.append(fold)
    fold_arr = np.asarray(folds) if all(fold is not None for fold in folds) else None
    n_ch = signals[0].shape[1] if signals else len(sensor.channels)
    for s, n in zip(signals, names):
        if s.shape[1] != n_ch:
            raise DataError(f"{n}: {s.shape[1]} channels but the first case has {n_ch}")
    if n_ch != len(sensor.channels):
        raise DataError(
            f"{files[0][0]}: {n_ch} channels but the pipeline sensor has {len(sensor.channels)}; fix sensor.channels"
        )
    return Dataset(
        signals, labels, groups, sensor.sample_rate, sensor.channels, names, fold_arr, source=str(path or name)
    )
