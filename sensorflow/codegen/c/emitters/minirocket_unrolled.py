"""MiniRocket PPV features as straight-line C generated for one fitted stage (the ``minirocket``
C emitter's path when at most ``UNROLL_MAX`` features are kept): the kernels' taps, the channel
combinations, the dilations and the biases are constants, so each sample's work stays in
registers.

Per window: every channel with 4 d_max zeros on each side, and ``g = (x + x) + x`` (dilation-free,
once). Per dilation: ``alpha`` of each channel a combination of that dilation reads (the nine
taps of -x, ``sf_minirocket_alpha``, the reference order). Then, in blocks of at most ``BLOCK``
kept features of that dilation (in the order dilation, kernel, combination, bias), one pass over
the samples loads ``alpha[t]`` and the g taps the block reads, adds them per channel in the
reference's order ``((alpha + g_a) + g_b) + g_c``, sums the channels of a combination in their
listed order, sharing per channel the partial sums ``alpha + g_a`` and ``(alpha + g_a) + g_b``
between kernels that start with the same taps (the same additions in the same order, so the
values are the reference's bit for bit), and counts ``v > bias`` for every bias with
``sf_minirocket_above``. The valid part ``[4d, n - 4d)`` counts every feature of the block; the
two ends only the zero-padded (``padding`` 1) ones.

``variable=True`` (``window.pad: valid``): the function takes the series length ``n`` (<= the
window's) and computes the features of the first ``n`` samples as the reference does on the
series cut to ``n`` (zeros beyond its ends; a valid-part feature whose part is empty, 8 d >= n,
counts over all ``n`` outputs)."""

from __future__ import annotations

from ....dsp import minirocket as mr
from ....stages.minirocket import UNROLL_BLOCK as BLOCK  # counters and biases stay in registers
from .. import cgen


def _bias(b) -> str:
    text = cgen.f32(b)
    return "0.0f" if text == "-0.0f" else text  # sf_minirocket_above needs +0


class _Layout:
    """Offsets into the work buffer: per channel the padded x and g (``L + 8 D`` each), then per
    channel alpha (``L``)."""

    def __init__(self, length: int, n_channels: int, max_dilation: int):
        self.L, self.C, self.D = length, n_channels, max_dilation
        self.W = length + 8 * max_dilation

    def x(self, c: int) -> int:  # offset of x_c[0]
        return c * self.W + 4 * self.D

    def g(self, c: int) -> int:
        return (self.C + c) * self.W + 4 * self.D

    def alpha(self, c: int) -> int:
        return 2 * self.C * self.W + c * self.L

    def floats(self) -> int:
        return self.C * (2 * self.W + self.L)


def _body(feats, names, d, stage, lay: _Layout) -> list[str]:
    """One sample's statements for features ``feats`` (stage indices) at dilation d."""
    if not feats:
        return []
    lines = ["const float *q = w + t;"]
    done: set = set()
    offs, chans = stage.combination_offsets_, stage.combination_channels_

    def define(name, expr):
        if name not in done:
            lines.append(f"const float {name} = {expr};")
            done.add(name)

    for f in feats:
        k, comb = int(stage.kernel_[f]), int(stage.combination_[f])
        ka, kb, kc = (int(v) for v in mr.KERNELS[k])
        total = None
        for c in (int(v) for v in chans[offs[comb] : offs[comb + 1]]):
            define(f"a{c}", f"q[{lay.alpha(c)}]")
            define(f"p{c}_{ka}", f"a{c} + q[{lay.g(c) + (ka - 4) * d}]")
            define(f"p{c}_{ka}_{kb}", f"p{c}_{ka} + q[{lay.g(c) + (kb - 4) * d}]")
            define(f"u{c}_{k}", f"p{c}_{ka}_{kb} + q[{lay.g(c) + (kc - 4) * d}]")
            nxt = f"u{c}_{k}" if total is None else f"s{comb}_{k}_{c}"
            if total is not None:
                define(nxt, f"{total} + u{c}_{k}")
            total = nxt
        lines.append(f"{names[f]} += sf_minirocket_above({_bias(stage.bias_[f])}, {total});")
    return lines


def _loop(lo: str, hi: str, body: list[str]) -> list[str]:
    if not body or lo == hi:
        return []
    return [f"for (t = {lo}; t < {hi}; t++) {{", *(f"    {s}" for s in body), "}"]


def _const_bounds(L: int, d: int) -> tuple[str, str, str]:
    lo = min(4 * d, L)
    hi = max(L - 4 * d, lo)
    return f"{lo}u", f"{hi}u", f"{L}u"


def ppv_function(name: str, stage, length: int, n_channels: int = 1, variable: bool = False) -> str:
    """``static void name(const float *in, float *w, float *out)`` (``variable``: ``(const float
    *in, uint32_t n, float *w, float *out)``, 1 <= n <= length): out[f] = PPV of feature f of the
    window ``in`` (``in[t * n_channels + c]``); ``w``: :func:`work_floats` floats."""
    L, C = int(length), int(n_channels)
    dil = [int(v) for v in stage.dilation_]
    pad = [int(v) for v in stage.padding_]
    lay = _Layout(L, C, max(dil))
    D, W = lay.D, lay.W
    n = "n" if variable else f"{L}u"
    args = "const float *in, uint32_t n, float *w, float *out" if variable else "const float *in, float *w, float *out"
    out = [
        f"static void {name}({args})",
        "{",
        "    uint32_t t, c;",
        f"    for (c = 0; c < {2 * C}u; c++) {{ /* zeros around every padded x and g */",
        f"        float *z = w + c * {W}u;",
        f"        for (t = 0; t < {4 * D}u; t++) {{",
        "            z[t] = 0.0f;",
        f"            z[{4 * D}u + {n} + t] = 0.0f;",
        "        }",
        "    }",
        f"    for (t = 0; t < {n}; t++) {{",
        f"        for (c = 0; c < {C}u; c++) {{",
        f"            const float x = in[t * {C}u + c];",
        f"            w[{lay.x(0)}u + c * {W}u + t] = x;",
        f"            w[{lay.g(0)}u + c * {W}u + t] = (x + x) + x;",
        "        }",
        "    }",
    ]
    # several channels: blocks of one padding (one loop each; a kernel's partial sums are shared
    # less across combinations, and three loops per zero-padded feature would triple the flash)
    split = 0 if C == 1 else 1
    order = sorted(
        range(len(dil)), key=lambda f: (dil[f], split * pad[f], int(stage.kernel_[f]), int(stage.combination_[f]))
    )
    offs, chans = stage.combination_offsets_, stage.combination_channels_
    for d in sorted(set(dil)):
        feats = [f for f in order if dil[f] == d]
        used = sorted(
            {int(c) for f in feats for c in chans[offs[stage.combination_[f]] : offs[stage.combination_[f] + 1]]}
        )
        out += [f"    sf_minirocket_alpha(w + {lay.x(c)}, {n}, {d}u, w + {lay.alpha(c)});" for c in used]
        if variable:
            out += [
                "    {",
                f"        const uint32_t lo = n < {4 * d}u ? n : {4 * d}u;",
                f"        const uint32_t hi = n > {8 * d}u ? n - {4 * d}u : lo;",
            ]
            lo, hi = "lo", "hi"
        else:
            lo, hi, _ = _const_bounds(L, d)
            out.append("    {")
        runs = [[f for f in feats if pad[f] == p] for p in (0, 1)] if split else [feats]
        for block in (r[i : i + BLOCK] for r in runs for i in range(0, len(r), BLOCK)):
            names = {f: f"n{j}" for j, f in enumerate(block)}
            empty = not variable and 8 * d >= L  # no valid part: every feature counts over all L
            edge = [f for f in block if pad[f] or empty]
            body, edge_body = _body(block, names, d, stage, lay), _body(edge, names, d, stage, lay)
            three = [*_loop(lo, hi, body), *_loop("0u", lo, edge_body), *_loop(hi, n, edge_body)]
            inner = ["uint32_t " + ", ".join(f"{names[f]} = 0" for f in block) + ";"]
            if split and len(edge) == len(block):  # all over [0, n): one loop
                inner += _loop("0u", n, body)
            elif variable and len(edge) < len(block):  # valid-part features: all n outputs when 8 d >= n
                inner += ["if (hi > lo) {", *(f"    {s}" for s in three), "} else {"]
                inner += [*(f"    {s}" for s in _loop("0u", "n", body)), "}"]
            else:
                inner += three
            for f in block:
                if pad[f] or empty:
                    m = "(float)n" if variable else f"{float(L)!r}f"
                elif variable:
                    m = "(float)(hi > lo ? hi - lo : n)"
                else:
                    m = f"{float(L - 8 * d)!r}f"
                inner.append(f"out[{f}] = (float){names[f]} / {m};")
            out += ["        {", *(f"            {s}" for s in inner), "        }"]
        out.append("    }")
    out.append("}")
    return "\n".join(out) + "\n"


def work_floats(length: int, max_dilation: int, n_channels: int = 1) -> int:
    """Scratch floats of :func:`ppv_function`: padded x and g, and alpha, per channel."""
    return _Layout(int(length), int(n_channels), int(max_dilation)).floats()
