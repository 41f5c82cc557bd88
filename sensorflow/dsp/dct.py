"""DCT-II as a matrix, so that ``D @ x`` equals ``scipy.fft.dct(x, type=2, norm=norm)[:n_out]``
(the transform librosa.feature.mfcc applies over the mel axis)."""

from __future__ import annotations

import numpy as np


def dct_matrix(n_out: int, n_in: int, norm: str | None = "ortho", dtype=np.float32) -> np.ndarray:
    """DCT-II basis ``(n_out, n_in)``: ``y[k] = s_k * sum_n x[n] cos(pi k (2n + 1) / (2 n_in))``
    with ``s_k = 2`` (norm None) or the orthonormal scale ``sqrt(1/n_in)`` (k=0), ``sqrt(2/n_in)``."""
    n = np.arange(n_in, dtype=np.float64)
    k = np.arange(n_out, dtype=np.float64)[:, None]
    basis = np.cos(np.pi * k * (2.0 * n + 1.0) / (2.0 * n_in))
    if norm == "ortho":
        basis *= np.sqrt(2.0 / n_in)
        basis[0] *= np.sqrt(0.5)
    elif norm is None:
        basis *= 2.0
    else:
        raise ValueError(f"unsupported DCT norm {norm!r}; use 'ortho' or None")
    return basis.astype(dtype)
