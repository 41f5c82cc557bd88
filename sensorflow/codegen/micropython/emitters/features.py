"""MicroPython emitters of the feature stages (signal -> features, ``sensorflow/stages``) and
of the vector stage ``scaler``; each writes its part of ``self.feat``."""

from __future__ import annotations

import numpy as np

from ....stages.stats import FUNCTIONS
from ..fragment import MPContext, MPFragment
from ..registry import mp_emitter


@mp_emitter("stats")
def emit_stats(stage, ctx: MPContext) -> MPFragment:
    codes = ctx.int_table("codes", [FUNCTIONS.index(f) for f in stage.params.functions])
    return MPFragment([f"rt.stats({ctx.inp}, {ctx.n}, {ctx.channels}, {codes}, {ctx.out}, {ctx.off})"])


@mp_emitter("scaler")
def emit_scaler(stage, ctx: MPContext) -> MPFragment:
    n = ctx.n_in
    scale = ctx.f32_table("scale", stage.scale_)
    if stage.params.method == "standard":
        mean = ctx.f32_table("mean", stage.mean_)
        return MPFragment([f"rt.standardize({ctx.inp}, 0, {n}, {mean}, {scale})"])
    mn = ctx.f32_table("min", stage.min_)
    lo, hi = (float(v) for v in stage.params.feature_range)
    return MPFragment([
        f"rt.minmax({ctx.inp}, 0, {n}, {scale}, {mn}, {bool(stage.params.clip)}, "
        f"{ctx.scalar('lo', lo)}, {ctx.scalar('hi', hi)})"
    ])
