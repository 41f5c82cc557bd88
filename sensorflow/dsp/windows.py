"""Analysis windows equal to ``scipy.signal.get_window(name, n, fftbins=True)`` (periodic),
centred and zero-padded to ``n_fft`` as librosa.stft does when ``win_length < n_fft``.

The formulas are scipy's (its ``general_cosine`` coefficients, same operation order) and
tests/dsp/test_dsp_constants.py checks them against scipy value for value; they live here
so computing a feature never imports ``scipy.signal``, which costs 0.3-3 s per process.
"""

from __future__ import annotations

import numpy as np

_COSINE_SUMS = {
    "hann": (0.5, 0.5),
    "hamming": (0.54, 1.0 - 0.54),  # scipy's general_hamming(0.54): 1 - alpha, not 0.46
    "blackman": (0.42, 0.50, 0.08),
    "blackmanharris": (0.35875, 0.48829, 0.14128, 0.01168),
    "nuttall": (0.3635819, 0.4891775, 0.1365995, 0.0106411),
    "flattop": (0.21557895, 0.41663158, 0.277263158, 0.083578947, 0.006947368),
}
WINDOW_NAMES = tuple(_COSINE_SUMS) + ("bartlett", "boxcar", "cosine")


def check_window_name(name: str) -> str:
    """Refuse window names we do not provide (or that need extra parameters in scipy)."""
    if name not in WINDOW_NAMES:
        raise ValueError(f"unknown window '{name}'; use one of: {', '.join(WINDOW_NAMES)}")
    return name


def _symmetric(name: str, m: int) -> np.ndarray:
    if m == 1:
        return np.ones(1)
    if name in _COSINE_SUMS:
        fac = np.linspace(-np.pi, np.pi, m)
        w = np.zeros(m)
        for k, a in enumerate(_COSINE_SUMS[name]):
            w += a * np.cos(k * fac)
        return w
    if name == "bartlett":
        n = np.arange(0, m)
        return np.where(np.less_equal(n, (m - 1) / 2.0), 2.0 * n / (m - 1), 2.0 - 2.0 * n / (m - 1))
    if name == "boxcar":
        return np.ones(m)
    if name == "cosine":
        return np.sin(np.pi / m * (np.arange(0, m) + 0.5))
    raise ValueError(check_window_name(name))


def periodic_window(name: str, n: int) -> np.ndarray:
    """``scipy.signal.get_window(name, n, fftbins=True)`` in float64."""
    check_window_name(name)
    if n <= 1:
        return np.ones(n)
    return _symmetric(name, n + 1)[:-1]


def window_vector(name: str, win_length: int, n_fft: int | None = None, dtype=np.float32) -> np.ndarray:
    """The periodic window of ``win_length`` samples, centred in ``n_fft`` zeros
    (librosa.filters.get_window + librosa.util.pad_center)."""
    n_fft = win_length if n_fft is None else n_fft
    w = periodic_window(name, win_length)
    if win_length < n_fft:
        lpad = (n_fft - win_length) // 2
        w = np.pad(w, (lpad, n_fft - win_length - lpad))
    return w.astype(dtype)
