"""MicroPython emitter of ``quantiles``: the kernel ``_quantiles`` (as sf_quantiles.c: copy or
difference into a buffer allocated once, in-place heapsort, numpy's linear quantiles) is printed
once into the generated module and called per channel."""

from __future__ import annotations

from ..fragment import MPContext, MPFragment
from ..registry import mp_emitter

KERNEL = '''def _qsort(a, n):
    """In-place ascending heapsort of a[0:n] (as sf_quantiles_sort)."""
    start = n // 2
    end = n
    while end > 1:
        if start > 0:
            start -= 1
            v = a[start]
            root = start
        else:
            end -= 1
            v = a[end]
            a[end] = a[0]
            root = 0
        child = 2 * root + 1
        while child < end:
            if child + 1 < end and a[child + 1] > a[child]:
                child += 1
            if not a[child] > v:
                break
            a[root] = a[child]
            root = child
            child = 2 * root + 1
        a[root] = v


def _quantiles(x, n, C, c, diff, depth, q, w, dst, off):
    """Interval quantiles of channel c (as sf_quantiles_f32); returns the next offset."""
    for rep in range(2 if diff else 1):
        m = n - 1 if rep else n
        for level in range(depth):
            for j in range(1 << level):
                a = (j * m) >> level
                b = ((j + 1) * m) >> level
                for t in range(a, b):
                    w[t - a] = x[(t + 1) * C + c] - x[t * C + c] if rep else x[t * C + c]
                _qsort(w, b - a)
                for k in range(q + 1):
                    i, r = divmod(k * (b - a - 1), q)
                    lo = w[i]
                    dst[off + k] = lo if r == 0 else lo + (w[i + 1] - lo) * (r / q)
                off += q + 1
    return off
'''


@mp_emitter("quantiles")
def emit_quantiles(stage, ctx: MPContext) -> MPFragment:
    p = stage.params
    if not any(t.startswith("def _qsort(") for t in ctx.tables):
        ctx.tables.append(KERNEL)
    w = ctx.buffer("work", ctx.n)
    return MPFragment(
        [
            f"o = {ctx.off}",
            f"for c in range({ctx.channels}):",
            f"    o = _quantiles({ctx.inp}, {ctx.n}, {ctx.channels}, c, {p.diff}, {p.depth}, {p.n_quantiles}, {w}, "
            f"{ctx.out}, o)",
        ]
    )
