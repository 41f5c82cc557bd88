"""C emitter of the ``conv1d`` model stage: one ``sf_conv1d_relu_f32`` call per layer on
ping-pong scratch buffers sized for the widest layer, global pooling, a dense layer and
softmax, all on ``const`` float tables printed from the learned arrays."""

from __future__ import annotations

import numpy as np

from .. import cgen
from ..fragment import CFragment, Field
from ..registry import c_emitter


@c_emitter("conv1d")
def emit_conv1d(stage, ctx) -> CFragment:
    net = stage.network()
    s = ctx.sym
    steps = int(stage.n_features) // int(stage.frame_size_)
    c_in = int(stage.frame_size_)
    widest = 0
    tables, code = [], []
    a, b, pooled = ctx.scratch("a"), ctx.scratch("b"), ctx.scratch("pooled")
    src = "in"
    for i, layer in enumerate(net.layers):
        t_out = (steps - layer.kernel) // layer.stride + 1
        widest = max(widest, t_out * layer.filters)
        tables.append(cgen.array(s(f"W{i}"), "float", np.asarray(layer.weight).T,
                                 comment=f"conv {i}: {layer.filters} kernels of {layer.kernel} x {c_in} (tap-major)"))
        tables.append(cgen.array(s(f"b{i}"), "float", layer.bias))
        dst = b if i % 2 else a
        code.append(f"sf_conv1d_relu_f32({src}, {steps}u, {c_in}u, {s(f'W{i}')}, {s(f'b{i}')}, "
                    f"{layer.filters}u, {layer.kernel}u, {layer.stride}u, {dst});")
        src, steps, c_in = dst, t_out, layer.filters
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
        scratch=[Field("float", "a", max(widest, n_classes)), Field("float", "b", widest),
                 Field("float", "pooled", c_in)],
        code=code,
        returns_label=True,
    )
