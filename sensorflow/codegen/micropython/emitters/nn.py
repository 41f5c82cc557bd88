"""MicroPython emitter of the ``conv1d`` model stage: ``rt.conv1d_relu`` per layer on two
scratch buffers, ``rt.global_pool``, ``rt.dense`` and softmax — the layer order of the C export."""

from __future__ import annotations

from ..fragment import MPContext, MPFragment
from ..registry import mp_emitter


@mp_emitter("conv1d")
def emit_conv1d(stage, ctx: MPContext) -> MPFragment:
    net = stage.network()
    steps = int(stage.n_features) // int(stage.frame_size_)
    c_in = int(stage.frame_size_)
    plan, widest = [], 0
    for layer in net.layers:
        t_out = (steps - layer.kernel) // layer.stride + 1
        plan.append((steps, c_in, t_out))
        widest = max(widest, t_out * layer.filters)
        steps, c_in = t_out, layer.filters
    n_classes = int(net.out_bias.shape[0])
    a = ctx.buffer("a", max(widest, n_classes))
    b = ctx.buffer("b", widest)
    pooled = ctx.buffer("pooled", c_in)
    code, src = [], ctx.inp
    for i, (layer, (t_in, c, _)) in enumerate(zip(net.layers, plan)):
        W = ctx.f32_table(f"W{i}", layer.weight)
        bias = ctx.f32_table(f"b{i}", layer.bias)
        dst = b if i % 2 else a
        code.append(f"rt.conv1d_relu({src}, {t_in}, {c}, {W}, {bias}, {layer.filters}, {layer.kernel}, {layer.stride}, {dst})")
        src = dst
    Wo = ctx.f32_table("Wout", net.out_weight)
    bo = ctx.f32_table("bout", net.out_bias)
    code += [
        f"rt.global_pool({src}, {steps}, {c_in}, {1 if net.pool == 'max' else 0}, {pooled})",
        f"rt.dense({pooled}, {c_in}, {Wo}, {bo}, {n_classes}, {a}, 0)",
        f"label = rt.argmax({a}, {n_classes})",
        f"rt.softmax({a}, {n_classes}, {ctx.out})",
    ]
    return MPFragment(code)
