"""C emitter of ``frames``: the interleaved window is already time-major, so a copy."""

from __future__ import annotations

from ..fragment import CFragment
from ..registry import c_emitter


@c_emitter("frames")
def emit_frames(stage, ctx) -> CFragment:
    n = ctx.input_spec.size
    return CFragment(code=["uint32_t i;", f"for (i = 0; i < {n}u; i++)", "    out[i] = in[i];"])
