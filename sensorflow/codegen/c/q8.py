"""C of the int8 path of a dense model stage (``mlp``, ``logistic``, ``ridge_classifier``):
the :class:`sensorflow.stages.models.int8.QNet` as ``sf_q8`` tables and calls.

The stage quantises its float features in fixed point (``sf_q8_quantize``), runs the int8
layers (``sf_q8_dense``), takes the label from the int8 logits (``sf_q8_argmax``) and writes as
scores the softmax (logistic for one logit) of the dequantised logits. Everything up to the label
is integer and equals :meth:`QNet.forward` bit for bit; only the scores use float.
"""

from __future__ import annotations

import numpy as np

from ...stages.models.int8 import quantize
from . import cgen
from .fragment import CFragment, Field


def emit_q8(stage, ctx) -> CFragment:
    net = quantize(stage)
    s = ctx.sym
    d = int(net.layers[0].w.shape[1])
    tables = [
        f"/* int8 input: scale {net.in_scale:.6g}, zero point {net.in_zp} "
        f"(1 / scale = {net.in_mult} * 2^({net.in_shift} - 31)) */\n"
    ]
    widest = max(int(L.w.shape[0]) for L in net.layers)
    bufs = [ctx.scratch("qa"), ctx.scratch("qb")]
    code = [f"sf_q8_quantize(in, {net.in_mult}, {net.in_shift}, {net.in_zp}, {ctx.scratch('qin')}, {d}u);"]
    src = ctx.scratch("qin")
    for i, L in enumerate(net.layers):
        n_out, n_in = L.w.shape
        tables.append(cgen.array(s(f"qw{i}"), "int8_t", L.w, comment=f"layer {i}: {n_out} x {n_in} int8 weights"))
        tables.append(cgen.array(s(f"qbias{i}"), "int32_t", L.folded, per_line=8))
        tables.append(cgen.array(s(f"qmult{i}"), "int32_t", L.mult, per_line=8))
        tables.append(cgen.array(s(f"qshift{i}"), "int8_t", L.shift))
        lut = "0"
        if L.lut is not None:
            tables.append(cgen.array(s(f"qlut{i}"), "int8_t", L.lut, comment=f"layer {i}: {net.activation} table"))
            lut = s(f"qlut{i}")
        tables.append(
            f"static const sf_q8_layer {s(f'qlayer{i}')} = {{{s(f'qw{i}')}, {s(f'qbias{i}')}, {s(f'qmult{i}')}, "
            f"{s(f'qshift{i}')}, {lut}, {n_in}u, {n_out}u, {L.zp}, {L.lo}}};\n"
        )
        dst = bufs[i % 2]
        code.append(f"sf_q8_dense({src}, &{s(f'qlayer{i}')}, {dst});")
        src = dst
    last = net.layers[-1]
    n_out = net.n_out
    code += [
        f"int label = sf_q8_argmax({src}, {n_out}u, {last.out_zp});",
        "uint32_t c;",
        f"for (c = 0; c < {n_out}u; c++) {{",
        f"    out[c] = (float)((int32_t){src}[c] - {last.out_zp}) * {cgen.f32(np.float32(last.out_scale))};",
        "}",
    ]
    if n_out == 1:
        code.append("(void)sf_binary_logit_f32(out[0], out);")
    else:
        code.append(f"(void)sf_softmax_f32(out, out, {n_out}u);")
    code.append("return label;")
    return CFragment(
        runtime=["sf_q8", "sf_linear"],
        tables=tables,
        scratch=[Field("int8_t", "qin", d), Field("int8_t", "qa", widest), Field("int8_t", "qb", widest)],
        code=code,
        returns_label=True,
    )
