"""C emitter of ``zero_crossings``: sf_zcr_process_f32 per channel."""

from __future__ import annotations

from .. import cgen
from ..fragment import CFragment
from ..registry import c_emitter


@c_emitter("zero_crossings")
def emit_zero_crossings(stage, ctx) -> CFragment:
    """Each channel's frames into its slice ``out[ch * n_frames ...]``."""
    L, C = ctx.input_spec.length, ctx.input_spec.n_channels
    p, nf = stage.params, stage.n_frames
    return CFragment(
        runtime=["sf_zcr"],
        code=[
            "uint32_t ch;",
            f"for (ch = 0; ch < {C}u; ch++)",
            f"    sf_zcr_process_f32(in + ch, {C}u, {L}u, {stage.pad}u, {p.frame_length}u, {p.hop_length}u, {nf}u, "
            f"{cgen.f32(p.threshold)}, out + ch * {nf}u);",
        ],
    )
