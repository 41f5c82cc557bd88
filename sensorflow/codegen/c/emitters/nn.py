"""C emitter of the ``conv1d`` model stage: one ``sf_conv1d_relu_f32`` call per layer on
ping-pong scratch buffers sized for the widest layer, global pooling, a dense layer and
softmax, all on ``const`` float tables printed from the learned arrays. With ``center_window``
the first layer runs on the raw window with a per-window bias (``sf_conv1d_centred_bias_f32``)."""

from __future__ import annotations

import numpy as np

from ....nn import conv1d as nn
from .. import cgen
from ..fragment import CFragment, Field
from ..q8 import emit_q8_conv
from ..registry import c_emitter


@c_emitter("conv1d")
def emit_conv1d(stage, ctx) -> CFragment:
    if ctx.integer:
        return emit_q8_conv(stage, ctx)
    net = stage.network()
    s = ctx.sym
    tables, code = [], []
    a, b, pooled = ctx.scratch("a"), ctx.scratch("b"), ctx.scratch("pooled")
    src, widest, centring = "in", 0, []
    for i, (layer, (steps, c_in, filters, kernel, stride)) in enumerate(zip(net.layers, stage.geometry())):
        widest = max(widest, nn.out_steps(steps, kernel, stride) * filters)
        tables.append(
            cgen.array(
                s(f"W{i}"),
                "float",
                np.asarray(layer.weight).T,
                comment=f"conv {i}: {filters} kernels of {kernel} x {c_in} (tap-major)",
            )
        )
        tables.append(cgen.array(s(f"b{i}"), "float", layer.bias))
        bias = s(f"b{i}")
        if i == 0 and stage.params.center_window:
            tables.append(
                cgen.array(
                    s("negS0"),
                    "float",
                    -stage.centring_sums().T,
                    comment="minus conv 0's weights summed over taps (filter-major): the window-mean bias",
                )
            )
            centring = [Field("float", "mean", c_in), Field("float", "bias0", filters)]
            bias = ctx.scratch("bias0")
            code.append(
                f"sf_conv1d_centred_bias_f32({src}, {steps}u, {c_in}u, {s('negS0')}, {s('b0')}, {filters}u, "
                f"{ctx.scratch('mean')}, {bias});"
            )
        dst = b if i % 2 else a
        code.append(
            f"sf_conv1d_relu_f32({src}, {steps}u, {c_in}u, {s(f'W{i}')}, {bias}, "
            f"{filters}u, {kernel}u, {stride}u, {dst});"
        )
        src = dst
    steps, c_in = nn.out_steps(steps, kernel, stride), filters
    n_classes = int(net.out_bias.shape[0])
    tables.append(cgen.array(s("Wout"), "float", np.asarray(net.out_weight).T, comment=f"dense: {n_classes} x {c_in}"))
    tables.append(cgen.array(s("bout"), "float", net.out_bias))
    code += [
        f"sf_global_pool_f32({src}, {steps}u, {c_in}u, {1 if net.pool == 'max' else 0}, {pooled});",
        f"sf_dense_f32({pooled}, {s('Wout')}, {s('bout')}, {a}, {c_in}u, {n_classes}u, SF_ACT_IDENTITY);",
        f"return sf_softmax_f32({a}, out, {n_classes}u);",
    ]
    return CFragment(
        runtime=["sf_dense", "sf_conv", "sf_linear"],
        tables=tables,
        scratch=[
            Field("float", "a", max(widest, n_classes)),
            Field("float", "b", widest),
            Field("float", "pooled", c_in),
            *centring,
        ],
        code=code,
        returns_label=True,
    )
