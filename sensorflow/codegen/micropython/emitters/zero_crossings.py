"""MicroPython emitter of ``zero_crossings``: the kernel ``zcr`` (as sf_zcr.c) is printed once
into the generated module, next to the tables, and called per channel."""

from __future__ import annotations

from ..fragment import MPContext, MPFragment
from ..registry import mp_emitter

KERNEL = '''def _zcr(x, n, C, c, pad, fl, hop, nf, thr, dst, off):
    """Zero-crossing rate of nf frames of channel c (as sf_zcr_process_f32)."""
    for t in range(nf):
        count = 0
        prev = False
        for k in range(fl):
            i = t * hop + k - pad
            i = 0 if i < 0 else (n - 1 if i >= n else i)
            v = x[i * C + c]
            neg = v < 0.0 and not abs(v) <= thr
            if k > 0 and neg != prev:
                count += 1
            prev = neg
        dst[off + t] = count / fl
    return off + nf
'''


@mp_emitter("zero_crossings")
def emit_zero_crossings(stage, ctx: MPContext) -> MPFragment:
    p, nf = stage.params, stage.n_frames
    if not any(t.startswith("def _zcr(") for t in ctx.tables):
        ctx.tables.append(KERNEL)
    thr = ctx.scalar("threshold", p.threshold)
    return MPFragment(
        [
            f"o = {ctx.off}",
            f"for c in range({ctx.channels}):",
            f"    o = _zcr({ctx.inp}, {ctx.n}, {ctx.channels}, c, {stage.pad}, {p.frame_length}, {p.hop_length}, "
            f"{nf}, {thr}, {ctx.out}, o)",
        ]
    )
