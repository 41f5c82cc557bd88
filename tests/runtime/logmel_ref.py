"""Run sf_logmel through the test driver with the constants of a bound log_mel / mfcc stage."""

from __future__ import annotations

import math

import numpy as np
from cbuild import run


def kernel_args(stage, incremental: bool = False, shift_frames: int = 0) -> tuple[list, np.ndarray]:
    """Driver arguments and table payload for ``stage`` (a bound LogMel or MFCC)."""
    p = stage.params
    spec = stage.input_spec_
    starts = stage.frame_starts()
    n_mfcc = getattr(p, "n_mfcc", 0) if stage.name == "mfcc" else 0
    clip = stage.clip_range()
    if p.log == "db":
        mul = 10.0 / math.log(10.0)
    else:
        mul = 1.0
    floor, add = (p.amin, 0.0) if p.floor_mode == "max" else (0.0, p.amin)
    args = [
        "logmel",
        spec.length,
        p.n_fft,
        stage.hop_length,
        stage.n_frames,
        -int(starts[0]),
        1 if p.pad_mode == "reflect" else 0,
        repr(float(p.power)),
        p.n_mels,
        n_mfcc,
        shift_frames,
        spec.n_channels,
        repr(-1.0 if clip is None else float(clip)),
        repr(mul),
        repr(float(floor)),
        repr(float(add)),
        repr(float(stage.log_offset())),
        int(incremental),
    ]
    tables = [stage.window_vector(np.float32), stage.mel_matrix(np.float32).ravel()]
    tables.append(stage.dct_matrix(np.float32).ravel() if n_mfcc else np.zeros(0, np.float32))
    return args, np.concatenate(tables).astype(np.float32)


def run_stage(exe, stage, X: np.ndarray, incremental: bool = False, shift_frames: int = 0) -> np.ndarray:
    """C features of windows X ``(n, length, C)``, shaped like ``stage.transform(X)``."""
    args, tables = kernel_args(stage, incremental, shift_frames)
    out = run(exe, args, np.concatenate([tables, np.asarray(X, np.float32).ravel()]))
    return out.reshape(len(X), -1)
