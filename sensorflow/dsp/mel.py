"""Mel scale and mel filterbank, reproducing librosa.filters.mel (Slaney or HTK scale,
Slaney area normalisation or none) value for value."""

from __future__ import annotations

import numpy as np


def hz_to_mel(frequencies, htk: bool = False) -> np.ndarray:
    """librosa.hz_to_mel: HTK ``2595 log10(1 + f/700)`` or Slaney (linear below 1 kHz, log above)."""
    f = np.asanyarray(frequencies, dtype=np.float64)
    if htk:
        return 2595.0 * np.log10(1.0 + f / 700.0)
    f_sp = 200.0 / 3
    mels = f / f_sp
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-300) / min_log_hz) / logstep, mels)


def mel_to_hz(mels, htk: bool = False) -> np.ndarray:
    """librosa.mel_to_hz, the inverse of :func:`hz_to_mel`."""
    m = np.asanyarray(mels, dtype=np.float64)
    if htk:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    f_sp = 200.0 / 3
    freqs = f_sp * m
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), freqs)


def mel_frequencies(n_mels: int, fmin: float, fmax: float, htk: bool = False) -> np.ndarray:
    """librosa.mel_frequencies: ``n_mels`` points evenly spaced on the mel scale."""
    return mel_to_hz(np.linspace(hz_to_mel(fmin, htk), hz_to_mel(fmax, htk), n_mels), htk)


def fft_frequencies(sr: float, n_fft: int) -> np.ndarray:
    """Centre frequency of each rfft bin (librosa.fft_frequencies / numpy.fft.rfftfreq)."""
    return np.fft.rfftfreq(n=n_fft, d=1.0 / sr)


def mel_filterbank(
    sr: float,
    n_fft: int,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: float | None = None,
    htk: bool = False,
    norm: str | None = "slaney",
    dtype=np.float32,
) -> np.ndarray:
    """Triangular mel weights ``(n_mels, 1 + n_fft // 2)``, as librosa.filters.mel computes
    them (float64 ramps, rounded to ``dtype``, then the Slaney area normalisation)."""
    fmax = sr / 2.0 if fmax is None else float(fmax)
    weights = np.zeros((n_mels, 1 + n_fft // 2), dtype=dtype)
    fftfreqs = fft_frequencies(sr, n_fft)
    mel_f = mel_frequencies(n_mels + 2, fmin, fmax, htk)
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights[:] = np.maximum(0, np.minimum(lower, upper))
    if norm == "slaney":
        enorm = 2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels])
        weights *= enorm[:, np.newaxis]
    elif norm is not None:
        raise ValueError(f"unsupported mel norm {norm!r}; use 'slaney' or None")
    return weights


def empty_mel_bands(weights: np.ndarray) -> list[int]:
    """Indices of mel bands with no weight at all (n_mels too high for n_fft / fmin-fmax)."""
    return [int(i) for i in np.flatnonzero(weights.max(axis=1) <= 0)]
