"""C for the fixed-point path of ``stats`` and ``band_energy`` (stages given ``q15_scale``):
sf_q15 kernels over the window's int16 counts; tables from the numpy reference
(``sensorflow.dsp.fixed``) so host and device features agree bit for bit."""

from __future__ import annotations

import numpy as np

from ....dsp import fixed
from ....errors import CodegenError
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


CHANNEL_PARAMS = "const int16_t *cnt, uint32_t ch, float *out"  # CContext.q15_channel: one channel's counts


def _counts(stage, ctx, t: Tables, L: int, C: int) -> tuple[str, list[str], list[Field]]:
    """Channel ch's int16 counts and the scratch they take: in the step's channel loop
    (``ctx.q15_channel``) the caller's ``cnt`` (its scratch field ``q15_counts`` comes first in
    every member's scratch, so all members' copies are the same bytes), else this stage's
    scratch and the line that quantises the window's channel into it."""
    if ctx.q15_channel:
        return "cnt", [], [Field("int16_t", "q15_counts", L, "channel ch's int16 counts (the step's, shared)")]
    ks = t.add("k", "int8_t", stage.q15_k_, comment="counts = round(x * 2^k) per channel")
    cnt = ctx.scratch("counts")
    return (
        cnt,
        [f"    sf_q15_quantize(in + ch, {C}u, {L}u, {ks}[ch], {cnt});"],
        [Field("int16_t", "counts", L, "one channel's int16 counts")],
    )


def _per_channel(ctx, C: int, decl: str, body: list[str]) -> tuple[str, list[str]]:
    """(params, code): the body for channel ch alone (``ctx.q15_channel``), else in a loop over
    the C channels (the body indented by four)."""
    if ctx.q15_channel:
        return CHANNEL_PARAMS, [decl, *(line[4:] for line in body)]
    return "", [decl.replace(" ", " ch, ", 1), f"for (ch = 0; ch < {C}u; ch++) {{", *body, "}"]


def emit_stats_q15(stage, ctx) -> CFragment:
    """Per channel: counts, the sums, then each statistic's code times its scale."""
    L, C = ctx.input_spec.length, ctx.input_spec.n_channels
    fns = list(stage.params.functions)
    F = len(fns)
    t = Tables(ctx)
    ids = t.add("ids", "uint8_t", [FUNCTIONS.index(fn) for fn in fns], comment="SF_STAT_* order")
    fs = t.add("fscale", "float", stage.fixed_fscales().ravel().astype(np.float32), comment="physical value per code")
    cnt, quantize, scratch = _counts(stage, ctx, t, L, C)
    params, code = _per_channel(
        ctx,
        C,
        "uint32_t k;",
        [
            *quantize,
            f"    sf_q15_stats_sums({cnt}, {L}u, &m);",
            f"    for (k = 0; k < {F}u; k++)",
            f"        out[ch * {F}u + k] = sf_q15_feature(sf_q15_stat_code(&m, {ids}[k]), {fs}[ch * {F}u + k]);",
        ],
    )
    return CFragment(runtime=["sf_q15"], tables=t.defs, scratch=scratch, code=["sf_q15_sums m;", *code], params=params)


def emit_band_energy_q15(stage, ctx) -> CFragment:
    """Per channel: counts, then sf_q15_band_energy (frames two at a time as one complex FFT, block
    floating point, power summed into bands)."""
    L, C = ctx.input_spec.length, ctx.input_spec.n_channels
    n = stage.n_fft
    nb = stage.band_matrix().shape[0]
    t = Tables(ctx)
    win = t.add("window", "int16_t", stage.fixed_window(), comment="q15 window taps")
    tw = t.add("w", "int16_t", np.stack(fixed.twiddles(n), axis=-1).ravel(), comment="q15 (cos, -sin) pairs")
    rev = t.add("bitrev", "uint16_t", fixed.bitrev(n))
    lo, length = fixed.band_ranges(stage.band_of_bin(), nb)
    blo = t.add("band_lo", "uint16_t", lo, comment="first rfft bin of each band")
    bn = t.add("band_len", "uint16_t", length, comment="rfft bins of each band")
    fs = t.add("fscale", "float", stage.fixed_fscales().astype(np.float32), comment="physical energy per code")
    cfg = ctx.sym("bands")
    t.defs.append(
        f"static const sf_q15_bands_config {cfg} = {{\n"
        f"    .n_fft = {n}, .hop = {stage.hop_length}, .n_frames = {stage.n_frames}, .n_bands = {nb},\n"
        f"    .window = {win}, .w = {tw}, .bitrev = {rev},\n"
        f"    .band_lo = {blo}, .band_len = {bn},\n"
        "};\n"
    )
    work, acc = ctx.scratch("work"), ctx.scratch("bands")
    cnt, quantize, scratch = _counts(stage, ctx, t, L, C)
    params, code = _per_channel(
        ctx,
        C,
        "uint32_t b;",
        [
            *quantize,
            f"    sf_q15_band_energy(&{cfg}, {cnt}, {work}, {acc});",
            f"    for (b = 0; b < {nb}u; b++) out[ch * {nb}u + b] = sf_q15_feature((int64_t){acc}[b], {fs}[ch]);",
        ],
    )
    return CFragment(
        runtime=["sf_q15"],
        tables=t.defs,
        scratch=[
            *scratch,
            Field("int32_t", "work", 2 * n, "FFT buffer (n_fft complex points: int16 pairs, or re then im)"),
            Field("uint64_t", "bands", nb, "band sums"),
        ],
        code=code,
        params=params,
    )


def emit_log_mel_q15(stage, ctx) -> CFragment:
    """Per channel and frame: counts, sf_q15_logmel (Q16 dB), minus the log offset, as float;
    then the top_db clip over the whole window in float32, as the reference; mfcc: back to Q16
    (exact: the values are Q16 codes), sf_q15_dct per frame, as float."""

    C = ctx.input_spec.n_channels
    p = stage.params
    n, M, T = p.n_fft, p.n_mels, stage.n_frames
    t = Tables(ctx)
    window, wq, offset = stage.q15_tables()
    win = t.add("window", "int16_t", window, comment="q15 window taps")
    tw = t.add("w", "int16_t", np.stack(fixed.twiddles(n // 2), axis=-1).ravel(), comment="q15 (cos, -sin) pairs")
    rev = t.add("bitrev", "uint16_t", fixed.bitrev(n // 2))
    ar, ai, br, bi = fixed.split_tables(n)
    sa = t.add("a", "int16_t", np.stack([ar, ai], axis=-1).ravel(), comment="q15 split (Ar, Ai) pairs")
    sb = t.add("b", "int16_t", np.stack([br, bi], axis=-1).ravel(), comment="q15 split (Br, Bi) pairs")
    start = [int(np.flatnonzero(r)[0]) if r.any() else 0 for r in wq]
    length = [int(np.flatnonzero(r)[-1]) + 1 - s if r.any() else 0 for r, s in zip(wq, start)]
    runs = np.concatenate([r[s : s + k] for r, s, k in zip(wq, start, length)] + [np.zeros(0, np.int16)])
    ms, ml = t.add("mel_start", "uint16_t", start), t.add("mel_len", "uint16_t", length)
    mw = t.add("mel_w", "int16_t", runs, comment="q15 mel weights relative to the largest")
    starts = t.add("starts", "uint32_t", stage.frame_starts(), comment="first sample of each frame")
    live = np.flatnonzero(np.any(np.asarray(window).reshape(-1, 2) != 0, axis=1))  # pairs with a nonzero tap
    lo, hi = (int(live[0]), int(live[-1]) + 1) if live.size else (0, 0)
    cfg = ctx.sym("logmel")
    t.defs.append(
        f"static const sf_q15_logmel_config {cfg} = {{\n"
        f"    .n_fft = {n}, .n_mels = {M}, .window = {win}, .w = {tw}, .bitrev = {rev}, .a = {sa}, .b = {sb},\n"
        f"    .mel_start = {ms}, .mel_len = {ml}, .mel_w = {mw}, .offset_q16 = {offset},\n"
        f"    .win_lo = {lo}, .win_hi = {hi},\n"
        "};\n"
    )
    cnt, work, db = (ctx.scratch(x) for x in ("counts", "work", "db"))
    mfcc = stage.name == "mfcc"
    dst = ctx.scratch("logmel") if mfcc else "out"
    unit, logoff, k = cgen.f32(2.0**-16), stage.q15_log_offset(), int(stage.q15_k_[0])
    code = [
        "uint32_t ch, t, m;",
        f"for (ch = 0; ch < {C}u; ch++) {{",
        f"    for (t = 0; t < {T}u; t++) {{",
        f"        float *row = {dst} + (ch * {T}u + t) * {M}u;",
        f"        sf_q15_quantize(in + {starts}[t] * {C}u + ch, {C}u, {n}u, {k}, {cnt});",
        f"        sf_q15_logmel(&{cfg}, {cnt}, {work}, {db});",
        f"        for (m = 0; m < {M}u; m++) row[m] = sf_q15_feature((int64_t){db}[m] - {logoff}, {unit});",
        "    }",
        "}",
    ]
    hop = stage.hop_length
    stream = ctx.streams_input and stage.stream_shift(ctx.hop) > 0
    out_code: list[str] = []  # the stream's window output: the ring's frames, oldest first
    if stream:
        state = [
            Field("int32_t", "ring", C * T * M, "Q16 dB (less the log offset) of the last n_frames frames"),
            Field("int16_t", "pend", C * n, "int16 counts of the frame being filled, per channel"),
            Field("uint16_t", "head", 1, "ring slot of the oldest frame"),
            Field("uint16_t", "pfill", 1, "samples in pend"),
            Field("uint16_t", "pskip", 1, "samples to drop before the next frame starts"),
        ]
        ring, pend, head, pfill, pskip = (ctx.state(x) for x in ("ring", "pend", "head", "pfill", "pskip"))
        keep = max(0, n - hop)
        sample = [  # runs of samples: one quantising call per channel and run, not per sample
            "uint32_t i = 0, r, ch, m;",
            "while (i < n) {",
            f"    if ({pskip}[0] != 0u) {{",
            f"        r = n - i < {pskip}[0] ? n - i : {pskip}[0];",
            f"        {pskip}[0] = (uint16_t)({pskip}[0] - r);",
            "        i += r;",
            "        continue;",
            "    }",
            f"    r = {n}u - {pfill}[0];",
            "    if (r > n - i) r = n - i;",
            f"    for (ch = 0; ch < {C}u; ch++) sf_q15_quantize(x + i * {C}u + ch, {C}u, r, {k}, "
            f"&{pend}[ch * {n}u + {pfill}[0]]);",
            "    i += r;",
            f"    {pfill}[0] = (uint16_t)({pfill}[0] + r);",
            f"    if ({pfill}[0] < {n}u) continue;",
            f"    for (ch = 0; ch < {C}u; ch++) {{",
            f"        int32_t *slot = &{ring}[(ch * {T}u + {head}[0]) * {M}u];",
            f"        sf_q15_logmel(&{cfg}, &{pend}[ch * {n}u], {work}, {db});",
            f"        for (m = 0; m < {M}u; m++) slot[m] = {db}[m] - {logoff};",
            *(
                [f"        memmove(&{pend}[ch * {n}u], &{pend}[ch * {n}u + {hop}u], {keep}u * sizeof(int16_t));"]
                if keep
                else []
            ),
            "    }",
            f"    {head}[0] = (uint16_t)(({head}[0] + 1u) % {T}u);",
            f"    {pfill}[0] = {keep}u;",
            f"    {pskip}[0] = {max(0, hop - n)}u;",
            "}",
        ]
        out_code = [
            "uint32_t ch, t, m;",
            f"for (ch = 0; ch < {C}u; ch++) {{",
            f"    for (t = 0; t < {T}u; t++) {{",
            f"        const int32_t *slot = &{ring}[(ch * {T}u + ({head}[0] + t) % {T}u) * {M}u];",
            f"        float *row = {dst} + (ch * {T}u + t) * {M}u;",
            f"        for (m = 0; m < {M}u; m++) row[m] = sf_q15_feature(slot[m], {unit});",
            "    }",
            "}",
        ]
    n_loop = len(code)
    rng = stage.clip_range()
    if rng is not None:
        N = C * T * M
        code += [
            "{",
            f"    float top = {dst}[0], floor;",
            f"    for (m = 1; m < {N}u; m++) if ({dst}[m] > top) top = {dst}[m];",
            f"    floor = top - {cgen.f32(rng)};",
            f"    for (m = 0; m < {N}u; m++) if ({dst}[m] < floor) {dst}[m] = floor;",
            "}",
        ]
    scratch = [
        Field("int16_t", "counts", n, "one frame's int16 counts"),
        Field("int32_t", "work", n, "FFT buffer, then the power spectrum over it"),
        Field("int32_t", "db", M, "one frame's Q16 dB (mfcc: its Q16 DCT input)"),
    ]
    if mfcc:
        D = stage.q15_dct()
        dct = t.add("dct", "int16_t", D, comment="q15 DCT rows (orthonormal)")
        nd = D.shape[0]
        scratch += [
            Field("float", "logmel", C * T * M, "the clipped log-mel of the window"),
            Field("int32_t", "cep", nd, "one frame's Q16 MFCC"),
        ]
        cep = ctx.scratch("cep")
        code += [
            f"for (t = 0; t < {C * T}u; t++) {{",
            f"    for (m = 0; m < {M}u; m++) {db}[m] = sf_q15_rint({dst}[t * {M}u + m] * 65536.0f);",
            f"    sf_q15_dct({dct}, {nd}u, {M}u, {db}, {cep});",
            f"    for (m = 0; m < {nd}u; m++) out[t * {nd}u + m] = sf_q15_feature({cep}[m], {cgen.f32(2.0**-16)});",
            "}",
        ]
    post = code[n_loop:]  # clip, DCT: shared by the window path and the stream's output
    frag = CFragment(runtime=["sf_q15"], tables=t.defs, scratch=scratch, code=code)
    if stream:
        frag.state, frag.stream_sample = state, sample
        frag.stream_output = out_code + post
    if ctx.int8_codes is not None:
        _int8_codes(frag, ctx, stage, stream, (cnt, work, db), starts)
    if stream:
        _counts_entry(frag, ctx, C, n, k)
    return frag


def _counts_entry(frag: CFragment, ctx, C: int, n: int, k: int) -> None:
    """``<func>_samples_i16`` (behind ``<prefix>_push_i16``): the stream on int16 counts, the
    quantising call of ``stream_sample`` replaced by a copy (``quantize(c * 2^-k) == c`` for
    every int16 ``c``, so both entries compute the same integers)."""
    pend, pfill = ctx.state("pend"), ctx.state("pfill")
    if C == 1:
        copy = f"    memcpy(&{pend}[{pfill}[0]], x + i, r * sizeof(int16_t));"
    else:
        copy = (
            f"    for (ch = 0; ch < {C}u; ch++) {{ uint32_t u; for (u = 0; u < r; u++) "
            f"{pend}[ch * {n}u + {pfill}[0] + u] = x[(i + u) * {C}u + ch]; }}"
        )
    lines = [copy if "sf_q15_quantize(" in line else line for line in frag.stream_sample]
    frag.stream_sample_i16 = lines
    frag.i16_scale = 2.0**-k


def _int8_codes(frag: CFragment, ctx, stage, stream: bool, bufs, starts: str) -> None:
    """The integer pipeline (library.fused_codes; one channel, no top_db clip, log_mel): each
    frame's Q16 dB becomes the int8 model's input codes once, ``code8`` (= int8.quantize_q16).
    The stream keeps a ring of codes (n_frames x n_mels int8, not int32 dB) and copies it, oldest
    frame first, into the model's codes buffer when a window completes; the window path writes
    the codes and, when ``out`` is not NULL, the float features (what ``_features`` returns)."""
    if not stream:
        raise CodegenError(f"stage {ctx.index} 'log_mel': the integer pipeline needs the frame-streaming path")
    q = ctx.int8_codes
    p = stage.params
    n, M, T = p.n_fft, p.n_mels, stage.n_frames
    cnt, work, db = bufs
    dst, code8 = q["dst"], ctx.sym("code8")
    unit, logoff, k = cgen.f32(2.0**-16), stage.q15_log_offset(), int(stage.q15_k_[0])
    frag.helpers.append(
        f"/* int8 input code of a Q16 dB value: round(|v| * {q['mult']} / 2^{q['shift']}) half away from zero,\n"
        " * signed, plus the zero point, clamped (= quantising the float feature v * 2^-16) */\n"
        f"static int8_t {code8}(int32_t v)\n"
        "{\n"
        "    uint32_t a = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;\n"
        f"    uint64_t p = ((uint64_t)a * {q['mult']}u + ((uint64_t)1 << {q['shift'] - 1}u)) >> {q['shift']}u;\n"
        "    int32_t r = p > 1024u ? 1024 : (int32_t)p;\n"
        f"    r = (v < 0 ? -r : r) + ({q['zp']});\n"
        "    return (int8_t)(r < -128 ? -128 : (r > 127 ? 127 : r));\n"
        "}\n"
    )
    frag.code = [
        "uint32_t t, m;",
        f"for (t = 0; t < {T}u; t++) {{",
        f"    sf_q15_quantize(in + {starts}[t], 1u, {n}u, {k}, {cnt});",
        f"    sf_q15_logmel(&{ctx.sym('logmel')}, {cnt}, {work}, {db});",
        f"    for (m = 0; m < {M}u; m++) {{",
        f"        int32_t v = {db}[m] - {logoff};",
        f"        {dst}[t * {M}u + m] = {code8}(v);",
        f"        if (out != NULL) out[t * {M}u + m] = sf_q15_feature(v, {unit});",
        "    }",
        "}",
    ]
    ring, head = ctx.state("ring"), ctx.state("head")
    for f in frag.state:
        if f.name == "ring":
            f.ctype, f.comment = "int8_t", "the int8 model's input codes of the last n_frames frames"
    frag.stream_sample = [
        line.replace(f"int32_t *slot = &{ring}", f"int8_t *slot = &{ring}").replace(
            f"slot[m] = {db}[m] - {logoff};", f"slot[m] = {code8}({db}[m] - {logoff});"
        )
        for line in frag.stream_sample
    ]
    fn = q.get("frame_fn")
    if fn:  # the model's first layer sums each frame position once (library.fused_codes)
        frag.helpers.append(f"static void {fn}(uint32_t slot); /* defined with the model */\n")
        back = int(q["kernel"]) - 1
        at = next(i for i, line in enumerate(frag.stream_sample) if f"{code8}(" in line)
        frag.stream_sample.insert(at + 1, f"        {fn}(({head}[0] + {T - back}u) % {T}u);")
    if q.get("rings"):  # every model layer ran as its frames arrived: no codes to copy
        frag.stream_output = ["(void)out;", f"{q['flag']}[0] = 1u;  /* the model: pooling on its last layer's ring */"]
        return
    frag.stream_output = [
        "(void)out;  /* the codes go to the model's buffer: no float features */",
        *([f"{q['flag']}[0] = 1u;  /* the model's first layer: from the per-frame sums */"] if fn else []),
        f"uint32_t h = {head}[0];",
        f"memcpy({dst}, &{ring}[h * {M}u], ({T}u - h) * {M}u);",
        f"memcpy(&{dst}[({T}u - h) * {M}u], {ring}, h * {M}u);",
    ]
