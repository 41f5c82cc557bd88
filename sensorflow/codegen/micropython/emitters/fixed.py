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
    nb = stage.band_matrix().shape[0]
    cnt = ctx.buffer("counts", ctx.n, "h")
    re, im = ctx.buffer("re", n, "i"), ctx.buffer("im", n, "i")
    acc = f"self._{ctx._name('acc')}"
    ctx.init.append(f"{acc} = [0] * {nb}")
    win = ctx.int_table("window", stage.fixed_window())
    wr, wi = (ctx.int_table(name, t) for name, t in zip(("wr", "wi"), fixed.twiddles(n)))
    rev = ctx.int_table("bitrev", fixed.bitrev(n))
    lo, length = fixed.band_ranges(stage.band_of_bin(), nb)
    blo, bn = ctx.int_table("band_lo", lo), ctx.int_table("band_len", length)
    ks = ctx.int_table("k", stage.q15_k_)
    fs = ctx.f32_table("fscale", np.asarray(stage.fixed_fscales()))
    return MPFragment(
        [
            f"o = {ctx.off}",
            f"for c in range({ctx.channels}):",
            f"    rt.q15_counts({ctx.inp}, {ctx.n}, {ctx.channels}, c, {ks}[c], {cnt})",
            f"    rt.q15_bands({cnt}, {n}, {stage.hop_length}, {stage.n_frames}, {win}, {wr}, {wi}, {rev}, "
            f"{blo}, {bn}, {nb}, {re}, {im}, {acc})",
            f"    for b in range({nb}):",
            f"        {ctx.out}[o] = rt.q15_feature({acc}[b], {fs}[c])",
            "        o += 1",
        ]
    )


def emit_log_mel_q15(stage, ctx: MPContext) -> MPFragment:
    """Per channel and frame: counts, rt.q15_logmel (Q16 dB), minus the log offset, as float32;
    then the top_db clip over the whole window; mfcc: rt.q15_dct per frame."""
    p = stage.params
    n, M, T, C = p.n_fft, p.n_mels, stage.n_frames, ctx.channels
    h = n // 2
    window, wq, offset = stage.q15_tables()
    cnt = ctx.buffer("counts", n, "h")
    re, im, pw = ctx.buffer("re", h, "i"), ctx.buffer("im", h, "i"), ctx.buffer("power", h + 1, "I")
    db = ctx.buffer("db", M, "i")
    win = ctx.int_table("window", window)
    wr, wi = (ctx.int_table(name, t) for name, t in zip(("wr", "wi"), fixed.twiddles(h)))
    rev = ctx.int_table("bitrev", fixed.bitrev(h))
    split = [ctx.int_table(name, t) for name, t in zip(("ar", "ai", "br", "bi"), fixed.split_tables(n))]
    sym = "_" + ctx._name("split").upper()
    ctx.tables.append(f"{sym} = ({', '.join(split)})")
    start = [int(np.flatnonzero(r)[0]) if r.any() else 0 for r in wq]
    length = [int(np.flatnonzero(r)[-1]) + 1 - s if r.any() else 0 for r, s in zip(wq, start)]
    runs = np.concatenate([r[s : s + k] for r, s, k in zip(wq, start, length)] + [np.zeros(0, np.int16)])
    ms, ml, mw = ctx.int_table("mel_start", start), ctx.int_table("mel_len", length), ctx.int_table("mel_w", runs)
    starts = ctx.int_table("starts", stage.frame_starts())
    unit = ctx.scalar("unit", 2.0**-16)
    mfcc = stage.name == "mfcc"
    dst, base = (ctx.buffer("logmel", C * T * M), 0) if mfcc else (ctx.out, ctx.off)
    code = [
        f"o = {base}",
        f"for c in range({C}):",
        f"    for t in range({T}):",
        f"        rt.q15_counts({ctx.inp}, {n}, {C}, c, {int(stage.q15_k_[0])}, {cnt}, {starts}[t])",
        f"        rt.q15_logmel({cnt}, {n}, {win}, {wr}, {wi}, {rev}, {sym}, {ms}, {ml}, {mw}, {M}, {offset}, "
        f"{re}, {im}, {pw}, {db})",
        f"        for m in range({M}):",
        f"            {dst}[o] = rt.q15_feature({db}[m] - {stage.q15_log_offset()}, {unit})",
        "            o += 1",
    ]
    rng = stage.clip_range()
    if rng is not None:
        tmp = ctx.buffer("tmp", 1, "f")
        code.append(f"rt.q15_clip({dst}, {base}, {C * T * M}, {ctx.scalar('top_db', rng)}, {tmp})")
    if mfcc:
        D = stage.q15_dct()
        nd = D.shape[0]
        dct, codes = ctx.int_table("dct", D), ctx.buffer("codes", M, "i")
        code += [
            f"for t in range({C * T}):",
            f"    rt.q15_dct({dst}, t * {M}, {M}, {dct}, {nd}, {ctx.out}, {ctx.off} + t * {nd}, {unit}, {codes})",
        ]
    return MPFragment(code)
