"""The univariate MiniRocket PPV features as straight-line C generated for one fitted stage
(the ``minirocket`` C emitter's path for one channel): the kernels' taps, the dilations and the
biases are constants, so each sample's work stays in registers.

Per window: the signal with 4 d_max zeros on each side and ``g = (x + x) + x`` (dilation-free,
once). Per dilation: ``alpha`` (the nine taps of -x, ``sf_minirocket_alpha``, the reference
order). Then, in blocks of at most ``BLOCK`` kept features of that dilation (in the stage's
order: kernel, then bias), one pass over the samples loads ``alpha[t]`` and the g taps the block
reads, adds them in the reference's order ``((alpha + g_a) + g_b) + g_c`` sharing the partial
sums ``alpha + g_a`` and ``(alpha + g_a) + g_b`` between kernels that start with the same taps
(the same additions in the same order, so the values are the reference's bit for bit), and
counts ``v > bias`` for every bias with ``sf_minirocket_above``. The valid part ``[4d, n - 4d)``
counts every feature of the block; the two ends only the zero-padded (``padding`` 1) ones."""

from __future__ import annotations

import numpy as np

from ....dsp import minirocket as mr
from ....stages.minirocket import UNROLL_BLOCK as BLOCK  # counters and biases stay in registers
from .. import cgen


def _bias(b) -> str:
    text = cgen.f32(b)
    return "0.0f" if text == "-0.0f" else text  # sf_minirocket_above needs +0


def _body(feats, names, d, kernel, bias) -> list[str]:
    """One sample's statements for features ``feats`` (stage indices) at dilation d."""
    lines = ["const float a = al[t];", "const float *g = gp + t;"]
    done: set = set()
    for f in feats:
        ka, kb, kc = (int(v) for v in mr.KERNELS[kernel[f]])
        for name, expr in (
            (f"p{ka}", f"a + g[{(ka - 4) * d}]"),
            (f"p{ka}_{kb}", f"p{ka} + g[{(kb - 4) * d}]"),
            (f"v{kernel[f]}", f"p{ka}_{kb} + g[{(kc - 4) * d}]"),
        ):
            if name not in done:
                lines.append(f"const float {name} = {expr};")
                done.add(name)
        lines.append(f"{names[f]} += sf_minirocket_above({_bias(bias[f])}, v{kernel[f]});")
    return lines


def _loop(lo: int, hi: int, body: list[str]) -> list[str]:
    if hi <= lo or not body:
        return []
    return [f"for (t = {lo}u; t < {hi}u; t++) {{", *(f"    {s}" for s in body), "}"]


def ppv_function(name: str, stage, length: int) -> str:
    """``static void name(const float *in, float *w, float *out)``: out[f] = PPV of feature f
    of the one-channel window ``in`` (``length`` samples); ``w``: :func:`work_floats` floats."""
    L = int(length)
    kernel = [int(v) for v in stage.kernel_]
    dil = [int(v) for v in stage.dilation_]
    pad = [int(v) for v in stage.padding_]
    bias = np.asarray(stage.bias_, dtype=np.float32)
    D = max(dil)
    W = L + 8 * D
    out = [
        f"static void {name}(const float *in, float *w, float *out)",
        "{",
        f"    float *xp = w + {4 * D}, *gp = w + {W + 4 * D}, *al = w + {2 * W};",
        "    uint32_t t;",
        f"    for (t = 0; t < {4 * D}u; t++) {{",
        "        w[t] = 0.0f;",
        f"        w[{4 * D + L} + t] = 0.0f;",
        f"        w[{W} + t] = 0.0f;",
        f"        w[{W + 4 * D + L} + t] = 0.0f;",
        "    }",
        f"    for (t = 0; t < {L}u; t++) {{",
        "        const float x = in[t];",
        "        xp[t] = x;",
        "        gp[t] = (x + x) + x;",
        "    }",
    ]
    order = sorted(range(len(kernel)), key=lambda f: (dil[f], kernel[f]))
    for d in sorted(set(dil)):
        feats = [f for f in order if dil[f] == d]
        lo = min(4 * d, L)
        hi = max(L - 4 * d, lo)
        out.append(f"    sf_minirocket_alpha(xp, {L}u, {d}u, al);")
        for i in range(0, len(feats), BLOCK):
            block = feats[i : i + BLOCK]
            names = {f: f"n{j}" for j, f in enumerate(block)}
            edge = [f for f in block if pad[f]]
            inner = [
                "uint32_t " + ", ".join(f"{names[f]} = 0" for f in block) + ";",
                *_loop(lo, hi, _body(block, names, d, kernel, bias)),
                *_loop(0, lo, _body(edge, names, d, kernel, bias) if edge else []),
                *_loop(hi, L, _body(edge, names, d, kernel, bias) if edge else []),
            ]
            inner += [f"out[{f}] = (float){names[f]} / {float(L if pad[f] else hi - lo)!r}f;" for f in block]
            out += ["    {", *(f"        {s}" for s in inner), "    }"]
    out.append("}")
    return "\n".join(out) + "\n"


def work_floats(length: int, max_dilation: int) -> int:
    """Scratch floats of :func:`ppv_function`: padded x and g, and alpha."""
    return 2 * (length + 8 * max_dilation) + length
