"""Stream scoring that computes each frame of a recording once: when the pipeline's first stage
is framed (``log_mel``/``mfcc`` with ``center: false``) and its frame hop divides the window hop,
window k's frames are the stream's frames ``k*step .. k*step+T-1``, so the windows are assembled
from frames computed once (as the device's frame ring does) instead of recomputing the frames
every window shares. Scores equal ``predict_proba`` on the windows bit for bit (tests/demos)."""

from __future__ import annotations

import numpy as np

from ..graph import run_steps


def framed_first_stage(scorer):
    """The pipeline's first stage when windows can share its frames, else None: a single feature
    stage with ``shared_frame_hop``/``stream_frame_rows``/``windows_from_rows``, frames starting at
    the window's first sample every hop, a frame hop dividing the window hop, and a scorer whose
    class says how it scores features (``proba_of_features``)."""
    if getattr(type(scorer), "proba_of_features", None) is None:
        return None
    steps = scorer.steps
    if not steps or steps[0].role != "feature" or len(steps[0].stages) != 1:
        return None
    stage = steps[0].stages[0]
    if not all(hasattr(stage, m) for m in ("shared_frame_hop", "stream_frame_rows", "windows_from_rows")):
        return None
    frame_hop = stage.shared_frame_hop()
    if frame_hop is None or scorer.hop % frame_hop:
        return None
    starts = stage.frame_starts()
    if not np.array_equal(starts, np.arange(len(starts)) * frame_hop):
        return None
    return stage


def score_from_frames(scorer, stage, sig: np.ndarray, n_windows: int, chunk_windows: int) -> np.ndarray:
    """Scores of the ``n_windows`` windows of ``sig (n, C)`` from its frames computed once
    (``chunk_windows`` windows assembled at a time), then the rest of the pipeline and the model."""
    rows = stage.stream_frame_rows(sig[: (n_windows - 1) * scorer.hop + scorer.window_length])
    step, T = scorer.hop // stage.hop_length, len(stage.frame_starts())
    parts = []
    for first in range(0, n_windows, chunk_windows):
        k = np.arange(first, min(first + chunk_windows, n_windows))
        idx = k[:, None] * step + np.arange(T)[None, :]  # (n, T) frame numbers
        window_rows = rows[:, idx].transpose(1, 0, 2, 3)  # (n, C, T, n_mels)
        feats = stage.windows_from_rows(window_rows)
        feats = run_steps(scorer.steps[1:], feats, upto=("model", "post"))
        parts.append(scorer.proba_of_features(feats))
    return np.concatenate(parts)
