"""C for the fixed-point path of ``stats`` and ``band_energy`` (stages given ``q15_scale``):
sf_q15 kernels over the window's int16 counts; tables from the numpy reference
(``sensorflow.dsp.fixed``) so host and device features agree bit for bit."""

from __future__ import annotations

import numpy as np

from ....dsp import fixed
from ....stages.stats import FUNCTIONS
from .. import cgen
from ..fragment import CFragment, Field


class Tables:
    """A stage's ``static const`` tables under ``ctx.sym`` names."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.defs: list[str] = []

    def add(self, name: str, ctype: str, values, comment: str | None = None) -> str:
        sym = self.ctx.sym(name)
        self.defs.append(cgen.array(sym, ctype, values, comment=comment))
        return sym


def emit_stats_q15(stage, ctx) -> CFragment:
    """Per channel: counts, the sums, then each statistic's code times its scale."""
    L, C = ctx.input_spec.length, ctx.input_spec.n_channels
    fns = list(stage.params.functions)
    F = len(fns)
    t = Tables(ctx)
    ids = t.add("ids", "uint8_t", [FUNCTIONS.index(fn) for fn in fns], comment="SF_STAT_* order")
    ks = t.add("k", "int8_t", stage.q15_k_, comment="counts = round(x * 2^k) per channel")
    fs = t.add("fscale", "float", stage.fixed_fscales().ravel().astype(np.float32), comment="physical value per code")
    cnt = ctx.scratch("counts")
    return CFragment(
        runtime=["sf_q15"],
        tables=t.defs,
        scratch=[Field("int16_t", "counts", L, "one channel's int16 counts")],
        code=[
            "sf_q15_sums m;",
            "uint32_t ch, k;",
            f"for (ch = 0; ch < {C}u; ch++) {{",
            f"    sf_q15_quantize(in + ch, {C}u, {L}u, {ks}[ch], {cnt});",
            f"    sf_q15_stats_sums({cnt}, {L}u, &m);",
            f"    for (k = 0; k < {F}u; k++)",
            f"        out[ch * {F}u + k] = sf_q15_feature(sf_q15_stat_code(&m, {ids}[k]), {fs}[ch * {F}u + k]);",
            "}",
        ],
    )


def emit_band_energy_q15(stage, ctx) -> CFragment:
    """Per channel: counts, then sf_q15_band_energy (q15 real FFT per frame, power summed into bands)."""
    L, C = ctx.input_spec.length, ctx.input_spec.n_channels
    n = stage.n_fft
    nb = stage.band_matrix().shape[0]
    t = Tables(ctx)
    win = t.add("window", "int16_t", stage.fixed_window(), comment="q15 window taps")
    wr, wi = fixed.twiddles(n // 2)
    twr = t.add("wr", "int16_t", wr, comment="q15 cos(4 pi j / n_fft)")
    twi = t.add("wi", "int16_t", wi, comment="q15 -sin(4 pi j / n_fft)")
    rev = t.add("bitrev", "uint16_t", fixed.bitrev(n // 2))
    split = [
        t.add(nm, "int16_t", v, comment=f"q15 split coefficient {nm}")
        for nm, v in zip(("ar", "ai", "br", "bi"), fixed.split_tables(n))
    ]
    slot = np.where(stage.band_of_bin() < 0, 0xFFFF, stage.band_of_bin())
    band = t.add("band_of_bin", "uint16_t", slot, comment="band of each rfft bin, 0xFFFF: none")
    ks = t.add("k", "int8_t", stage.q15_k_, comment="counts = round(x * 2^k) per channel")
    fs = t.add("fscale", "float", stage.fixed_fscales().astype(np.float32), comment="physical energy per code")
    cfg = ctx.sym("bands")
    t.defs.append(
        f"static const sf_q15_bands_config {cfg} = {{\n"
        f"    .n_fft = {n}, .hop = {stage.hop_length}, .n_frames = {stage.n_frames}, .n_bands = {nb},\n"
        f"    .window = {win}, .wr = {twr}, .wi = {twi}, .bitrev = {rev},\n"
        f"    .ar = {split[0]}, .ai = {split[1]}, .br = {split[2]}, .bi = {split[3]}, .band_of_bin = {band},\n"
        "};\n"
    )
    cnt, work, acc = ctx.scratch("counts"), ctx.scratch("work"), ctx.scratch("bands")
    return CFragment(
        runtime=["sf_q15"],
        tables=t.defs,
        scratch=[
            Field("int16_t", "counts", L, "one channel's int16 counts"),
            Field("int32_t", "work", n, "FFT buffer (n_fft / 2 complex points)"),
            Field("uint64_t", "bands", nb, "band sums"),
        ],
        code=[
            "uint32_t ch, b;",
            f"for (ch = 0; ch < {C}u; ch++) {{",
            f"    sf_q15_quantize(in + ch, {C}u, {L}u, {ks}[ch], {cnt});",
            f"    sf_q15_band_energy(&{cfg}, {cnt}, {work}, {acc});",
            f"    for (b = 0; b < {nb}u; b++) out[ch * {nb}u + b] = sf_q15_feature((int64_t){acc}[b], {fs}[ch]);",
            "}",
        ],
    )
