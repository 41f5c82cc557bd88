"""Causal per-band normalisation of log-mel frames for the streaming wake-word study (issue 27,
docs/experiments/2026-12-07-wakeword-causal-normalisation.md): each frame less a mean of the
frames up to and including it, so a frame's input to the net never changes once computed (as a
streaming net that keeps its layer outputs between windows needs). Study code only: the product's
``conv1d`` still has ``center_window`` (the mean over the whole window) and nothing else.

- ``ema``: m_0 = x_0, m_t = m_{t-1} + (x_t - m_{t-1}) / 2**a (a running mean of ~2**a frames, the
  fixed-point form a device would use: one shift and two adds per band and frame).
- ``box``: the mean of the last ``n`` frames x_{t-n+1..t}, over the frames that exist (fewer at
  the start of a clip or stream).
- ``frame``: each frame less its own mean over the bands (stateless: the level of the frame
  removed, as c0 is dropped from cepstra; reset and carried views are the same).

Arrays are ``(..., T, C)``: time on axis -2, bands on axis -1. ``install(mode)`` patches
``Conv1D._frames`` so training and clip scoring see ``x - m`` per window (the state restarted in
every window: "reset"); with ``PRE_NORMALISED[0] = True`` the patched ``_frames`` passes frames
through unchanged, for stream scoring that normalised the whole stream first ("carried")."""

from __future__ import annotations

import numpy as np

EMA_SHIFT = 5  # a = 5: 1/32, ~0.8 s at 40 frames/s
BOX_FRAMES = 40  # 1 s at 40 frames/s

PRE_NORMALISED = [False]


def ema_mean(x: np.ndarray, shift: int = EMA_SHIFT) -> np.ndarray:
    """The running means m_t of ``x (..., T, C)`` along axis -2 (float64 state, float32 out)."""
    x = np.asarray(x, np.float32)
    out = np.empty(x.shape, np.float32)
    alpha = 2.0**-shift
    m = x[..., 0, :].astype(np.float64)
    out[..., 0, :] = m
    for t in range(1, x.shape[-2]):
        m = m + (x[..., t, :] - m) * alpha
        out[..., t, :] = m
    return out


def box_mean(x: np.ndarray, n: int = BOX_FRAMES) -> np.ndarray:
    """The trailing means of ``x (..., T, C)`` over the last ``n`` frames that exist, along axis -2."""
    x = np.asarray(x, np.float32)
    c = np.cumsum(x, axis=-2, dtype=np.float64)
    T = x.shape[-2]
    s = c.copy()
    if T > n:
        s[..., n:, :] -= c[..., :-n, :]
    count = np.minimum(np.arange(1, T + 1), n).astype(np.float64)[:, None]
    return (s / count).astype(np.float32)


def normalise(x: np.ndarray, mode: str) -> np.ndarray:
    """``x`` less its causal mean: ``ema`` / ``box`` (defaults above), ``emaA`` (shift A),
    ``boxN`` (N frames), ``frame`` (each frame's band mean); ``none``: ``x`` as float32."""
    x = np.asarray(x, np.float32)
    if mode == "none":
        return x
    if mode == "frame":
        return x - x.mean(axis=-1, keepdims=True)
    kind, arg = mode[:3], mode[3:]
    if kind == "ema":
        return x - ema_mean(x, int(arg) if arg else EMA_SHIFT)
    if kind == "box":
        return x - box_mean(x, int(arg) if arg else BOX_FRAMES)
    raise SystemExit(f"causal study: unknown mode {mode!r}; use none, frame, ema[A] or box[N]")


def install(mode: str) -> None:
    """Patch ``Conv1D._frames``: each window's frames less their causal mean (``mode``), or
    unchanged while ``PRE_NORMALISED[0]``. Refuses a pipeline that also centres."""
    from sensorflow.stages.models.conv import Conv1D

    def _frames(self, X, size):
        if self.params.center_window:
            raise SystemExit("causal study: set center_window: false in the YAML (the study normalises)")
        x = np.asarray(X, np.float32).reshape(len(X), -1, size)
        if PRE_NORMALISED[0]:
            return x
        return normalise(x, mode)

    Conv1D._frames = _frames


def _check() -> None:
    """Both means against a direct loop on random data (run: python causal_norm.py)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 57, 4)).astype(np.float32) * 10 + 5
    for w in range(3):
        m = x[w, 0].astype(np.float64).copy()
        for t in range(57):
            if t:
                m = m + (x[w, t] - m) / 32.0
            assert np.allclose(ema_mean(x)[w, t], m, atol=1e-5), ("ema", w, t)
            lo = max(0, t - BOX_FRAMES + 1)
            assert np.allclose(box_mean(x)[w, t], x[w, lo : t + 1].mean(axis=0), atol=1e-4), ("box", w, t)
    # a stream normalised at once equals the per-window normalisation of its first window
    assert np.allclose(normalise(x, "box")[:, :40], normalise(x[:, :40], "box"), atol=1e-5)
    assert np.allclose(normalise(x, "ema")[:, :40], normalise(x[:, :40], "ema"), atol=1e-5)
    assert np.array_equal(normalise(x, "box40"), normalise(x, "box"))
    assert np.array_equal(normalise(x, "ema5"), normalise(x, "ema"))
    f = normalise(x, "frame")
    assert np.allclose(f.sum(axis=-1), 0, atol=1e-3) and np.allclose(f[:, :40], normalise(x[:, :40], "frame"))
    b = normalise(x, "box32")
    assert np.allclose(b[:, 40], x[:, 9:41].mean(axis=1) * -1 + x[:, 40], atol=1e-4)
    print("causal_norm: ema and box equal the direct loops")


if __name__ == "__main__":
    _check()
