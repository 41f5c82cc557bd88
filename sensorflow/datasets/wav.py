"""``loader: wav_folder`` — one sub-folder per label, WAV files inside (the Speech Commands layout).

Integer PCM is scaled by ``sensor.scale`` (raw count -> physical unit); float WAVs are taken
as physical values. Every file must have the sensor's sample rate and channel count.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
from scipy.io import wavfile

from ..errors import DataError
from .dataset import Dataset


def read_wav(
    path, sample_rate: float | None = None, n_channels: int | None = None, scale: float = 1.0
) -> tuple[np.ndarray, int]:
    """Read one WAV as ``(n_samples, n_channels)`` float32; check rate and channels when given."""
    path = Path(path)
    if path.exists() and not path.is_file():
        raise DataError(f"{path}: not a regular file (a folder, device or FIFO); give a .wav file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", wavfile.WavFileWarning)
            rate, data = wavfile.read(path)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except Exception as exc:  # noqa: BLE001 scipy's header parser raises almost any type on a damaged header
        # (ValueError, EOFError, UnboundLocalError, ZeroDivisionError, KeyError, MemoryError...)
        detail = (str(exc).splitlines() or [type(exc).__name__])[0][:120]
        raise DataError(f"{path}: not a readable WAV file ({detail})") from None
    if data.ndim not in (1, 2) or data.dtype.kind not in "fiu" or (data.ndim == 2 and data.shape[1] == 0):
        raise DataError(f"{path}: not a readable WAV file (unusual sample layout {data.dtype} {data.shape})")
    if not rate or rate <= 0:
        raise DataError(f"{path}: header gives sample rate {rate} Hz; the file is damaged")
    if data.ndim == 1:
        data = data[:, None]
    if sample_rate is not None and abs(rate - float(sample_rate)) > 1e-6:
        raise DataError(
            f"{path}: sample rate {rate} Hz but the pipeline sensor is {float(sample_rate):g} Hz; "
            "resample it (e.g. sox in.wav -r RATE out.wav) or fix sensor.sample_rate"
        )
    if n_channels is not None and data.shape[1] != n_channels:
        raise DataError(
            f"{path}: {data.shape[1]} channel(s) but the pipeline sensor has {n_channels}; "
            f"convert it (e.g. sox in.wav -c {n_channels} out.wav) or fix sensor.channels"
        )
    if data.dtype.kind == "f":
        signal = data.astype(np.float32)
    elif data.dtype == np.uint8:  # 8-bit WAV is unsigned, centred on 128
        signal = ((data.astype(np.float32) - 128.0) * np.float32(scale)).astype(np.float32)
    else:
        signal = (data.astype(np.float64) * scale).astype(np.float32)
    return signal, int(rate)


def load_wav_folder(path, sensor, options: dict) -> Dataset:
    """Options: ``group_pattern`` (regex on the file name; its first group, e.g. the speaker,
    keeps that speaker's files on one side of the split; default: one group per file)."""
    root = Path(path)
    if not root.is_dir():
        raise DataError(f"{root}: no such folder; dataset.path must be a folder with one sub-folder per label")
    pattern = options.get("group_pattern")
    regex = re.compile(pattern) if pattern else None
    label_dirs = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    if not label_dirs:
        raise DataError(f"{root}: empty folder; put WAV files in one sub-folder per label (e.g. {root}/yes/a.wav)")
    signals, labels, groups, names = [], [], [], []
    for d in label_dirs:
        files = sorted(f for f in d.iterdir() if f.suffix.lower() == ".wav")
        if not files:
            raise DataError(f"{d}: empty folder; it has no .wav files (remove it or add recordings)")
        for f in files:
            signal, _ = read_wav(f, sensor.sample_rate, len(sensor.channels), sensor.scale)
            signals.append(signal)
            labels.append(d.name)
            names.append(str(f))
            if regex is not None:
                m = regex.search(f.name)
                if not m:
                    raise DataError(f"{f}: file name does not match dataset.options.group_pattern {pattern!r}")
                groups.append(m.group(1) if m.groups() else m.group(0))
            else:
                groups.append(f"{d.name}/{f.name}")
    return Dataset(signals, labels, groups, sensor.sample_rate, sensor.channels, names, source=str(root))
