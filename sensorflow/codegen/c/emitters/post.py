"""C emitters of the post-processing stages (``sensorflow/stages/postprocess.py``):
smooth, threshold, refractory, on the ``sf_post`` kernels; state persists across windows."""

from __future__ import annotations

import numpy as np

from .. import cgen
from ..fragment import CFragment, Field
from ..registry import c_emitter


@c_emitter("smooth")
def emit_smooth(stage, ctx) -> CFragment:
    n, c = stage.params.windows, ctx.input_spec.size
    return CFragment(
        runtime=["sf_post"],
        state=[
            Field("float", "history", max(n - 1, 1) * c, "previous windows, oldest first"),
            Field("uint32_t", "count", 1, "windows seen (saturates)"),
        ],
        code=[f"sf_smooth_f32(in, out, {ctx.state('history')}, {ctx.state('count')}, {n}u, {c}u);"],
    )


@c_emitter("threshold")
def emit_threshold(stage, ctx) -> CFragment:
    thr = np.asarray(stage.thresholds(), dtype=np.float64)
    return CFragment(
        runtime=["sf_post"],
        tables=[cgen.array(ctx.sym("threshold"), "float", thr, comment="per class; infinity = never fires")],
        code=[f"sf_threshold_f32(in, {ctx.sym('threshold')}, out, {ctx.input_spec.size}u);"],
    )


@c_emitter("refractory")
def emit_refractory(stage, ctx) -> CFragment:
    c = ctx.input_spec.size
    per = bool(stage.params.per_class)
    return CFragment(
        runtime=["sf_post"],
        state=[Field("uint32_t", "remaining", c if per else 1, "windows still suppressed")],
        code=[f"sf_refractory_f32(in, out, {ctx.state('remaining')}, {stage.hold_windows()}u, {c}u, {int(per)});"],
    )
