"""MicroPython emitter of ``minirocket``: the kernel ``_minirocket`` (as sf_minirocket.c) is
printed once into the generated module and computes the stage's kept entries.

Every partial sum is stored into an ``array('f')`` item, which rounds it to float32, in the
order of ``sensorflow.dsp.minirocket`` (alpha = -x at tap 4 then the other taps in
``ALPHA_ORDER``, v = ((alpha + g_a) + g_b) + g_c, the channels summed in their listed order), so
the convolution values and hence the PPV counts equal the host's on a double-precision port
(the WebAssembly one, CPython) as on a float32 one.

The per-feature tables are read in place, one copy each in the heap: dilation, taps, padding and
the channel combination as ``bytes`` (uint8, an ``array`` when a value passes 255), the biases
as packed float32 (``rt.f32at``)."""

from __future__ import annotations

import numpy as np

from ....dsp import minirocket as mr
from ..fragment import MPContext, MPFragment
from ..registry import mp_emitter

KERNEL = '''def _minirocket(x, n, C, m, dil, taps, pad, bias, comb, offs, chans, al, g, conv, r, dst, off, N, D):
    """PPV of the m entries of window x (n <= N samples; as sf_minirocket_f32), float32 at every step."""
    W = N + 8 * D
    for c in range(C):  # g = 3 x with 4 D zeros each side, once per window
        o = c * W + 4 * D
        for t in range(4 * D):
            g[o - 4 * D + t] = 0.0
            g[o + n + t] = 0.0
        t = 0
        for i in range(c, n * C, C):
            v = x[i]
            g[o + t] = v + v
            g[o + t] = g[o + t] + v
            t += 1
    d_prev = -1
    key = None
    srt = None
    for f in range(m):
        d = dil[f]
        if d != d_prev:
            for c in range(C):
                o = c * N
                for t in range(n):
                    al[o + t] = -x[t * C + c]
                for i in (0, 1, 2, 3, 5, 6, 7, 8):
                    s = (i - 4) * d
                    for t in range(max(0, -s), min(n, n - s)):
                        al[o + t] = al[o + t] - x[(t + s) * C + c]
            d_prev = d
            key = None
        a = (taps[3 * f] - 4) * d
        b = (taps[3 * f + 1] - 4) * d
        e = (taps[3 * f + 2] - 4) * d
        k = (d, a, b, e, comb[f])
        if k != key:
            first = True
            for j in range(offs[comb[f]], offs[comb[f] + 1]):
                o = chans[j] * N
                q = chans[j] * W + 4 * D
                qa, qb, qe = q + a, q + b, q + e
                if first:
                    for t in range(n):
                        conv[t] = al[o + t] + g[qa + t]
                        conv[t] = conv[t] + g[qb + t]
                        conv[t] = conv[t] + g[qe + t]
                else:
                    for t in range(n):
                        r[0] = al[o + t] + g[qa + t]
                        r[0] = r[0] + g[qb + t]
                        r[0] = r[0] + g[qe + t]
                        conv[t] = conv[t] + r[0]
                first = False
            key = k
            srt = {}
        lo, hi = (0, n) if pad[f] or 8 * d >= n else (4 * d, n - 4 * d)
        vs = srt.get(lo)
        if vs is None:  # the convolution's values sorted once, then each bias is a binary search
            vs = sorted(conv[lo:hi])
            srt[lo] = vs
        thr = rt.f32at(bias, f)
        lo_i, hi_i = 0, len(vs)
        while lo_i < hi_i:
            mid = (lo_i + hi_i) >> 1
            if thr < vs[mid]:
                hi_i = mid
            else:
                lo_i = mid + 1
        dst[off + f] = (len(vs) - lo_i) / len(vs)
    return off + m
'''


@mp_emitter("minirocket")
def emit_minirocket(stage, ctx: MPContext) -> MPFragment:
    if not any(t.startswith("def _minirocket(") for t in ctx.tables):
        ctx.tables.append(KERNEL)
    n, C, m = ctx.n, ctx.channels, len(stage.bias_)
    d_max = int(np.max(stage.dilation_))
    taps = mr.KERNELS[np.asarray(stage.kernel_, dtype=np.int64)].ravel()
    args = [
        ctx.small_int_table("dilation", stage.dilation_),
        ctx.small_int_table("taps", taps),
        ctx.small_int_table("padding", stage.padding_),
        ctx.f32_packed("bias", stage.bias_),
        ctx.small_int_table("combination", stage.combination_),
        ctx.int_table("comb_offsets", stage.combination_offsets_),
        ctx.int_table("comb_channels", stage.combination_channels_),
        ctx.buffer("alpha", C * n),
        ctx.buffer("g", C * (n + 8 * d_max)),
        ctx.buffer("conv", n),
        ctx.buffer("r", 1),
    ]
    call = (
        f"_minirocket({ctx.inp}, {ctx.n_valid or n}, {C}, {m}, {', '.join(args)}, {ctx.out}, {ctx.off}, {n}, {d_max})"
    )
    return MPFragment([call])
