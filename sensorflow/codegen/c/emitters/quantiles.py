"""C emitter of ``quantiles``: sf_quantiles_f32 per channel into its slice of the output."""

from __future__ import annotations

from ..fragment import CFragment, Field
from ..registry import c_emitter


@c_emitter("quantiles")
def emit_quantiles(stage, ctx) -> CFragment:
    """Channel ``ch`` writes ``out[ch * per ...]``; the scratch holds one representation."""
    L, C = ctx.input_spec.length, ctx.input_spec.n_channels
    p = stage.params
    per = ctx.output_spec.size // C
    return CFragment(
        runtime=["sf_quantiles"],
        scratch=[Field("float", "work", L, "one interval, sorted in place")],
        code=[
            "uint32_t ch;",
            f"for (ch = 0; ch < {C}u; ch++)",
            f"    (void)sf_quantiles_f32(in + ch, {C}u, {L}u, {int(p.diff)}u, {p.depth}u, {p.n_quantiles}u, "
            f"{ctx.scratch('work')}, out + ch * {per}u);",
        ],
    )
