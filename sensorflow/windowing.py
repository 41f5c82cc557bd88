"""Cutting a continuous multi-channel signal into windows, batch and streaming."""

from __future__ import annotations

import numpy as np

from .errors import DataError


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
