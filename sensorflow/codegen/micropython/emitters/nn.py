"""MicroPython emitter of the ``conv1d`` model stage: ``rt.conv1d_relu`` per layer on two
scratch buffers, ``rt.global_pool``, ``rt.dense`` and softmax — the layer order of the C export,
including its per-window first-layer bias for ``center_window``."""

from __future__ import annotations

from ....nn import conv1d as nn
from ..fragment import MPContext, MPFragment
from ..registry import mp_emitter


@mp_emitter("conv1d")
def emit_conv1d(stage, ctx: MPContext) -> MPFragment:
    net = stage.network()
    geometry = stage.geometry()
    widest = max(nn.out_steps(steps, k, st) * f for steps, _, f, k, st in geometry)
    n_classes = int(net.out_bias.shape[0])
    last_in, _, last_filters, last_kernel, last_stride = geometry[-1]
    last_steps = nn.out_steps(last_in, last_kernel, last_stride)
    a = ctx.buffer("a", max(widest, n_classes))
    b = ctx.buffer("b", widest)
    pooled = ctx.buffer("pooled", last_filters)
    code, src = [], ctx.inp
    for i, (layer, (t_in, c, filters, k, st)) in enumerate(zip(net.layers, geometry)):
        W = ctx.f32_table(f"W{i}", layer.weight)
        bias = ctx.f32_table(f"b{i}", layer.bias)
        if i == 0 and stage.params.center_window:
            neg_sums = ctx.f32_table("negS0", -stage.centring_sums())
            mean, centred = ctx.buffer("mean", c), ctx.buffer("bias0", filters)
            code.append(f"rt.conv1d_centred_bias({src}, {t_in}, {c}, {neg_sums}, {bias}, {filters}, {mean}, {centred})")
            bias = centred
        dst = b if i % 2 else a
        code.append(f"rt.conv1d_relu({src}, {t_in}, {c}, {W}, {bias}, {filters}, {k}, {st}, {dst})")
        src = dst
    Wo = ctx.f32_table("Wout", net.out_weight)
    bo = ctx.f32_table("bout", net.out_bias)
    code += [
        f"rt.global_pool({src}, {last_steps}, {last_filters}, {1 if net.pool == 'max' else 0}, {pooled})",
        f"rt.dense({pooled}, {last_filters}, {Wo}, {bo}, {n_classes}, {a}, 0)",
        f"label = rt.argmax({a}, {n_classes})",
        f"rt.softmax({a}, {n_classes}, {ctx.out})",
    ]
    return MPFragment(code)
