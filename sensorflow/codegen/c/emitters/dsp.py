"""C emitters of the DSP stages (signal pre-processing, statistics, spectra, audio, scaler).

Every table is taken from the numpy reference stage itself (its window, mel matrix, DCT
matrix, filter sections...) so host and device use the same constants; the per-window
work is done by the hand-written kernels in ``sensorflow/runtime/c`` (sf_fft, sf_mel,
sf_dct, sf_logmel, sf_biquad, sf_stats, sf_spectral, sf_window).
"""

from __future__ import annotations

import math

import numpy as np

from ....errors import CodegenError
from .. import cgen
from ..fragment import CFragment, Field
from ..registry import c_emitter

# ---------------------------------------------------------------------------- table helpers


def _fail(stage, message: str):
    raise CodegenError(f"stage '{stage.name}': {message}")


def check_fft_length(stage, n: int, what: str = "n_fft") -> None:
    """The C FFT handles powers of two from 4 to 32768."""
    if n < 4 or n > 32768 or n & (n - 1):
        _fail(stage, f"{what}={n} is not a power of two between 4 and 32768, which the C FFT needs; "
                     f"choose {what}={1 << max(2, int(n - 1).bit_length())} or export to MicroPython")


def fft_twiddle(n: int) -> np.ndarray:
    """sf_fft twiddle table for L = n: cos, sin of 2 pi k / n, k < 3n/4 (computed in float64)."""
    k = np.arange(3 * n // 4, dtype=np.float64)
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

    def sparse(self, name: str, matrix: np.ndarray) -> tuple[str, str, str]:
        start, length, weights = sparse_rows(matrix)
        return (self.add(f"{name}_start", "uint16_t", start), self.add(f"{name}_len", "uint16_t", length),
                self.add(f"{name}_weights", "float", weights))


def f(v: float) -> str:
    """float literal"""
    return cgen.f32(v)


# ---------------------------------------------------------------------------- log_mel / mfcc


@c_emitter("log_mel", "mfcc")
def emit_log_mel(stage, ctx) -> CFragment:
    """sf_logmel: frames -> window -> rfft -> power -> sparse mel -> log -> top_db clip over the
    whole window (all channels, as the reference) -> DCT (mfcc). When frames are not centred
    and the pipeline hop is a multiple of hop_length, windows that the streaming path hands
    over one after the other reuse the frames they share (incremental mode)."""
    p = stage.params
    spec = ctx.input_spec
    n_fft, hop = p.n_fft, stage.hop_length
    check_fft_length(stage, n_fft)
    if spec.length > 65535:
        _fail(stage, f"windows of {spec.length} samples exceed the C kernel's 65535")
    C, T = spec.n_channels, stage.n_frames
    starts = stage.frame_starts()
    pad = -int(starts[0])
    is_mfcc = stage.name == "mfcc"
    n_mfcc = p.n_mfcc if is_mfcc else 0
    n_out = n_mfcc or p.n_mels
    clip = stage.clip_range()
    floor, add = (p.amin, 0.0) if p.floor_mode == "max" else (0.0, p.amin)
    mul = 10.0 / math.log(10.0) if p.log == "db" else 1.0

    shift = 0
    if not p.center and 0 < ctx.hop < spec.length and ctx.hop % hop == 0 and ctx.hop // hop < T:
        shift = ctx.hop // hop

    t = Tables(ctx)
    win = t.add("window", "float", stage.window_vector(np.float32))
    tw, rev, _ = t.fft(n_fft)
    ms, ml, mw = t.sparse("mel", stage.mel_matrix(np.float32))
    dct = t.add("dct", "float", stage.dct_matrix(np.float32)) if is_mfcc else "0"
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
    W = 2 * n_fft + T * (p.n_mels + n_mfcc + 3) + 2 * p.n_mels + n_mfcc
    work = Field("float", "work", C * W, "sf_logmel rings and frame buffers, per channel")
    frag = CFragment(runtime=["sf_fft", "sf_mel", "sf_dct", "sf_logmel"], tables=t.defs)
    code = [f"sf_logmel_inst_f32 S[{C}];", "uint32_t ch;", "float thr = SF_LOGMEL_NO_CLIP;"]
    if shift:
        # state: rings survive between windows; only the streaming path's window buffer
        # follows the previous window by exactly the pipeline hop
        frag.state = [work, Field("uint16_t", "head", C), Field("uint8_t", "valid", C)]
        head, valid, wk = ctx.state("head"), ctx.state("valid"), ctx.state("work")
        code += [
            f"const int next = (in == {ctx.prefix}_state.win);",
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
    if clip is not None:
        code += [
            "{",
            "    float gmax = sf_logmel_max_f32(&S[0]);",
            f"    for (ch = 1; ch < {C}u; ch++) {{",
            "        float m = sf_logmel_max_f32(&S[ch]);",
            "        if (m > gmax) gmax = m;",
            "    }",
            f"    thr = gmax - {f(clip)};",
            "}",
        ]
    code += [f"for (ch = 0; ch < {C}u; ch++) sf_logmel_output_f32(&S[ch], thr, out + ch * {T * n_out}u);"]
    frag.code = code
    return frag
