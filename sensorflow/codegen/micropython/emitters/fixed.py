"""MicroPython for the fixed-point path of ``stats`` and ``band_energy`` (stages given
``q15_scale``): the runtime's q15_* kernels on Python ints, the same integers as
``sensorflow.dsp.fixed`` and the C (sf_q15.c)."""

from __future__ import annotations

import numpy as np

from ....dsp import fixed
from ....stages.stats import FUNCTIONS
from ..fragment import MPContext, MPFragment


def emit_stats_q15(stage, ctx: MPContext) -> MPFragment:
    fns = list(stage.params.functions)
    cnt = ctx.buffer("counts", ctx.n, "h")
    ids = ctx.int_table("ids", [FUNCTIONS.index(f) for f in fns])
    ks = ctx.int_table("k", stage.q15_k_)
    fs = ctx.f32_table("fscale", stage.fixed_fscales().ravel())
    return MPFragment(
        [
            f"o = {ctx.off}",
            f"for c in range({ctx.channels}):",
            f"    rt.q15_counts({ctx.inp}, {ctx.n}, {ctx.channels}, c, {ks}[c], {cnt})",
            f"    o = rt.q15_stats({cnt}, {ctx.n}, {ids}, {fs}, c * {len(fns)}, {ctx.out}, o)",
        ]
    )


def emit_band_energy_q15(stage, ctx: MPContext) -> MPFragment:
    n = stage.n_fft
    h = n // 2
    nb = stage.band_matrix().shape[0]
    cnt = ctx.buffer("counts", ctx.n, "h")
    re, im = ctx.buffer("re", h, "i"), ctx.buffer("im", h, "i")
    acc = f"self._{ctx._name('acc')}"
    ctx.init.append(f"{acc} = [0] * {nb}")
    win = ctx.int_table("window", stage.fixed_window())
    wr, wi = (ctx.int_table(name, t) for name, t in zip(("wr", "wi"), fixed.twiddles(h)))
    rev = ctx.int_table("bitrev", fixed.bitrev(h))
    split = [ctx.int_table(name, t) for name, t in zip(("ar", "ai", "br", "bi"), fixed.split_tables(n))]
    sym = "_" + ctx._name("split").upper()
    ctx.tables.append(f"{sym} = ({', '.join(split)})")
    bob = ctx.int_table("band_of_bin", stage.band_of_bin())
    ks = ctx.int_table("k", stage.q15_k_)
    fs = ctx.f32_table("fscale", np.asarray(stage.fixed_fscales()))
    return MPFragment(
        [
            f"o = {ctx.off}",
            f"for c in range({ctx.channels}):",
            f"    rt.q15_counts({ctx.inp}, {ctx.n}, {ctx.channels}, c, {ks}[c], {cnt})",
            f"    rt.q15_bands({cnt}, {n}, {stage.hop_length}, {stage.n_frames}, {win}, {wr}, {wi}, {rev}, "
            f"{sym}, {bob}, {nb}, {re}, {im}, {acc})",
            f"    for b in range({nb}):",
            f"        {ctx.out}[o] = rt.q15_feature({acc}[b], {fs}[c])",
            "        o += 1",
        ]
    )
