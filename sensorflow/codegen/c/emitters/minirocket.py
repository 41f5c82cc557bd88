"""C emitter of ``minirocket``. At most ``UNROLL_MAX`` kept features: straight-line C with the
kernels, channel combinations, dilations and biases as constants (:mod:`.minirocket_unrolled`,
about half the instructions per feature on the M4F, tens of bytes of flash a feature). Otherwise the kept
(kernel, dilation, bias, combination) entries as one ``sf_minirocket_feature`` table in the
stage's feature order, computed by sf_minirocket_f32. Both give the reference's features bit for bit,
over the window or (``window.pad: valid``) its first ``n_valid`` samples."""

from __future__ import annotations

import numpy as np

from ....errors import CodegenError
from ....stages.minirocket import UNROLL_MAX
from .. import cgen
from ..fragment import CFragment, Field
from ..registry import c_emitter
from .minirocket_unrolled import ppv_function, work_floats


def scratch_floats(length: int, n_channels: int, max_dilation: int) -> int:
    """SF_MINIROCKET_SCRATCH(length, n_channels, max_dilation) of sf_minirocket.h."""
    return length + n_channels * (2 * length + 8 * max_dilation)


def entry_table(name: str, stage) -> str:
    """``static const sf_minirocket_feature name[] = {{bias, dilation, combination, kernel, padding}, ...};``"""
    rows = [
        f"{{{cgen.f32(b)}, {int(d)}u, {int(g)}u, {int(k)}u, {int(p)}u}}"
        for b, d, g, k, p in zip(
            np.asarray(stage.bias_, dtype=np.float32),
            stage.dilation_,
            stage.combination_,
            stage.kernel_,
            stage.padding_,
        )
    ]
    body = ",\n    ".join(rows)
    return f"static const sf_minirocket_feature {name}[{len(rows)}] = {{\n    {body}\n}};\n"


def unrolled(stage, n_channels: int) -> bool:
    """Whether the export generates straight-line C for this fitted stage (any channel count)."""
    del n_channels  # the straight-line function handles channel combinations too
    return len(stage.bias_) <= UNROLL_MAX


@c_emitter("minirocket")
def emit_minirocket(stage, ctx) -> CFragment:
    L, C = ctx.input_spec.length, ctx.input_spec.n_channels
    m = len(stage.bias_)
    d_max = int(np.max(stage.dilation_))
    if L > 65535 or C > 65535 or d_max > 65535 or len(stage.combination_channels_) > 65535:
        raise CodegenError("stage 'minirocket': window, channels or dilations above 65535 do not fit the C tables")
    n = f"(uint32_t)({ctx.n_valid})" if ctx.n_valid else f"{L}u"
    if unrolled(stage, C):
        n_work = work_floats(L, d_max, C)
        call = f"{ctx.sym('ppv')}(in, {n}, " if ctx.n_valid else f"{ctx.sym('ppv')}(in, "
        return CFragment(
            runtime=["sf_minirocket"],
            helpers=[ppv_function(ctx.sym("ppv"), stage, L, C, variable=bool(ctx.n_valid))],
            scratch=[Field("float", "work", n_work, "padded x and 3 x, alpha, per channel")],
            code=[f"{call}{ctx.scratch('work')}, out);"],
        )
    n_scratch = scratch_floats(L, C, d_max)
    return CFragment(
        runtime=["sf_minirocket"],
        tables=[
            entry_table(ctx.sym("entries"), stage),
            cgen.array(ctx.sym("comb_offsets"), "uint16_t", [int(v) for v in stage.combination_offsets_]),
            cgen.array(ctx.sym("comb_channels"), "uint16_t", [int(v) for v in stage.combination_channels_]),
        ],
        scratch=[Field("float", "work", n_scratch, f"SF_MINIROCKET_SCRATCH({L}, {C}, {d_max})")],
        code=[
            f"(void)sf_minirocket_f32(in, {n}, {C}u, {ctx.sym('entries')}, {m}u, {ctx.sym('comb_offsets')}, "
            f"{ctx.sym('comb_channels')}, {ctx.scratch('work')}, {n_scratch}u, out);",
        ],
    )
