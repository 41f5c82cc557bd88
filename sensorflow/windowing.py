"""Cutting a continuous multi-channel signal into windows, batch and streaming."""

from __future__ import annotations

import numpy as np

from .errors import DataError

PAD_MODES = ("resample", "edge", "zero", "valid")
"""How a recording shorter than one window becomes one window (``window.pad``; the first is the
default): ``resample`` stretches it over the window by linear interpolation (its values, mean and
spread kept; its time scale is not), ``edge`` repeats its last sample, ``zero`` appends zeros,
``valid`` keeps its ``n_valid = min(n, length)`` samples and the feature stages compute over
those only (the rest of the window is unused; zeros here; :func:`valid_length`).
Their order is the C enum ``sf_pad_mode`` (``sf_pad.h``)."""

VALID_PAD = "valid"

PAD_DESCRIPTION = {
    "resample": "stretched over the window by linear interpolation",
    "edge": "followed by copies of its last frame",
    "zero": "followed by zeros",
    "valid": "kept as its first n_valid frames (features over those only: give n_valid to _infer_n)",
}
"""What each mode does to a recording shorter than the window (for generated docs and notes)."""


def to_window(signal: np.ndarray, length: int, pad: str = PAD_MODES[0]) -> np.ndarray:
    """One window of ``length`` samples from a recording ``(n, C)`` of any length ``n >= 1``: the
    first ``length`` samples when ``n >= length`` (the first window :func:`frame` cuts), else the
    recording padded or resampled as ``pad`` says (see :data:`PAD_MODES`).

    ``resample`` is the float32 arithmetic the generated ``<prefix>_to_window`` does, so host and
    device give the same bits: output ``i`` reads position ``i (n - 1) / (length - 1)`` split into
    an integer part ``j`` and a remainder ``r`` (exact integers), ``w = float32(r) / float32(length - 1)``,
    then ``x[j] + w (x[j + 1] - x[j])`` one float32 rounding per operation, the ends exact."""
    x = np.asarray(signal, dtype=np.float32)
    if x.ndim == 1:
        x = x[:, None]
    n = len(x)
    if x.ndim != 2 or n < 1:
        raise DataError(f"expected a recording of shape (n_samples >= 1, n_channels), got {x.shape}")
    if pad not in PAD_MODES:
        raise DataError(f"unknown pad mode {pad!r}; use one of {', '.join(PAD_MODES)}")
    if n >= length:
        return x[:length].copy()
    if pad in ("zero", VALID_PAD):
        return np.concatenate([x, np.zeros((length - n, x.shape[1]), np.float32)])
    if pad == "edge":
        return np.concatenate([x, np.repeat(x[-1:], length - n, axis=0)])
    if n == 1:
        return np.repeat(x, length, axis=0)
    num = np.arange(length, dtype=np.int64) * (n - 1)
    j, r = num // (length - 1), num % (length - 1)
    j1 = np.minimum(j + 1, n - 1)
    w = (r.astype(np.float32) / np.float32(length - 1))[:, None]
    return x[j] + w * (x[j1] - x[j])


def valid_length(signal, length: int) -> int:
    """Samples of a recording that a ``pad: valid`` window holds: ``min(n, length)``."""
    return min(len(signal), int(length))


def frame(signal: np.ndarray, length: int, hop: int) -> np.ndarray:
    """Windows of ``length`` samples every ``hop`` samples, no padding (the last partial
    window is dropped): ``(n_samples, n_channels) -> (n_windows, length, n_channels)``."""
    signal = np.asarray(signal)
    if signal.ndim == 1:
        signal = signal[:, None]
    if signal.ndim != 2:
        raise DataError(f"expected a signal of shape (n_samples, n_channels), got {signal.shape}")
    n = signal.shape[0]
    if n < length:
        return np.empty((0, length, signal.shape[1]), dtype=signal.dtype)
    starts = np.arange(0, n - length + 1, hop)
    view = np.lib.stride_tricks.sliding_window_view(signal, length, axis=0)[::hop]
    return np.ascontiguousarray(np.swapaxes(view, 1, 2))[: len(starts)]


class Windower:
    """Streaming form of :func:`frame`: push chunks of any length, get the same windows.

    Memory is one window of samples (a ring on the device; a growing-and-trimmed buffer here).
    """

    def __init__(self, length: int, hop: int, n_channels: int, dtype=np.float32):
        self.length, self.hop, self.n_channels = int(length), int(hop), int(n_channels)
        self._buf = np.empty((0, n_channels), dtype=dtype)
        self._skip = 0  # samples still to drop before the next window starts (hop > length)
        self.n_seen = 0  # samples consumed so far
        self.n_windows = 0

    def push(self, chunk: np.ndarray) -> np.ndarray:
        chunk = np.asarray(chunk, dtype=self._buf.dtype)
        if chunk.ndim == 1:
            chunk = chunk.reshape(-1, self.n_channels) if self.n_channels > 1 else chunk[:, None]
        if chunk.ndim != 2 or chunk.shape[1] != self.n_channels:
            raise DataError(f"expected chunks of shape (n, {self.n_channels}), got {chunk.shape}")
        self.n_seen += len(chunk)
        if self._skip:
            drop = min(self._skip, len(chunk))
            chunk, self._skip = chunk[drop:], self._skip - drop
        self._buf = np.concatenate([self._buf, chunk])
        out = frame(self._buf, self.length, self.hop)
        if len(out):
            consumed = len(out) * self.hop
            self.n_windows += len(out)
            if consumed <= len(self._buf):
                self._buf = self._buf[consumed:]
            else:
                self._skip = consumed - len(self._buf)
                self._buf = self._buf[:0]
        return out
