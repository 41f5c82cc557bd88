"""MicroPython emitter of ``frames``: the interleaved window copied into the feature vector."""

from __future__ import annotations

from ..fragment import MPContext, MPFragment
from ..registry import mp_emitter


@mp_emitter("frames")
def emit_frames(stage, ctx: MPContext) -> MPFragment:
    n = ctx.n * ctx.channels
    return MPFragment([f"for i in range({n}):", f"    {ctx.out}[{ctx.off} + i] = {ctx.inp}[i]"])
