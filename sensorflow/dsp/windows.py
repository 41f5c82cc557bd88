"""Analysis windows: scipy.signal.get_window with ``fftbins=True`` (periodic), centred and
zero-padded to ``n_fft`` as librosa.stft does when ``win_length < n_fft``."""

from __future__ import annotations

import numpy as np
import scipy.signal

WINDOW_NAMES = ("hann", "hamming", "blackman", "blackmanharris", "bartlett", "boxcar", "flattop", "nuttall", "cosine")


def check_window_name(name: str) -> str:
    """Refuse window names scipy does not know or that need extra parameters."""
    if name not in WINDOW_NAMES:
        raise ValueError(f"unknown window '{name}'; use one of: {', '.join(WINDOW_NAMES)}")
    return name


def window_vector(name: str, win_length: int, n_fft: int | None = None, dtype=np.float32) -> np.ndarray:
    """The periodic window of ``win_length`` samples, centred in ``n_fft`` zeros
    (librosa.filters.get_window + librosa.util.pad_center)."""
    n_fft = win_length if n_fft is None else n_fft
    w = scipy.signal.get_window(name, win_length, fftbins=True)
    if win_length < n_fft:
        lpad = (n_fft - win_length) // 2
        w = np.pad(w, (lpad, n_fft - win_length - lpad))
    return w.astype(dtype)
