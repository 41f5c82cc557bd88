"""Small stages that exist only in these tests, with their C emitters, so the framework is
tested without depending on the DSP or model stage families."""

from __future__ import annotations

from typing import Literal

import numpy as np

from sensorflow import registry
from sensorflow.codegen.c import CFragment, Field, c_emitter, cgen
from sensorflow.cost import Cost
from sensorflow.spec import Spec
from sensorflow.stages.base import Stage, StageParams, Tags


class ChannelMean(Stage):
    """Mean and max of each channel (a feature stage)."""

    name = "test_channel_mean"
    tags = Tags(role="feature")

    class Params(StageParams):
        type: Literal["test_channel_mean"] = "test_channel_mean"

    def output_spec(self, input_spec):
        names = [f"{c}_{f}" for c in input_spec.names for f in ("mean", "max")]
        return Spec.vector(names)

    def _transform(self, X):
        out = np.stack([X.mean(axis=1, dtype=np.float32), X.max(axis=1)], axis=2)
        return out.reshape(len(X), -1).astype(X.dtype)

    def cost(self, board=None):
        return Cost(flash_bytes=120, ram_bytes=4, ops=2 * self.input_spec_.size)  # one float of scratch


class Doubler(Stage):
    """x * 2 + 1 on a signal, with a (pointless) state field reset per window."""

    name = "test_doubler"
    tags = Tags(role="signal")

    class Params(StageParams):
        type: Literal["test_doubler"] = "test_doubler"

    def output_spec(self, input_spec):
        return input_spec

    def _transform(self, X):
        return (X * np.float32(2) + np.float32(1)).astype(X.dtype)

    def cost(self, board=None):
        return Cost(flash_bytes=60, ram_bytes=4, ops=self.input_spec_.size)


@c_emitter("test_channel_mean")
def _emit_mean(stage, ctx):
    L, C = ctx.input_spec.length, ctx.input_spec.n_channels
    return CFragment(
        scratch=[Field("float", "acc", 1)],
        code=[
            "int c, t;",
            f"for (c = 0; c < {C}; c++) {{",
            f"    float *acc = {ctx.scratch('acc')};",
            "    float mx = in[c];",
            "    acc[0] = 0.0f;",
            f"    for (t = 0; t < {L}; t++) {{",
            f"        acc[0] += in[t * {C} + c];",
            f"        if (in[t * {C} + c] > mx) mx = in[t * {C} + c];",
            "    }",
            f"    out[2 * c] = acc[0] / {cgen.f32(L)};",
            "    out[2 * c + 1] = mx;",
            "}",
        ],
    )


@c_emitter("test_doubler")
def _emit_doubler(stage, ctx):
    n = ctx.input_spec.size
    return CFragment(
        state=[Field("float", "calls", 1, "windows seen")],
        tables=[cgen.array(ctx.sym("k"), "float", [2.0, 1.0])],
        code=[
            "int i;",
            f"{ctx.state('calls')}[0] += 1.0f;",
            f"for (i = 0; i < {n}; i++) out[i] = in[i] * {ctx.sym('k')}[0] + {ctx.sym('k')}[1];",
        ],
    )


FAKES = (ChannelMean, Doubler)


def install():
    for cls in FAKES:
        registry.register(cls)


def uninstall():
    for cls in FAKES:
        registry._STAGES.pop(cls.name, None)
