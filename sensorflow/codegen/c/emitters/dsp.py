"""C emitters of the DSP stages (signal pre-processing, statistics, spectra, audio, scaler).

Every table is taken from the numpy reference stage itself (its window, mel matrix, DCT
matrix, filter sections...) so host and device use the same constants; the per-window
work is done by the hand-written kernels in ``sensorflow/runtime/c`` (sf_fft, sf_mel,
sf_dct, sf_logmel, sf_biquad, sf_stats, sf_spectral, sf_signal).
"""

from __future__ import annotations

import math

import numpy as np

from ....errors import CodegenError
from ....stages.fixed_point import is_fixed
from ....stages.stats import FUNCTIONS
from .. import cgen
from ..fragment import CFragment, Field
from ..registry import c_emitter
from .fixed import emit_band_energy_q15, emit_log_mel_q15, emit_stats_q15

# ---------------------------------------------------------------------------- table helpers


def _fail(stage, message: str):
    raise CodegenError(f"stage '{stage.name}': {message}")


def check_fft_length(stage, n: int, what: str = "n_fft") -> None:
    """The C FFT handles powers of two from 4 to 32768."""
    if n < 4 or n > 32768 or n & (n - 1):
        _fail(
            stage,
            f"{what}={n} is not a power of two between 4 and 32768, which the C FFT needs; "
            f"choose {what}={1 << max(2, int(n - 1).bit_length())} or export to MicroPython",
        )


def fft_twiddle(n: int) -> np.ndarray:
    """sf_fft twiddle table for L = n: cos, sin of 2 pi k / n, k < n/2 (computed in float64)."""
    k = np.arange(n // 2, dtype=np.float64)
    a = 2.0 * np.pi * k / n
    return np.stack([np.cos(a), np.sin(a)], axis=-1).ravel().astype(np.float32)


def fft_bitrev(m: int) -> np.ndarray:
    """Bit reversal of 0..m-1 over log2(m) bits."""
    bits = max(0, int(m).bit_length() - 1)
    idx = np.arange(m)
    rev = np.zeros(m, dtype=np.int64)
    for b in range(bits):
        rev |= ((idx >> b) & 1) << (bits - 1 - b)
    return rev


def sparse_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of a (n_rows, n_cols) matrix: first non-zero column, run length, and the run's
    values back to back (zeros inside a run are kept)."""
    m = np.asarray(matrix, dtype=np.float32)
    starts, lens, weights = [], [], []
    for row in m:
        nz = np.flatnonzero(row)
        if len(nz) == 0:
            starts.append(0)
            lens.append(0)
            continue
        lo, hi = int(nz[0]), int(nz[-1]) + 1
        starts.append(lo)
        lens.append(hi - lo)
        weights.append(row[lo:hi])
    w = np.concatenate(weights) if weights else np.zeros(0, np.float32)
    return np.array(starts), np.array(lens), w


def c_array(name: str, ctype: str, values, comment: str | None = None) -> str:
    """``static const <ctype> name[N] = {...};`` with cgen's literals (float32 round-trip exact)."""
    items = cgen.literal_items(values, ctype) or ["0"]
    per = 8 if ctype == "float" else 16
    body = ",\n    ".join(", ".join(items[i : i + per]) for i in range(0, len(items), per))
    head = f"/* {comment} */\n" if comment else ""
    return f"{head}static const {ctype} {name}[{len(items)}] = {{\n    {body}\n}};\n"


class Tables:
    """Collects a stage's ``static const`` tables under ``ctx.sym`` names."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.defs: list[str] = []
        self.flash = 0

    def add(self, name: str, ctype: str, values, comment: str | None = None) -> str:
        sym = self.ctx.sym(name)
        self.defs.append(c_array(sym, ctype, values, comment=comment))
        self.flash += cgen.table_bytes(ctype, values)
        return sym

    def fft(self, n: int, with_cfft_bitrev: bool = False) -> tuple[str, str, str | None]:
        tw = self.add(f"twiddle{n}", "float", fft_twiddle(n), comment=f"sf_fft twiddles, L = {n}")
        rev = self.add(f"bitrev{n // 2}", "uint16_t", fft_bitrev(n // 2))
        rev_full = self.add(f"bitrev{n}", "uint16_t", fft_bitrev(n)) if with_cfft_bitrev else None
        return tw, rev, rev_full

    def spectrum_tables(self, stage, n: int, what: str = "n_fft") -> tuple[str, str]:
        """(twiddle, bitrev) for a power-of-two FFT, or (DFT table, "0") for any other length."""
        if n >= 4 and not n & (n - 1):
            check_fft_length(stage, n, what)
            tw, rev, _ = self.fft(n)
            return tw, rev
        if n > 8192:
            _fail(
                stage,
                f"{what}={n} is not a power of two and too long for the C direct DFT (at most 8192); "
                f"choose {what}={1 << int(n - 1).bit_length()}",
            )
        k = np.arange(n, dtype=np.float64)
        tw = self.add(
            f"dft{n}",
            "float",
            np.stack([np.cos(2 * np.pi * k / n), np.sin(2 * np.pi * k / n)], -1).ravel(),
            comment=f"cos, sin of 2 pi k / {n} (direct DFT: {what} is not a power of two)",
        )
        return tw, "0"

    def sparse(self, name: str, first, offsets, weights) -> tuple[str, str, str]:
        """Tables of a sparse-row matrix as ``mel_bands()`` gives it: first column, run length
        per row, the runs back to back."""
        return (
            self.add(f"{name}_start", "uint16_t", first),
            self.add(f"{name}_len", "uint16_t", np.diff(offsets)),
            self.add(f"{name}_weights", "float", weights),
        )


def f(v: float) -> str:
    """float literal"""
    return cgen.f32(v)


# ---------------------------------------------------------------------------- log_mel / mfcc


def _log_rows_finite(mul: float, floor: float, add: float, sub: float) -> bool:
    """True when sf_logmel's row value ``mul * ln(max(x, floor) + add) - sub`` is finite for every
    x the kernel can reach: frame_to_row sets NaN and overflowed mel energies to FLT_MAX first, so
    the log's float32 argument lies in [floor + add, FLT_MAX + add]; both ends must be positive
    and finite (then sf_lnf / logf is finite), and so must the result at both ends. The top_db clip
    (``max(row, window max - top_db)``) keeps finite rows finite."""
    f32 = np.float32
    with np.errstate(over="ignore"):
        lo, hi = f32(f32(floor) + f32(add)), f32(f32(np.finfo(np.float32).max) + f32(add))
    if not (np.isfinite(hi) and lo > 0):
        return False
    ends = [abs(float(f32(mul))) * abs(math.log(float(v))) + abs(float(f32(sub))) for v in (lo, hi)]
    return max(ends) < 1e37  # far below FLT_MAX: the float32 products and difference cannot overflow


@c_emitter("log_mel", "mfcc")
def emit_log_mel(stage, ctx) -> CFragment:
    """sf_logmel: frames -> window -> rfft -> power -> sparse mel -> log -> top_db clip over the
    whole window (all channels, as the reference) -> DCT (mfcc). When frames are not centred
    and the pipeline hop is a multiple of hop_length, windows that the streaming path hands
    over one after the other reuse the frames they share (incremental mode). Fixed point with
    ``q15_scale`` (log_mel only): emitters/fixed.py."""
    if getattr(stage, "q15_k_", None) is not None:
        return emit_log_mel_q15(stage, ctx)
    p = stage.params
    spec = ctx.input_spec
    n_fft, hop = p.n_fft, stage.hop_length
    if spec.length > 65535:
        _fail(stage, f"windows of {spec.length} samples exceed the C kernel's 65535")
    C, T = spec.n_channels, stage.n_frames
    starts = stage.frame_starts()
    pad = -int(starts[0])
    dct_rows = stage.dct_matrix(np.float32)  # None: log-mel out, no DCT
    n_mfcc = 0 if dct_rows is None else dct_rows.shape[0]
    n_out = n_mfcc or p.n_mels
    clip = stage.clip_range()
    floor, add = (p.amin, 0.0) if p.floor_mode == "max" else (0.0, p.amin)
    mul = 10.0 / math.log(10.0) if p.log == "db" else 1.0

    shift = stage.stream_shift(ctx.hop)

    t = Tables(ctx)
    win = t.add("window", "float", stage.window_vector(np.float32))
    tw, rev = t.spectrum_tables(stage, n_fft)
    ms, ml, mw = t.sparse("mel", *stage.mel_bands(np.float32))
    dct = "0" if dct_rows is None else t.add("dct", "float", dct_rows)
    cfg = ctx.sym("cfg")
    t.defs.append(
        f"static const sf_logmel_config_f32 {cfg} = {{\n"
        f"    .window_length = {spec.length}, .n_fft = {n_fft}, .hop_length = {hop}, .n_frames = {T},\n"
        f"    .pad = {pad}, .pad_mode = {'SF_PAD_REFLECT' if p.pad_mode == 'reflect' else 'SF_PAD_CONSTANT'},\n"
        f"    .n_mels = {p.n_mels}, .n_mfcc = {n_mfcc}, .shift_frames = {shift}, .src_stride = {C},\n"
        f"    .power = {f(p.power)}, .log_mul = {f(mul)}, .log_floor = {f(floor)}, .log_add = {f(add)},\n"
        f"    .log_sub = {f(stage.log_offset())}, .top_db = {f(-1.0 if clip is None else clip)},\n"
        f"    .out_frame_stride = {n_out}, .out_coef_stride = 1,\n"
        f"    .window = {win}, .twiddle = {tw}, .bitrev = {rev},\n"
        f"    .mel_start = {ms}, .mel_len = {ml}, .mel_weights = {mw}, .dct = {dct},\n"
        f"}};\n"
    )
    B, R = stage.kernel_floats()  # per-call buffers and frame ring of one channel (checked below)
    W = B + R
    work = Field("float", "work", C * W, "sf_logmel rings and frame buffers, per channel")
    frag = CFragment(runtime=["sf_fft", "sf_mel", "sf_dct", "sf_logmel"], tables=t.defs)
    frag.finite_output = n_mfcc == 0 and _log_rows_finite(mul, floor, add, stage.log_offset())
    code = [f"sf_logmel_inst_f32 S[{C}];", "uint32_t ch;", "float thr = SF_LOGMEL_NO_CLIP;"]
    stream = bool(shift) and ctx.streams_input
    wk_lvalue = ctx.state("work") if shift and not stream else ctx.scratch("work")
    t.defs.append(  # compile-time check that the buffer is as large as the kernel needs
        f"typedef char {ctx.sym('work_fits')}[(sizeof {wk_lvalue} / sizeof(float) >= "
        f"{C}u * SF_LOGMEL_WORK_FLOATS({n_fft}u, {T}u, {p.n_mels}u, {n_mfcc}u)) ? 1 : -1];\n"
    )
    if shift and not stream:
        # state: rings survive between windows; only the streaming path's window buffer
        # follows the previous window by exactly the pipeline hop, unless that window was
        # skipped (it held NaN/Inf; model.c.j2 sets state.skipped)
        frag.state = [work, Field("uint16_t", "head", C), Field("uint8_t", "valid", C)]
        head, valid, wk = ctx.state("head"), ctx.state("valid"), ctx.state("work")
        code += [
            f"const int next = (in == {ctx.prefix}_state.win && !{ctx.prefix}_state.skipped);",
            f"for (ch = 0; ch < {C}u; ch++) {{",
            f"    sf_logmel_init_f32(&S[ch], &{cfg}, &{wk}[ch * {W}u]);",
            f"    S[ch].head = {head}[ch];",
            f"    S[ch].valid = (uint8_t)(next && {valid}[ch]);",
            "    sf_logmel_frames_next_f32(&S[ch], in + ch);",
            f"    {head}[ch] = S[ch].head;",
            f"    {valid}[ch] = (uint8_t)next;  /* a window from elsewhere breaks the chain */",
            "}",
        ]
    else:
        frag.scratch = [work]
        wk = ctx.scratch("work")
        code += [
            f"for (ch = 0; ch < {C}u; ch++) {{",
            f"    sf_logmel_init_f32(&S[ch], &{cfg}, &{wk}[ch * {W}u]);",
            "    sf_logmel_frames_f32(&S[ch], in + ch);",
            "}",
        ]
    tail = []
    if clip is not None:
        tail += [
            "{",
            "    float gmax = sf_logmel_max_f32(&S[0]);",
            f"    for (ch = 1; ch < {C}u; ch++) {{",
            "        float m = sf_logmel_max_f32(&S[ch]);",
            "        if (m > gmax) gmax = m;",
            "    }",
            f"    thr = gmax - {f(clip)};",
            "}",
        ]
    tail += [f"for (ch = 0; ch < {C}u; ch++) sf_logmel_output_f32(&S[ch], thr, out + ch * {T * n_out}u);"]
    frag.code = code + tail
    if stream:
        _stream_log_mel(frag, ctx, cfg, C, n_fft, hop, T, p.n_mels, n_mfcc, tail, B, R)
    return frag


def _stream_log_mel(
    frag, ctx, cfg: str, C: int, n_fft: int, hop: int, T: int, n_mels: int, n_mfcc: int, tail: list[str], B: int, R: int
):
    """Frame-by-frame streaming: keep one frame of pending samples (n_fft x C, interleaved)
    and each channel's ring of the last T frames (sf_logmel_push_frame_f32); a completed
    window reads its T frames from the rings. Frame g of the stream starts at sample
    g * hop_length, so window k's frames are frames k * shift ... k * shift + T - 1, the last
    T frames completed when the window completes (T * hop_length > window - n_fft)."""
    frag.state = [
        Field("float", "ring", C * R, "last n_frames frames per channel (sf_logmel ring)"),
        Field("float", "pend", C * n_fft, "samples of the frame being filled, interleaved"),
        Field("uint16_t", "head", 1, "ring slot of the oldest frame"),
        Field("uint16_t", "pfill", 1, "samples in pend"),
        Field("uint16_t", "pskip", 1, "samples to drop before the next frame starts"),
    ]
    ring, pend, head = ctx.state("ring"), ctx.state("pend"), ctx.state("head")
    pfill, pskip, wk = ctx.state("pfill"), ctx.state("pskip"), ctx.scratch("work")
    frag.tables.append(  # compile-time check that the ring is as large as the kernel needs
        f"typedef char {ctx.sym('ring_fits')}[(sizeof {ring} / sizeof(float) >= "
        f"{C}u * SF_LOGMEL_RING_FLOATS({T}u, {n_mels}u, {n_mfcc}u)) ? 1 : -1];\n"
    )
    frag.stream_sample = [
        f"sf_logmel_stream_samples_f32(&{cfg}, {wk}, {ring}, {pend}, {head}, {pfill}, {pskip}, x, n);",
    ]
    frag.stream_output = [
        f"sf_logmel_inst_f32 S[{C}];",
        "uint32_t ch;",
        "float thr = SF_LOGMEL_NO_CLIP;",
        f"for (ch = 0; ch < {C}u; ch++) {{",
        f"    sf_logmel_init_split_f32(&S[ch], &{cfg}, &{wk}[ch * {B}u], &{ring}[ch * {R}u]);",
        f"    S[ch].head = {head}[0];",
        "}",
    ] + tail


# ---------------------------------------------------------------------------- signal stages


def _floats(values, n: int) -> np.ndarray:
    a = np.asarray(values, dtype=np.float64).ravel()
    return np.full(n, a[0]) if a.size == 1 else a


@c_emitter("scale")
def emit_scale(stage, ctx) -> CFragment:
    """sf_scale_process_f32: x * gain + offset per channel."""
    L, C = ctx.input_spec.length, ctx.input_spec.n_channels
    t = Tables(ctx)
    g = t.add("gain", "float", _floats(stage.params.gain, C))
    o = t.add("offset", "float", _floats(stage.params.offset, C))
    return CFragment(
        runtime=["sf_signal"], tables=t.defs, code=[f"sf_scale_process_f32(in, out, {L}u, {C}u, {g}, {o});"]
    )


@c_emitter("dc_remove")
def emit_dc_remove(stage, ctx) -> CFragment:
    """sf_dc_remove_process_f32: subtract each channel's window mean."""
    L, C = ctx.input_spec.length, ctx.input_spec.n_channels
    return CFragment(runtime=["sf_signal"], code=[f"sf_dc_remove_process_f32(in, out, {L}u, {C}u);"])


@c_emitter("pre_emphasis")
def emit_pre_emphasis(stage, ctx) -> CFragment:
    """sf_pre_emphasis_process_f32 from a fresh state each window (x[-1] = 0 or x[0])."""
    L, C = ctx.input_spec.length, ctx.input_spec.n_channels
    rep = 1 if stage.params.initial == "repeat" else 0
    return CFragment(
        runtime=["sf_signal"],
        code=[f"sf_pre_emphasis_process_f32(in, out, {L}u, {C}u, {f(stage.params.coef)}, {rep});"],
    )


@c_emitter("magnitude")
def emit_magnitude(stage, ctx) -> CFragment:
    """Kept channels copied, then the norm of the selected channels (sf_magnitude_of_f32)."""
    L, C = ctx.input_spec.length, ctx.input_spec.n_channels
    Co = ctx.output_spec.n_channels
    idx, keep = list(stage._idx), list(stage._keep)
    t = Tables(ctx)
    sel = t.add("idx", "uint8_t", idx)
    code = [
        "uint32_t t;",
        f"for (t = 0; t < {L}u; t++) {{",
        f"    const float *x = in + t * {C}u;",
        f"    float *y = out + t * {Co}u;",
    ]
    code += [f"    y[{j}] = x[{i}];" for j, i in enumerate(keep)]
    code += [f"    y[{len(keep)}] = sf_magnitude_of_f32(x, {sel}, {len(idx)}u);", "}"]
    return CFragment(runtime=["sf_signal"], tables=t.defs, code=code)


@c_emitter("butter")
def emit_butter(stage, ctx) -> CFragment:
    """sf_biquad cascade (DF2T, scipy's sosfilt) per channel, from a fresh state each window:
    zeros, or sosfilt_zi(sos) * x[0] for ``zi: steady``."""
    L, C = ctx.input_spec.length, ctx.input_spec.n_channels
    sos = stage.sos(np.float64)
    ns = sos.shape[0]
    t = Tables(ctx)
    coeffs = t.add(
        "sos",
        "float",
        np.concatenate([sos[:, :3], sos[:, 4:6]], axis=1).ravel(),
        comment="b0 b1 b2 a1 a2 per section (scipy signs, a0 = 1)",
    )
    code = [
        "sf_biquad_inst_f32 S;",
        "uint32_t ch;",
        f"for (ch = 0; ch < {C}u; ch++) {{",
        f"    sf_biquad_init_f32(&S, {ns}, {coeffs}, {ctx.scratch('z')});",
    ]
    if stage.params.zi == "steady":
        import scipy.signal

        zi = t.add("zi", "float", scipy.signal.sosfilt_zi(sos).ravel(), comment="sosfilt_zi(sos)")
        code.append(f"    sf_biquad_set_state_f32(&S, {zi}, in[ch]);")
    code += [f"    sf_biquad_process_f32(&S, in + ch, {C}u, out + ch, {C}u, {L}u);", "}"]
    return CFragment(runtime=["sf_biquad"], tables=t.defs, scratch=[Field("float", "z", 2 * ns)], code=code)


# ---------------------------------------------------------------------------- stats


@c_emitter("stats")
def emit_stats(stage, ctx) -> CFragment:
    """sf_stats_compute_f32 per channel, then the requested statistics in order
    (fixed point when the stage has ``q15_scale``: emitters/fixed.py)."""
    if is_fixed(stage):
        return emit_stats_q15(stage, ctx)
    L, C = ctx.input_spec.length, ctx.input_spec.n_channels
    fns = list(stage.params.functions)
    ids = "{" + ", ".join(f"{FUNCTIONS.index(fn)}u" for fn in fns) + "}"  # the SF_STAT_* order
    return CFragment(
        runtime=["sf_stats"],
        code=[
            f"static const uint8_t ids[{len(fns)}] = {ids};",
            "sf_stats_result_f32 m;",
            "uint32_t ch, k;",
            f"for (ch = 0; ch < {C}u; ch++) {{",
            f"    sf_stats_compute_f32(in + ch, {C}u, {ctx.n_valid or f'{L}u'}, &m);",
            f"    for (k = 0; k < {len(fns)}u; k++) out[ch * {len(fns)}u + k] = sf_stats_value_f32(&m, ids[k]);",
            "}",
        ],
    )


# ---------------------------------------------------------------------------- spectra


def _spectrum_config(
    stage,
    ctx,
    t: Tables,
    power: int,
    n_fft: int,
    hop: int,
    n_frames: int,
    window,
    slot: str = "0",
    n_out: int | None = None,
) -> str:
    """A sf_spectrum_config_f32 for the stage's framing (FFT for powers of two, DFT otherwise);
    ``slot``: a bin -> output table (see sf_spectrum_config_f32), "0" for the spectrum itself."""
    if n_fft > 65535 or hop > 65535:
        _fail(stage, f"n_fft={n_fft} is too long for the C spectrum kernel (at most 32768)")
    win = t.add("window", "float", window)
    tw, rev = t.spectrum_tables(stage, n_fft)
    pow2 = rev != "0"
    cfg = ctx.sym("spectrum")
    t.defs.append(
        f"static const sf_spectrum_config_f32 {cfg} = {{\n"
        f"    .n_fft = {n_fft}, .hop = {hop}, .n_frames = {n_frames}, .src_stride = {ctx.input_spec.n_channels},\n"
        f"    .n_out = {n_fft // 2 + 1 if n_out is None else n_out},\n"
        f"    .power = {power}, .use_fft = {1 if pow2 else 0}, .window = {win}, .slot = {slot},\n"
        + (f"    .fft = SF_RFFT_INIT_F32({n_fft}u, {tw}, {rev}),\n" if pow2 else f"    .twiddle = {tw},\n")
        + "};\n"
    )
    return cfg


def _spectrum_stage(stage, ctx, power: int):
    """Config and scratch of a stage that needs the frame-averaged spectrum itself: the FFT's
    buffer (n_fft floats) and the spectrum summed into (n_fft/2 + 1 floats)."""
    t = Tables(ctx)
    cfg = _spectrum_config(
        stage, ctx, t, power, stage.n_fft, stage.hop_length, stage.n_frames, stage.window_vector(np.float32)
    )
    nb = stage.n_fft // 2 + 1
    scratch = [
        Field("float", "work", stage.n_fft, "FFT buffer of one frame"),
        Field("float", "spec", nb, "frame-averaged spectrum"),
    ]
    return t, cfg, nb, scratch


def band_slots(stage, matrix: np.ndarray) -> np.ndarray:
    """The band of every rfft bin (0xFFFF: in no band) from a 0/1 band matrix whose bands do
    not overlap (each bin sums into at most one band with weight 1)."""
    m = np.asarray(matrix)
    if np.any((m != 0) & (m != 1)) or np.any(m.sum(axis=0) > 1):
        _fail(stage, "bands overlap or have fractional weights; the C band kernel needs disjoint 0/1 bands")
    slots = np.full(m.shape[1], 0xFFFF, dtype=np.int64)
    band, k = np.nonzero(m)
    slots[k] = band
    return slots


@c_emitter("fft")
def emit_fft(stage, ctx) -> CFragment:
    """sf_spectrum_process_f32 (frame-averaged |X| or |X|^2), first n_bins bins per channel."""
    C = ctx.input_spec.n_channels
    t, cfg, nb, scratch = _spectrum_stage(stage, ctx, 2 if stage.params.scaling == "power" else 1)
    n = stage.n_bins
    return CFragment(
        runtime=["sf_fft", "sf_spectral"],
        tables=t.defs,
        scratch=scratch,
        code=[
            "uint32_t ch, k;",
            f"for (ch = 0; ch < {C}u; ch++) {{",
            f"    sf_spectrum_process_f32(&{cfg}, in + ch, {ctx.scratch('work')}, {ctx.scratch('spec')});",
            f"    for (k = 0; k < {n}u; k++) out[ch * {n}u + k] = {ctx.scratch('spec')}[k];",
            "}",
        ],
    )


@c_emitter("band_energy")
def emit_band_energy(stage, ctx) -> CFragment:
    """Each frame's power spectrum summed straight into its bands (a bin -> band table; the
    bands are disjoint 0/1 rows of band_matrix) and averaged over the frames, so only the FFT
    buffer is scratch; optional 10 log10(max(e, 1e-10)). Fixed point with ``q15_scale``."""
    if is_fixed(stage):
        return emit_band_energy_q15(stage, ctx)
    C = ctx.input_spec.n_channels
    t = Tables(ctx)
    nbands = stage.band_matrix(np.float32).shape[0]
    slot = t.add(
        "band_of_bin",
        "uint16_t",
        band_slots(stage, stage.band_matrix(np.float32)),
        comment="band of each rfft bin, 0xFFFF: none",
    )
    cfg = _spectrum_config(
        stage,
        ctx,
        t,
        2,
        stage.n_fft,
        stage.hop_length,
        stage.n_frames,
        stage.window_vector(np.float32),
        slot=slot,
        n_out=nbands,
    )
    scratch = [Field("float", "work", stage.n_fft, "FFT buffer of one frame")]
    code = [
        "uint32_t ch;",
        f"for (ch = 0; ch < {C}u; ch++) {{",
        f"    sf_spectrum_process_f32(&{cfg}, in + ch, {ctx.scratch('work')}, out + ch * {nbands}u);",
    ]
    if stage.params.db:
        code.append(f"    sf_spectral_db_f32(out + ch * {nbands}u, {nbands}u);")
    code.append("}")
    return CFragment(runtime=["sf_fft", "sf_spectral"], tables=t.defs, scratch=scratch, code=code)


@c_emitter("spectral")
def emit_spectral(stage, ctx) -> CFragment:
    """Averaged magnitude spectrum, then sf_spectral_* shape features and peaks."""
    C = ctx.input_spec.n_channels
    t, cfg, nb, scratch = _spectrum_stage(stage, ctx, 1)
    p = stage.params
    df = stage.sample_rate / stage.n_fft
    nf = len(p.features) + 2 * p.n_peaks
    S = ctx.scratch("spec")
    code = [
        "uint32_t ch;",
        f"for (ch = 0; ch < {C}u; ch++) {{",
        f"    float *o = out + ch * {nf}u;",
        f"    sf_spectrum_process_f32(&{cfg}, in + ch, {ctx.scratch('work')}, {S});",
    ]
    need_c = any(x in p.features for x in ("centroid", "bandwidth"))
    if need_c:
        code.append(f"    float centroid = sf_spectral_centroid_f32({S}, {nb}u, {f(df)});")
    if any(x in p.features for x in ("peak_freq", "peak_mag")):
        code += [
            "    uint16_t pk_i[1] = {0};",
            "    float pk_v[1] = {0.0f};",
            f"    uint32_t pk_n = sf_spectral_top_k_f32({S}, {nb}u, 0u, 1u, pk_i, pk_v);",
            "    float silent = (sf_spectral_sum_f32(" + S + f", {nb}u) > 0.0f) ? 1.0f : 0.0f;",
        ]
    for i, feat in enumerate(p.features):
        expr = {
            "centroid": "centroid",
            "bandwidth": f"sf_spectral_bandwidth_f32({S}, {nb}u, {f(df)}, centroid)",
            "rolloff": f"sf_spectral_rolloff_f32({S}, {nb}u, {f(df)}, {f(p.roll_percent)})",
            "flatness": f"sf_spectral_flatness_f32({S}, {nb}u, 1e-10f, 1)",
            "peak_freq": f"pk_n ? silent * {f(df)} * (float)pk_i[0] : 0.0f",
            "peak_mag": "pk_n ? pk_v[0] : 0.0f",
        }[feat]
        code.append(f"    o[{i}] = {expr};")
    if p.n_peaks:
        k = p.n_peaks
        base = len(p.features)
        code += [
            f"    {{ uint16_t pi[{k}]; float pv[{k}]; uint32_t j;",
            f"      uint32_t found = sf_spectral_peaks_f32({S}, {nb}u, {k}u, pi, pv);",
            f"      for (j = 0; j < {k}u; j++) {{",
            f"          o[{base}u + 2u * j] = (j < found) ? {f(df)} * (float)pi[j] : 0.0f;",
            f"          o[{base}u + 2u * j + 1u] = (j < found) ? pv[j] : 0.0f;",
            "      } }",
        ]
    code.append("}")
    return CFragment(runtime=["sf_fft", "sf_spectral"], tables=t.defs, scratch=scratch, code=code)


@c_emitter("envelope_spectrum")
def emit_envelope_spectrum(stage, ctx) -> CFragment:
    """Band-pass (sf_biquad, zero state) -> Hilbert envelope (sf_envelope_process_f32) -> mean
    removed -> window -> rfft -> 2|X| / sum(w); bins, or the largest bin near each frequency."""
    L, C = ctx.input_spec.length, ctx.input_spec.n_channels
    check_fft_length(stage, L, what="the window length")
    p = stage.params
    t = Tables(ctx)
    tw, rev, rev_full = t.fft(L, with_cfft_bitrev=True)
    w = stage.window_vector(np.float64)
    win = t.add("window", "float", w)
    gain = 2.0 / float(w.sum())
    sos = stage.sos()
    ns = 0 if sos is None else sos.shape[0]
    scratch = [
        Field("float", "x", L),
        Field("float", "env", L),
        Field("float", "work", 3 * L),
        Field("float", "z", max(1, 2 * ns)),
    ]
    X, E, Wk = ctx.scratch("x"), ctx.scratch("env"), ctx.scratch("work")
    code = [
        "sf_rfft_inst_f32 R;",
        "sf_cfft_inst_f32 Cf;",
        "uint32_t ch, k;",
        "float mean;",
        f"sf_rfft_init_f32(&R, {L}, {tw}, {rev});",
        f"sf_cfft_init_f32(&Cf, {L}, {tw}, {rev_full});",
        f"for (ch = 0; ch < {C}u; ch++) {{",
    ]
    runtime = ["sf_fft", "sf_spectral", "sf_signal"]
    if ns:
        coeffs = t.add("sos", "float", np.concatenate([sos[:, :3], sos[:, 4:6]], axis=1).ravel())
        runtime.append("sf_biquad")
        code += [
            "    sf_biquad_inst_f32 B;",
            f"    sf_biquad_init_f32(&B, {ns}, {coeffs}, {ctx.scratch('z')});",
            f"    sf_biquad_process_f32(&B, in + ch, {C}u, {X}, 1u, {L}u);",
        ]
    else:
        code.append(f"    for (k = 0; k < {L}u; k++) {X}[k] = in[k * {C}u + ch];")
    code += [
        f"    sf_envelope_process_f32(&R, &Cf, {X}, {Wk}, {E});",
        f"    mean = sf_signal_mean_f32({E}, 1u, {L}u);",
        f"    for (k = 0; k < {L}u; k++) {X}[k] = ({E}[k] - mean) * {win}[k];",
        f"    sf_rfft_process_f32(&R, {X}, {E});",
        f"    sf_rfft_power_f32({E}, {E}, {L}u);",
        f"    for (k = 0; k <= {L // 2}u; k++) {E}[k] = {f(gain)} * sqrtf({E}[k]);",
    ]
    if p.frequencies:
        near = stage.near_bins()
        nf = len(near)
        blo, bhi = t.add("lo", "uint16_t", [a for a, _ in near]), t.add("hi", "uint16_t", [b for _, b in near])
        code.append(f"    sf_spectral_max_in_ranges_f32({E}, {blo}, {bhi}, {nf}u, out + ch * {nf}u);")
    else:
        n = stage.n_bins
        code.append(f"    for (k = 0; k < {n}u; k++) out[ch * {n}u + k] = {E}[k];")
    code.append("}")
    return CFragment(runtime=runtime, tables=t.defs, scratch=scratch, code=code)


# ---------------------------------------------------------------------------- scaler


@c_emitter("scaler")
def emit_scaler(stage, ctx) -> CFragment:
    """sf_scaler_standard_f32 / sf_scaler_minmax_f32 with the learned float64 values as float32."""
    n = ctx.input_spec.size
    t = Tables(ctx)
    scale = t.add("scale", "float", np.asarray(stage.scale_, dtype=np.float64))
    if stage.params.method == "standard":
        mean = t.add("mean", "float", np.asarray(stage.mean_, dtype=np.float64))
        code = [f"sf_scaler_standard_f32(in, out, {n}u, {mean}, {scale});"]
    else:
        mn = t.add("min", "float", np.asarray(stage.min_, dtype=np.float64))
        lo, hi = stage.params.feature_range
        code = [f"sf_scaler_minmax_f32(in, out, {n}u, {scale}, {mn}, {int(stage.params.clip)}, {f(lo)}, {f(hi)});"]
    return CFragment(runtime=["sf_signal"], tables=t.defs, code=code)
