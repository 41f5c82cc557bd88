"""C of the int8 path of a dense model stage (``mlp``, ``logistic``, ``ridge_classifier``):
the :class:`sensorflow.stages.models.int8.QNet` as ``sf_q8`` tables and calls.

The stage quantises its float features in fixed point (``sf_q8_quantize``), runs the int8
layers (``sf_q8_dense``), takes the label from the int8 logits (``sf_q8_argmax``) and writes as
scores the softmax (logistic for one logit) of the dequantised logits from a float32 table
(``sf_q8_scores``: float adds and divides, no ``exp``). Everything up to the label is integer and
equals :meth:`QNet.forward` bit for bit; the scores equal :func:`int8.scores` bit for bit.
"""

from __future__ import annotations

from ...stages.models.int8 import quantize, score_table
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
    table = score_table(net)
    what = "logistic of each logit code" if net.binary else f"exp(-d * {last.out_scale:.6g}), d = 0..255"
    tables.append(cgen.array(s("qscore"), "float", table, comment=f"scores: {what}"))
    code += [
        f"sf_q8_scores({src}, {n_out}u, {s('qscore')}, out);",
        f"return sf_q8_argmax({src}, {n_out}u, {last.out_zp});",
    ]
    return CFragment(
        runtime=["sf_q8"],
        tables=tables,
        scratch=[Field("int8_t", "qin", d), Field("int8_t", "qa", widest), Field("int8_t", "qb", widest)],
        code=code,
        returns_label=True,
    )
