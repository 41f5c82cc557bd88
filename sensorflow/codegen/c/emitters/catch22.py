"""C emitter of ``catch22``: sf_catch22_f32 per channel, then the stage's columns in its order."""

from __future__ import annotations

from ....dsp import catch22 as c22
from ....errors import CodegenError
from .. import cgen
from ..fragment import CFragment, Field
from ..registry import c_emitter


def scratch_floats(n: int) -> int:
    """SF_CATCH22_SCRATCH_FLOATS(n) of sf_catch22.h, evaluated here to size the scratch field."""
    nfft = 2 ** c22.nextpow2(n + (n + 2) // 3)
    nfft = max(8, nfft)
    return n + max(2 * nfft, 3 * n + 64, n + 100 * (n // 64 + 17) + 2)


@c_emitter("catch22")
def emit_catch22(stage, ctx) -> CFragment:
    """Kernel output ``all[0..21]`` (+ mean, std) per channel; ``out[ch * k + j] = all[cols[j]]``."""
    L, C = ctx.input_spec.length, ctx.input_spec.n_channels
    cols = [int(i) for i in stage._columns()]
    mask = 0
    for i in cols:
        if i < len(c22.SHORT_NAMES):
            mask |= 1 << i
    k, catch24 = len(cols), int(stage.params.catch24)
    if L > 8192:
        raise CodegenError(
            f"stage 'catch22': the C kernel takes windows up to 8192 samples, got {L}; shorten the window"
        )
    work = scratch_floats(L)
    check = f"typedef char {ctx.sym('scratch_ok')}[({work}u >= SF_CATCH22_SCRATCH_FLOATS({L}u)) ? 1 : -1];\n"
    return CFragment(
        runtime=["sf_catch22"],
        tables=[cgen.array(ctx.sym("cols"), "uint8_t", cols, comment="kernel output index of each feature"), check],
        scratch=[
            Field("float", "work", work, f"SF_CATCH22_SCRATCH_FLOATS({L})"),
            Field("float", "all", len(c22.SHORT_NAMES) + 2),
        ],
        code=[
            "uint32_t ch, j;",
            f"for (ch = 0; ch < {C}u; ch++) {{",
            f"    (void)sf_catch22_f32(in + ch, {C}u, {ctx.n_valid or f'{L}u'}, 0x{mask:06x}u, {catch24}, {ctx.scratch('work')}, "
            f"{ctx.scratch('all')});",
            f"    for (j = 0; j < {k}u; j++)",
            f"        out[ch * {k}u + j] = {ctx.scratch('all')}[{ctx.sym('cols')}[j]];",
            "}",
        ],
    )
