"""Framing and frame-by-frame spectra, as librosa.stft cuts and transforms a signal.

With ``center=True`` frame ``t`` covers samples ``[t*hop - n_fft//2, t*hop - n_fft//2 + n_fft)``
of the signal, with padding (zeros for ``pad_mode="constant"``, librosa's default since 0.10)
outside it; with ``center=False`` it covers ``[t*hop, t*hop + n_fft)``.
"""

from __future__ import annotations

import numpy as np


def n_frames(length: int, n_fft: int, hop_length: int, center: bool) -> int:
    """Number of frames librosa.stft returns for a signal of ``length`` samples (0 if none fit)."""
    padded = length + 2 * (n_fft // 2) if center else length
    if padded < n_fft:
        return 0
    return 1 + (padded - n_fft) // hop_length


def frame_starts(length: int, n_fft: int, hop_length: int, center: bool) -> np.ndarray:
    """First sample of each frame in signal coordinates (negative = inside the left padding)."""
    offset = n_fft // 2 if center else 0
    return np.arange(n_frames(length, n_fft, hop_length, center), dtype=np.int64) * hop_length - offset


def frame_signal(
    x: np.ndarray, n_fft: int, hop_length: int, center: bool = True, pad_mode: str = "constant"
) -> np.ndarray:
    """Frames along the last axis: ``(..., length) -> (..., n_frames, n_fft)`` (a strided view
    of the padded signal; copy before writing)."""
    if center:
        pad = [(0, 0)] * (x.ndim - 1) + [(n_fft // 2, n_fft // 2)]
        x = np.pad(x, pad, mode=pad_mode)
    view = np.lib.stride_tricks.sliding_window_view(x, n_fft, axis=-1)
    return view[..., ::hop_length, :]


def power_spectrum(frames: np.ndarray, window: np.ndarray, power: float = 2.0, dtype=None) -> np.ndarray:
    """``|rfft(frame * window)| ** power`` over the last axis, as librosa computes it: the
    product and the FFT run in the window's precision (float64 in librosa), the magnitude in
    ``dtype`` (default: the frames' float dtype)."""
    dtype = np.dtype(frames.dtype if dtype is None else dtype)
    import scipy.fft  # on first use: `sensorflow validate` imports this module

    spec = scipy.fft.rfft(frames * window, axis=-1, overwrite_x=True)  # the product is a temporary
    with np.errstate(over="ignore"):  # huge finite samples: Inf here, clamped by the log stage
        mag = np.abs(spec.astype(np.result_type(dtype, np.complex64), copy=False))
        if power == 1.0:
            return mag
        if power == 2.0:
            return np.square(mag, out=mag)
        return np.power(mag, power, out=mag)
