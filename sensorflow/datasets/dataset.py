"""The Dataset type every loader and recipe returns (the contract is in ``sensorflow.datasets``)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field

import numpy as np

from ..errors import DataError
from ..labels import natural_sorted
from ..windowing import PAD_MODES, VALID_PAD, frame, to_window


@dataclass
class Stream:
    """A continuous recording with annotated events, for event-detector evaluation.

    ``events`` holds ``(start_s, end_s, label)`` tuples; everything else is background.
    ``context`` optionally describes that background the same way (e.g. ``"confusable"`` or
    ``"speech"`` stretches), so false accepts can be attributed; it is never a target.
    """

    signal: np.ndarray
    events: list[tuple[float, float, object]]
    name: str = "<stream>"
    context: list[tuple[float, float, str]] = field(default_factory=list)
    condition: str = ""  # how it was recorded or mixed (e.g. "SNR 5 dB"), for per-condition figures
    event_sources: list[str] = field(default_factory=list)  # who made each event (e.g. the speaker's accent),
    # in the order of ``events``, for per-source recall; empty when unknown
    part: str = ""  # "dev": held out to choose settings (a threshold, a tune search); otherwise evaluation only


@dataclass
class Windows:
    """Windows cut from a dataset: ``X (n, length, C)``, one label, group and recording index each;
    with ``window.pad: valid``, ``n_valid``: how many samples of each window are the recording."""

    X: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    recording: np.ndarray
    n_valid: np.ndarray | None = None


@dataclass
class Dataset:
    """Labelled recordings (see the module docstring of ``sensorflow.datasets``)."""

    signals: list[np.ndarray]
    labels: np.ndarray
    groups: np.ndarray
    sample_rate: float
    channels: tuple[str, ...]
    names: list[str]
    fold: np.ndarray | None = None
    streams: list[Stream] = field(default_factory=list)
    source: str = ""
    # training-part recordings holding only the class background_label: the pool train.hard_negatives mines
    background: list[np.ndarray] = field(default_factory=list)
    background_label: str | None = None

    def __post_init__(self):
        self.signals = [_as_signal(s, n) for s, n in zip(self.signals, self.names)]
        self.labels = _labels_array(self.labels)
        self.groups = np.asarray([str(g) for g in self.groups])
        self.channels = tuple(str(c) for c in self.channels)
        self.sample_rate = float(self.sample_rate)
        n = len(self.signals)
        for what, arr in (("labels", self.labels), ("groups", self.groups), ("names", self.names)):
            if len(arr) != n:
                raise DataError(f"{self.source or 'dataset'}: {n} recordings but {len(arr)} {what}")
        if self.fold is not None:
            self.fold = np.asarray([str(f) for f in self.fold])
            bad = sorted(set(self.fold) - {"train", "test"})
            if bad or len(self.fold) != n:
                raise DataError(f"{self.source or 'dataset'}: fold must be 'train' or 'test' per recording")
        for s, name in zip(self.signals, self.names):
            if s.shape[1] != len(self.channels):
                raise DataError(f"{name}: {s.shape[1]} channels but the dataset has {len(self.channels)}")
        self.background = [_as_signal(s, f"background {i}") for i, s in enumerate(self.background)]
        if self.background and self.background_label is None:
            raise DataError(f"{self.source or 'dataset'}: background recordings need background_label (their class)")
        for i, s in enumerate(self.background):
            if s.shape[1] != len(self.channels):
                raise DataError(f"background {i}: {s.shape[1]} channels but the dataset has {len(self.channels)}")
        if n == 0 and not self.streams:
            raise DataError(f"{self.source or 'dataset'}: no recordings found")

    def __len__(self) -> int:
        return len(self.signals)

    @property
    def classes(self) -> list:
        return natural_sorted(self.labels.tolist())

    def subset(self, index) -> Dataset:
        index = np.asarray(index, dtype=int)
        return Dataset(
            [self.signals[i] for i in index],
            self.labels[index],
            self.groups[index],
            self.sample_rate,
            self.channels,
            [self.names[i] for i in index],
            None if self.fold is None else self.fold[index],
            [],
            self.source,
        )

    def _check_min_valid(self, min_valid: int) -> None:
        for i, s in enumerate(self.signals):
            if 0 < len(s) < min_valid:
                name = self.names[i] if i < len(self.names) else str(i)
                raise DataError(
                    f"{self.source or 'dataset'}: recording '{name}' has {len(s)} samples, fewer than the "
                    f"{min_valid} the pipeline's features need (window.pad: valid); drop recordings shorter "
                    f"than {min_valid} or use window.pad: resample, edge or zero"
                )

    def fingerprint(self) -> str:
        """sha256 over sample rate, channels, every signal's shape and float32 bytes, labels and groups
        (streams and background recordings too)."""
        h = hashlib.sha256()
        h.update(repr((self.sample_rate, self.channels)).encode())
        for s, label, group in zip(self.signals, self.labels.tolist(), self.groups.tolist()):
            h.update(repr((s.shape, label, group)).encode())
            h.update(np.ascontiguousarray(s, dtype=np.float32).tobytes())
        for st in self.streams:
            h.update(repr((st.signal.shape, [tuple(map(str, e)) for e in st.events])).encode())
            h.update(np.ascontiguousarray(st.signal, dtype=np.float32).tobytes())
        for b in self.background:
            h.update(repr((b.shape, self.background_label)).encode())
            h.update(np.ascontiguousarray(b, dtype=np.float32).tobytes())
        return h.hexdigest()

    def check_sensor(self, sample_rate: float, n_channels: int) -> None:
        """Refuse a dataset whose sample rate or channel count differs from the pipeline sensor."""
        if abs(self.sample_rate - float(sample_rate)) > 1e-6 * float(sample_rate):
            raise DataError(
                f"{self.source or 'dataset'}: sample rate {self.sample_rate:g} Hz but the pipeline sensor is "
                f"{float(sample_rate):g} Hz; resample the data or fix sensor.sample_rate"
            )
        if len(self.channels) != n_channels:
            raise DataError(
                f"{self.source or 'dataset'}: {len(self.channels)} channels but the pipeline sensor has "
                f"{n_channels}; fix sensor.channels or the data"
            )

    def windows(self, length: int, hop: int, pad: str | None = PAD_MODES[0], note=None, min_valid: int = 1) -> Windows:
        """Cut every recording into windows (``sensorflow.windowing.frame``); a recording
        shorter than one window becomes one window as ``pad`` says (``windowing.to_window``:
        ``resample``, ``edge`` or ``zero``; ``None`` drops it), and ``note`` is told how many
        did (a window far longer than the data is a config mistake the accuracy alone would
        not show). ``pad: valid``: a recording of fewer than ``min_valid`` samples (the
        pipeline's ``min_valid_length``) is a DataError naming it."""
        _check_window_memory(self, length, hop, pad is not None)
        if pad == VALID_PAD:
            self._check_min_valid(min(min_valid, length))
        xs, ys, gs, rs, nv = [], [], [], [], []
        short = []
        for i, s in enumerate(self.signals):
            if len(s) < length and pad is not None and len(s) > 0:
                short.append(len(s))
                w = to_window(s, length, pad)[None]
            else:
                w = frame(s, length, hop)
            xs.append(w)
            nv += [min(len(s), length)] * len(w)
            ys += [self.labels[i]] * len(w)
            gs += [self.groups[i]] * len(w)
            rs += [i] * len(w)
        if short and note:
            done = {"resample": "resampled", "edge": "edge-padded", "zero": "zero-padded", "valid": "kept"}[pad]
            note(
                f"{len(short)} of {len(self)} recordings are shorter than one window ({length} samples; shortest "
                f"{min(short)}, longest {max(short)}): {done} to one window (window.pad); check window.length"
            )
        n_ch = len(self.channels)
        X = np.concatenate(xs).astype(np.float32, copy=False) if xs else np.empty((0, length, n_ch), np.float32)
        if len(X) == 0:
            raise DataError(
                f"{self.source or 'dataset'}: no recording is long enough for one window of {length} samples"
            )
        n_valid = np.asarray(nv, dtype=np.int64) if pad == VALID_PAD else None
        return Windows(X, _labels_array(ys), np.asarray(gs), np.asarray(rs, dtype=int), n_valid)


def window_memory_limit() -> int:
    """Most memory the windows of one dataset may take as float32: half of this process's
    memory (the physical memory, or the address-space limit ``RLIMIT_AS`` when one is set and
    lower), 1 GiB where neither can be read. More means a hop far shorter than the window over
    long recordings, which would exhaust the machine instead."""
    limits = []
    try:
        limits.append(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        pass
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft != resource.RLIM_INFINITY:
            limits.append(soft)
    except (ImportError, AttributeError, ValueError, OSError):
        pass
    return min(limits) // 2 if limits else 1 << 30


def _check_window_memory(ds: Dataset, length: int, hop: int, pad_short: bool) -> None:
    """A DataError, before any window is cut, if they would take more than ``window_memory_limit()``."""
    n = sum((len(s) - length) // hop + 1 if len(s) >= length else int(pad_short and len(s) > 0) for s in ds.signals)
    nbytes = n * length * len(ds.channels) * 4
    limit = window_memory_limit()
    if nbytes > limit:
        raise DataError(
            f"{ds.source or 'dataset'}: {n} windows of {length} samples (hop {hop}) would take "
            f"{nbytes / 2**30:.1f} GiB, over the {limit / 2**30:.1f} GiB limit (half of this machine's memory); "
            "raise window.hop or shorten window.length"
        )


def _as_signal(s, name) -> np.ndarray:
    s = np.asarray(s)
    if s.ndim == 1:
        s = s[:, None]
    if s.ndim != 2:
        raise DataError(f"{name}: expected samples of shape (n_samples, n_channels), got {s.shape}")
    if s.dtype.kind not in "fiu":
        raise DataError(f"{name}: samples must be numbers, got {s.dtype}")
    s = s.astype(np.float32, copy=False)
    if not np.all(np.isfinite(s)):
        row = int(np.argwhere(~np.isfinite(s))[0][0])
        raise DataError(f"{name}: sample {row} is NaN or Inf; clean or interpolate the data")
    return s


def _labels_array(labels) -> np.ndarray:
    """Integer labels stay integers; anything else becomes strings (never an object array)."""
    arr = np.asarray(labels)
    if arr.dtype.kind in "iub":
        return arr.astype(np.int64)
    if arr.dtype.kind == "f" and len(arr) and np.all(arr == np.round(arr)):
        return arr.astype(np.int64)
    return np.asarray([str(v) for v in arr.tolist()])
