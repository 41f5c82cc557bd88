"""MicroPython emitters of the feature stages (signal -> features, ``sensorflow/stages``) and
of the vector stage ``scaler``; each writes its part of ``self.feat``."""

from __future__ import annotations

import numpy as np

from ....stages.fixed_point import is_fixed
from ....stages.stats import FUNCTIONS
from ..fragment import MPContext, MPFragment
from ..registry import mp_emitter
from .fixed import emit_band_energy_q15, emit_log_mel_q15, emit_stats_q15


@mp_emitter("stats")
def emit_stats(stage, ctx: MPContext) -> MPFragment:
    if is_fixed(stage):
        return emit_stats_q15(stage, ctx)
    codes = ctx.int_table("codes", [FUNCTIONS.index(f) for f in stage.params.functions])
    return MPFragment([f"rt.stats({ctx.inp}, {ctx.n_valid or ctx.n}, {ctx.channels}, {codes}, {ctx.out}, {ctx.off})"])


@mp_emitter("scaler")
def emit_scaler(stage, ctx: MPContext) -> MPFragment:
    n = ctx.n_in
    scale = ctx.f32_packed("scale", stage.scale_)
    if stage.params.method == "standard":
        mean = ctx.f32_packed("mean", stage.mean_)
        return MPFragment([f"rt.standardize({ctx.inp}, 0, {n}, {mean}, {scale})"])
    mn = ctx.f32_packed("min", stage.min_)
    lo, hi = (float(v) for v in stage.params.feature_range)
    return MPFragment(
        [
            f"rt.minmax({ctx.inp}, 0, {n}, {scale}, {mn}, {bool(stage.params.clip)}, "
            f"{ctx.scalar('lo', lo)}, {ctx.scalar('hi', hi)})"
        ]
    )


# ---------------------------------------------------------------------- spectra
def fft_tables(ctx: MPContext, n: int, real_power: bool = False) -> tuple[str, str, str]:
    """(cos table, sin table, bit-reversal table or None) for a length-n DFT in ``rt.cfft``;
    with ``real_power`` and n not a power of two, the Goertzel coefficients 2 cos(2 pi k / n)
    of the n//2 + 1 output bins instead (``rt.goertzel_power``)."""
    pow2 = n & (n - 1) == 0
    if real_power and not pow2:
        k = np.arange(n // 2 + 1, dtype=np.float64)
        return ctx.f32_table(f"goertzel{n}", 2.0 * np.cos(2 * np.pi * k / n)), "None", "None"
    m = n // 2 if pow2 else n
    k = np.arange(m, dtype=np.float64)
    cos_t = ctx.f32_table(f"cos{n}", np.cos(2 * np.pi * k / n))
    sin_t = ctx.f32_table(f"sin{n}", np.sin(2 * np.pi * k / n))
    if not pow2:
        return cos_t, sin_t, "None"
    bits = n.bit_length() - 1
    rev = [int(format(i, f"0{bits}b")[::-1], 2) if bits else 0 for i in range(n)]
    return cos_t, sin_t, ctx.int_table(f"rev{n}", rev)


def _fft_scratch(ctx: MPContext, n: int, real_power: bool = False) -> tuple[str, str, str, str]:
    pow2 = n & (n - 1) == 0
    re, im = ctx.buffer("re", n), ctx.buffer("im", n)
    tre = ctx.buffer("tre", n // 2 + 1 if real_power else (n if not pow2 else 1))
    tim = ctx.buffer("tim", n if not (pow2 or real_power) else 1)
    return re, im, tre, tim


def _spectrum_call(stage, ctx: MPContext, power: int, nb_full: int) -> tuple[str, str]:
    n = stage.n_fft
    win = ctx.f32_table("window", stage.window_vector(np.float64))
    cos_t, sin_t, rev = fft_tables(ctx, n, real_power=True)
    re, im, tre, tim = _fft_scratch(ctx, n, real_power=True)
    acc = ctx.buffer("spec", nb_full)
    call = (
        f"rt.spectrum({ctx.inp}, {ctx.channels}, c, {n}, {stage.hop_length}, {stage.n_frames}, {win}, {power}, "
        f"{nb_full}, {cos_t}, {sin_t}, {rev}, {re}, {im}, {tre}, {tim}, {acc})"
    )
    return call, acc


@mp_emitter("fft")
def emit_fft(stage, ctx: MPContext) -> MPFragment:
    nb = stage.n_bins
    call, acc = _spectrum_call(stage, ctx, 2 if stage.params.scaling == "power" else 1, nb)
    return MPFragment(
        [
            f"for c in range({ctx.channels}):",
            f"    {call}",
            f"    for k in range({nb}):",
            f"        {ctx.out}[{ctx.off} + c * {nb} + k] = {acc}[k]",
        ]
    )


@mp_emitter("band_energy")
def emit_band_energy(stage, ctx: MPContext) -> MPFragment:
    if is_fixed(stage):
        return emit_band_energy_q15(stage, ctx)
    m = stage.band_matrix(np.float64)
    n_bands, nb = m.shape
    if np.any(m.sum(axis=0) > 1):
        from ....errors import CodegenError

        raise CodegenError("band_energy: overlapping bands are not supported by the MicroPython kernel")
    band_of_bin = np.where(m.any(axis=0), np.argmax(m, axis=0), -1)
    call, acc = _spectrum_call(stage, ctx, 2, nb)
    bob = ctx.int_table("band_of_bin", band_of_bin)
    return MPFragment(
        [
            f"o = {ctx.off}",
            f"for c in range({ctx.channels}):",
            f"    {call}",
            f"    o = rt.bands({acc}, {nb}, {bob}, {n_bands}, {bool(stage.params.db)}, {ctx.out}, o)",
        ]
    )


@mp_emitter("spectral")
def emit_spectral(stage, ctx: MPContext) -> MPFragment:
    from ....stages.spectral import SPECTRAL_FEATURES

    nb = stage.n_fft // 2 + 1
    call, acc = _spectrum_call(stage, ctx, 1, nb)
    freqs = ctx.f32_table("freqs", stage.frequencies())
    codes = ctx.int_table("codes", [SPECTRAL_FEATURES.index(f) for f in stage.params.features] or [0])
    codes_expr = codes if stage.params.features else "()"
    k = stage.params.n_peaks
    taken = ctx.buffer("taken", max(k, 1), "i")
    roll = ctx.scalar("roll", stage.params.roll_percent)
    return MPFragment(
        [
            f"o = {ctx.off}",
            f"for c in range({ctx.channels}):",
            f"    {call}",
            f"    o = rt.spectral_shape({acc}, {nb}, {freqs}, {codes_expr}, {roll}, {k}, {taken}, {ctx.out}, o)",
        ]
    )


def _sparse_mel(ctx: MPContext, stage) -> tuple[str, str, str, str]:
    """The stage's ``mel_bands()``: per band first bin, count, offset into the packed weights."""
    first, offsets, w = stage.mel_bands(np.float32)
    return (
        ctx.int_table("mel_start", first),
        ctx.int_table("mel_len", np.diff(offsets)),
        ctx.int_table("mel_off", offsets[:-1]),
        ctx.f32_table("mel_w", w if len(w) else [0.0]),
    )


@mp_emitter("log_mel", "mfcc")
def emit_mel(stage, ctx: MPContext) -> MPFragment:
    if getattr(stage, "q15_k_", None) is not None:
        return emit_log_mel_q15(stage, ctx)
    p = stage.params
    n = p.n_fft
    T, n_mels, C = stage.n_frames, p.n_mels, ctx.channels
    win = ctx.f32_table("window", stage.window_vector(np.float64))
    cos_t, sin_t, rev = fft_tables(ctx, n, real_power=True)
    re, im, tre, tim = _fft_scratch(ctx, n, real_power=True)
    start, length, off_t, w = _sparse_mel(ctx, stage)
    amin = ctx.scalar("amin", p.amin)
    offset = ctx.scalar("offset", stage.log_offset())
    dct_rows = stage.dct_matrix(np.float64)  # None: log-mel out, no DCT
    is_mfcc = dct_rows is not None
    dst, base = (ctx.buffer("logmel", C * T * n_mels), 0) if is_mfcc else (ctx.out, ctx.off)
    code = [
        f"o = {base}",
        f"for c in range({C}):",
        f"    o = rt.log_mel({ctx.inp}, {ctx.n}, {C}, c, {n}, {stage.hop_length}, {T}, {bool(p.center)}, "
        f"{p.pad_mode == 'reflect'}, {win}, {float(p.power)!r}, {cos_t}, {sin_t}, {rev}, {re}, {im}, {tre}, {tim}, "
        f"{start}, {length}, {off_t}, {w}, {n_mels}, {amin}, {p.floor_mode == 'add'}, {p.log == 'db'}, {offset}, "
        f"{dst}, o)",
    ]
    rng = stage.clip_range()
    if rng is not None:
        code.append(f"rt.clip_below_max({dst}, {base}, {C * T * n_mels}, {ctx.scalar('top_db', rng)})")
    if is_mfcc:
        D, n_dct = ctx.f32_table("dct", dct_rows), dct_rows.shape[0]
        code += [
            f"for c in range({C}):",
            f"    rt.dct_frames({dst}, c * {T * n_mels}, {T}, {n_mels}, {D}, {n_dct}, {ctx.out}, "
            f"{ctx.off} + c * {T * n_dct})",
        ]
    return MPFragment(code)


@mp_emitter("envelope_spectrum")
def emit_envelope_spectrum(stage, ctx: MPContext) -> MPFragment:
    n = ctx.n
    nb_full = n // 2 + 1
    cos_t, sin_t, rev = fft_tables(ctx, n)
    re, im, tre, tim = _fft_scratch(ctx, n)
    w64 = stage.window_vector(np.float64)
    win = ctx.f32_table("window", w64)
    wsum = ctx.scalar("wsum", float(w64.sum()))
    sos = stage.sos()
    if sos is not None:
        rows = np.concatenate([sos[:, 0:3], sos[:, 4:6]], axis=1)
        sos_t, n_sec = ctx.f32_table("sos", rows), len(sos)
        z = ctx.buffer("z", 2 * n_sec)
    else:
        sos_t, n_sec, z = "None", 0, "None"
    env = ctx.buffer("env", nb_full)
    call = (
        f"rt.envelope_spectrum({ctx.inp}, {n}, {ctx.channels}, c, {sos_t}, {n_sec}, {z}, {cos_t}, {sin_t}, "
        f"{rev}, {re}, {im}, {tre}, {tim}, {win}, {wsum}, {nb_full}, {env})"
    )
    p = stage.params
    if p.frequencies:
        near = stage.near_bins()
        starts, lens = [lo for lo, _ in near], [hi - lo for lo, hi in near]
        st, ln = ctx.int_table("f_start", starts), ctx.int_table("f_len", lens)
        return MPFragment(
            [
                f"o = {ctx.off}",
                f"for c in range({ctx.channels}):",
                f"    {call}",
                f"    o = rt.peaks_near({env}, {st}, {ln}, {len(p.frequencies)}, {ctx.out}, o)",
            ]
        )
    nb = stage.n_bins
    return MPFragment(
        [
            f"for c in range({ctx.channels}):",
            f"    {call}",
            f"    for k in range({nb}):",
            f"        {ctx.out}[{ctx.off} + c * {nb} + k] = {env}[k]",
        ]
    )
