"""MicroPython emitters of the signal stages (``sensorflow/stages/preprocess.py``): each runs
on the window buffer in place (``magnitude`` writes a new buffer, its channel count changes)."""

from __future__ import annotations

import numpy as np

from ..fragment import MPContext, MPFragment
from ..registry import mp_emitter


def _per_channel(value, C: int) -> np.ndarray:
    v = np.asarray(value, dtype=np.float32)
    return np.full(C, v, dtype=np.float32) if v.ndim == 0 else v


@mp_emitter("scale")
def emit_scale(stage, ctx: MPContext) -> MPFragment:
    g = ctx.f32_table("gain", _per_channel(stage.params.gain, ctx.channels))
    o = ctx.f32_table("offset", _per_channel(stage.params.offset, ctx.channels))
    return MPFragment([f"rt.scale({ctx.inp}, {ctx.n}, {ctx.channels}, {g}, {o})"])


@mp_emitter("dc_remove")
def emit_dc_remove(stage, ctx: MPContext) -> MPFragment:
    return MPFragment([f"rt.dc_remove({ctx.inp}, {ctx.n}, {ctx.channels})"])


@mp_emitter("pre_emphasis")
def emit_pre_emphasis(stage, ctx: MPContext) -> MPFragment:
    coef = ctx.scalar("coef", stage.params.coef)
    repeat = stage.params.initial == "repeat"
    return MPFragment([f"rt.pre_emphasis({ctx.inp}, {ctx.n}, {ctx.channels}, {coef}, {repeat})"])


@mp_emitter("butter")
def emit_butter(stage, ctx: MPContext) -> MPFragment:
    import scipy.signal

    sos32 = stage.sos(np.float32)
    rows = np.concatenate([sos32[:, 0:3], sos32[:, 4:6]], axis=1)  # a0 == 1
    n_sec = len(sos32)
    sos = ctx.f32_table("sos", rows)
    zi = "None"
    if stage.params.zi == "steady":
        zi = ctx.f32_table("zi", scipy.signal.sosfilt_zi(stage.sos(np.float64)).astype(np.float32))
    z = ctx.buffer("z", 2 * n_sec)
    return MPFragment([f"rt.sosfilt({ctx.inp}, {ctx.n}, {ctx.channels}, {sos}, {n_sec}, {zi}, {z})"])


@mp_emitter("magnitude")
def emit_magnitude(stage, ctx: MPContext) -> MPFragment:
    idx = ctx.int_table("idx", stage._idx)
    keep_expr = ctx.int_table("keep", stage._keep) if stage._keep else "()"
    y = ctx.buffer("y", ctx.n * ctx.n_out)
    code = [f"rt.magnitude({ctx.inp}, {ctx.n}, {ctx.channels}, {idx}, {keep_expr}, {y})"]
    ctx.out = y
    return MPFragment(code)
