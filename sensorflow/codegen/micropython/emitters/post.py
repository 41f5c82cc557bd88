"""MicroPython emitters of the post stages (``sensorflow/stages/postprocess.py``), run once
per completed window in ``push`` on the chain scores -> ... -> post."""

from __future__ import annotations

import numpy as np

from ..fragment import MPContext, MPFragment
from ..registry import mp_emitter


@mp_emitter("smooth")
def emit_smooth(stage, ctx: MPContext) -> MPFragment:
    n_hist = stage.params.windows - 1
    nc = ctx.n_in
    hist = ctx.buffer("hist", max(n_hist * nc, 1), state=True)
    count = ctx.buffer("count", 1, "i", state=True)
    return MPFragment([f"{count}[0] = rt.smooth({ctx.inp}, {nc}, {hist}, {n_hist}, {count}[0], {ctx.out})"])


@mp_emitter("threshold")
def emit_threshold(stage, ctx: MPContext) -> MPFragment:
    thr = np.asarray(stage.thresholds(), dtype=np.float64)
    # +inf (classes that may not fire) -> the largest float32, which no probability reaches
    thr = np.where(np.isinf(thr), np.finfo(np.float32).max, thr).astype(np.float32)
    t = ctx.f32_table("thr", thr)
    return MPFragment([f"rt.threshold({ctx.inp}, {ctx.n_in}, {t}, {ctx.out})"])


@mp_emitter("refractory")
def emit_refractory(stage, ctx: MPContext) -> MPFragment:
    n = ctx.n_in if stage.params.per_class else 1
    rem = ctx.buffer("remaining", n, "i", state=True)
    return MPFragment(
        [
            f"rt.refractory({ctx.inp}, {ctx.n_in}, {rem}, {stage.hold_windows()}, {bool(stage.params.per_class)}, {ctx.out})"
        ]
    )
