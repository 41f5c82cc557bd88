"""The code-generation plan: one walk over a fitted pipeline that decides, once for every
back end, where each stage sits (its step, role, slice of the feature vector, whether it may
take the stream frame by frame), which logical buffer it reads and writes, and the sizes of
those buffers. ``codegen.c.library`` and ``codegen.micropython.module`` print the plan; they
do not walk the pipeline themselves.

Buffers are logical names: ``window`` (the raw window), ``sig0``/``sig1`` (signal stage
outputs, ping-pong), ``vec0``/``vec1`` (feature / vector outputs, ping-pong), ``scores`` (the
model's output), ``post0``/``post1`` (post stage outputs, ping-pong). C lays them out in its
state struct as planned. MicroPython keeps one window copy that its signal stages modify in
place and one feature vector its vector stages modify in place (fewer heap blocks on the
board), so it reads the plan's placement and sizes but maps every ``sig*`` to that window
copy and every ``vec*`` to ``self.feat``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import CodegenError


@dataclass
class PlannedStage:
    """One stage as the generators emit it."""

    stage: Any
    index: int  # position in pipeline.stages (names its symbols: <prefix>_s<index>)
    role: str
    step: int  # index of its pipeline step
    src: str  # logical buffer it reads
    dst: str  # logical buffer it writes ("" for the model, which writes the scores)
    offset: int = 0  # feature stages: first element of its slice of dst
    streams_input: bool = False  # the only consumer of the raw window: may take the stream frame by frame

    @property
    def name(self) -> str:
        return self.stage.name


@dataclass
class Plan:
    """Everything both back ends need to know about a fitted pipeline, decided once."""

    name: str
    window_length: int
    hop: int
    n_channels: int
    sample_rate: float
    channel_names: list[str]
    stages: list[PlannedStage]
    n_features: int  # size of the last feature / vector output
    features: str  # logical buffer holding the feature vector after the last vector stage
    class_names: list[str] = field(default_factory=list)
    sig_size: int = 0  # floats of the largest signal stage output
    sig_buffers: int = 0  # signal ping-pong buffers in use (0, 1 or 2)
    vec_size: int = 1  # floats of the largest feature / vector output
    vec_buffers: int = 1
    post_buffers: int = 0

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def model(self) -> PlannedStage | None:
        return next((s for s in self.stages if s.role == "model"), None)

    @property
    def post(self) -> list[PlannedStage]:
        return [s for s in self.stages if s.role == "post"]

    @property
    def last_post(self) -> str:
        """The buffer the last post stage wrote ("scores" without post stages)."""
        return self.post[-1].dst if self.post else "scores"

    def of_role(self, role: str) -> list[PlannedStage]:
        return [s for s in self.stages if s.role == role]


def may_stream_input(k_step: int, step) -> bool:
    """Whether the step's stage is the only consumer of the raw window (the first step, one
    feature stage) and so may take the stream frame by frame instead of a whole window."""
    return k_step == 0 and step.role == "feature" and len(step.stages) == 1


def class_names(pipeline) -> list[str]:
    m = pipeline.model
    if m is None:
        return []
    classes = getattr(m, "classes_", None)
    if classes is None:
        return [str(c) for c in m.output_spec_.names]
    return [str(c) for c in list(classes)]


def plan(pipeline, streams=may_stream_input) -> Plan:
    """Walk ``pipeline.steps`` once (``streams(k_step, step)`` decides frame streaming)."""
    stages: list[PlannedStage] = []
    cur, cur_size, cur_kind = "window", pipeline.input_spec.size, "signal"
    sig_sizes: list[int] = []
    vec_sizes: list[int] = [1]
    sig_k = vec_k = post_k = 0
    n_sig = 0
    post_src = "scores"
    for k_step, step in enumerate(pipeline.steps):
        if step.role == "feature":
            out, offset = f"vec{vec_k}", 0
            for stage in step.stages:
                stages.append(
                    PlannedStage(
                        stage,
                        pipeline.stages.index(stage),
                        "feature",
                        k_step,
                        cur,
                        out,
                        offset,
                        streams_input=bool(streams(k_step, step)),
                    )
                )
                offset += stage.output_spec_.size
            vec_sizes.append(offset)
            cur, cur_size, cur_kind = out, offset, "vector"
            vec_k = 1 - vec_k
            continue
        stage = step.stages[0]
        index = pipeline.stages.index(stage)
        size = stage.output_spec_.size
        if step.role == "signal":
            out = f"sig{sig_k}"
            sig_sizes.append(size)
            n_sig = max(n_sig, sig_k + 1)
            sig_k = 1 - sig_k
            stages.append(PlannedStage(stage, index, "signal", k_step, cur, out))
            cur, cur_size = out, size
        elif step.role == "vector":
            if cur_kind != "vector":
                raise CodegenError(f"stage '{stage.name}' takes a vector but follows a signal stage")
            out = f"vec{vec_k}"
            vec_sizes.append(size)
            vec_k = 1 - vec_k
            stages.append(PlannedStage(stage, index, "vector", k_step, cur, out))
            cur, cur_size = out, size
        elif step.role == "model":
            stages.append(PlannedStage(stage, index, "model", k_step, cur, ""))
        elif step.role == "post":
            out = f"post{post_k}"
            stages.append(PlannedStage(stage, index, "post", k_step, post_src, out))
            post_src, post_k = out, 1 - post_k
    n_post = sum(1 for s in stages if s.role == "post")
    return Plan(
        name=pipeline.name,
        window_length=pipeline.window_length,
        hop=pipeline.hop,
        n_channels=pipeline.input_spec.n_channels,
        sample_rate=float(pipeline.config.sensor.sample_rate),
        channel_names=list(pipeline.input_spec.names),
        stages=stages,
        n_features=cur_size,
        features=cur,
        class_names=class_names(pipeline),
        sig_size=max(sig_sizes) if sig_sizes else 0,
        sig_buffers=n_sig,
        vec_size=max(vec_sizes),
        vec_buffers=2 if any(s.role == "vector" for s in stages) else 1,
        post_buffers=min(2, n_post),
    )
