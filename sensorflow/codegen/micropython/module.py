"""Assemble the generated MicroPython module ``<prefix>.py`` from the stages' fragments.

The module's API mirrors the C export (docs/design.md)::

    WINDOW_LENGTH, HOP, N_CHANNELS, N_FEATURES, N_CLASSES, PIPELINE_HASH, CLASS_NAMES
    p = Pipeline()
    feat = p.features(window)        # window: interleaved floats window[t * N_CHANNELS + c]
    label = p.classify(feat)         # class index; p.scores holds the probabilities
    label, scores = p.infer(window)
    results = p.push(samples)        # any number of interleaved floats; one
                                     # (window_index, label, scores, post) per completed window
    p.reset()                        # forget streamed samples and post-processing state

Buffers (``p.feat``, ``p.scores``, ``p.post``) are allocated once in ``Pipeline()`` and
reused: copy them if you keep results across calls. ``push`` copies ``scores``/``post``
into its result tuples (one small allocation per completed window).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...errors import CodegenError
from ...version import __version__
from ...windowing import PAD_DESCRIPTION, PAD_MODES
from ..plan import plan
from .fragment import ARRAY_OVERHEAD, MPContext
from .registry import get

RUNTIME_MODULE = "sf_runtime"


@dataclass
class GeneratedModule:
    prefix: str
    text: str
    contexts: list[MPContext] = field(default_factory=list)
    info: dict = field(default_factory=dict)
    glue_bytes: int = 0

    @property
    def table_bytes(self) -> int:
        return sum(c.table_bytes for c in self.contexts)

    @property
    def state_bytes(self) -> int:
        return sum(c.state_bytes for c in self.contexts) + self.glue_bytes

    @property
    def scratch_bytes(self) -> int:
        return sum(c.scratch_bytes for c in self.contexts)


def _indent(lines: list[str], n: int = 8) -> list[str]:
    pad = " " * n
    out = []
    for line in lines:
        out += [pad + part if part else "" for part in line.split("\n")]
    return out


def generate(pipeline, meta: dict | None = None, prefix: str = "sf_model") -> GeneratedModule:
    """The MicroPython source of a fitted pipeline (one window at a time, fresh signal state
    per window as the host pipeline runs it)."""
    if pipeline.model is None:
        raise CodegenError(f"pipeline '{pipeline.name}' has no model stage; nothing to export")
    meta = meta or {}
    pl = plan(pipeline)
    L, C, hop = pl.window_length, pl.n_channels, pl.hop
    classes = pl.class_names
    nc = len(classes)
    n_features = pl.n_features
    contexts: list[MPContext] = []
    feat_code: list[str] = []
    model_code: list[str] = []
    post_code: list[str] = []
    glue_init: list[str] = []

    cur, cur_c = "window", C
    has_signal = bool(pl.of_role("signal"))
    if has_signal:
        glue_init.append(f"self._x = array('f', bytearray({4 * L * C}))")
        feat_code.append(f"rt.copy(window, self._x, {L * C})")
        cur = "self._x"
    post_in = "self.scores"
    n_post = 0
    # the plan's placement; signal stages run in place on one window copy and vector stages
    # on self.feat (see codegen.plan)
    for ps in pl.stages:
        stage, index = ps.stage, ps.index
        ctx = MPContext(stage=stage, index=index, role=ps.role)
        if ps.role == "signal":
            ctx.n, ctx.channels, ctx.inp, ctx.out = L, cur_c, cur, cur
            ctx.n_out = stage.output_spec_.n_channels
            frag = get(stage.name)(stage, ctx)
            feat_code += [f"# stage {index}: {stage.name}"] + frag.code
            cur, cur_c = ctx.out, ctx.n_out
        elif ps.role == "feature":
            off = ps.offset
            ctx.n, ctx.channels, ctx.inp, ctx.out, ctx.off = L, cur_c, cur, "self.feat", off
            ctx.n_out = stage.output_spec_.size
            frag = get(stage.name)(stage, ctx)
            feat_code += [f"# stage {index}: {stage.name} -> feat[{off}:{off + ctx.n_out}]"] + frag.code
        elif ps.role == "vector":
            ctx.inp = ctx.out = "self.feat"
            ctx.n_in = ctx.n_out = stage.output_spec_.size
            frag = get(stage.name)(stage, ctx)
            feat_code += [f"# stage {index}: {stage.name}"] + frag.code
        elif ps.role == "model":
            ctx.inp, ctx.out, ctx.n_in, ctx.n_out = "feat", "self.scores", n_features, nc
            frag = get(stage.name)(stage, ctx)
            model_code += [f"# stage {index}: {stage.name}"] + frag.code
        else:  # post
            n_post += 1
            ctx.inp, ctx.n_in, ctx.n_out = post_in, nc, nc
            ctx.out = ctx.buffer("out", nc)
            frag = get(stage.name)(stage, ctx)
            post_code += [f"# stage {index}: {stage.name}"] + frag.code
            post_in = ctx.out
        contexts.append(ctx)
    if not any("label =" in line for line in model_code):
        raise CodegenError(f"the emitter of model stage '{pipeline.model.name}' did not assign a label")
    post_code.append(f"rt.copy({post_in}, self.post, {nc})")

    pipeline_hash = str(meta.get("content_hash") or "0" * 16)[:16]
    # feat, scores, post, the streaming ring and the window it is copied into (+ a work copy
    # of the window when signal stages modify it)
    glue_bytes = (
        4 * (n_features + 2 * nc + 2 * L * C) + 5 * ARRAY_OVERHEAD + (4 * L * C + ARRAY_OVERHEAD if has_signal else 0)
    )
    lines = [
        f"# Generated by sensorflow {__version__} from pipeline '{pipeline.name}' (hash {pipeline_hash}).",
        "# Do not edit: re-export instead. Needs sf_runtime.py (or .mpy) beside it on the board.",
        f'"""sensorflow pipeline \'{pipeline.name}\' for MicroPython: Pipeline().infer(window),',
        "features(window), classify(feat), push(samples). Windows are interleaved floats",
        'window[t * N_CHANNELS + c] in physical units."""',
        "",
        "from array import array",
        "",
        f"import {RUNTIME_MODULE} as rt",
        "",
        f"WINDOW_LENGTH = {L}",
        f"HOP = {hop}",
        f"N_CHANNELS = {C}",
        f"N_FEATURES = {n_features}",
        f"N_CLASSES = {nc}",
        f"SAMPLE_RATE = {pl.sample_rate!r}",
        f"PIPELINE_HASH = {pipeline_hash!r}",
        f"CLASS_NAMES = ({', '.join(repr(c) for c in classes)}{',' if nc == 1 else ''})",
        f"CHANNELS = ({', '.join(repr(c) for c in pl.channel_names)}{',' if C == 1 else ''})",
        "",
    ]
    for ctx in contexts:
        if ctx.tables:
            lines.append(f"# stage {ctx.index}: {ctx.stage.name}")
            lines += ctx.tables
    state_bytes = sum(c.state_bytes for c in contexts) + glue_bytes
    scratch = sum(c.scratch_bytes for c in contexts)
    tables = sum(c.table_bytes for c in contexts)
    lines += [
        f"TABLE_BYTES = {tables}",
        f"STATE_BYTES = {state_bytes}",
        f"SCRATCH_BYTES = {scratch}",
        "",
        "",
        "class Pipeline:",
        '    """One instance per sensor stream; every buffer is allocated here, once."""',
        "",
        "    def __init__(self):",
        f"        self.feat = array('f', bytearray({4 * n_features}))",
        f"        self.scores = array('f', bytearray({4 * nc}))",
        f"        self.post = array('f', bytearray({4 * nc}))",
        f"        self._ring = array('f', bytearray({4 * L * C}))",
        f"        self._win = array('f', bytearray({4 * L * C}))",
    ]
    lines += _indent(glue_init)
    for ctx in contexts:
        lines += _indent(ctx.init)
    lines += [
        "        self.reset()",
        "",
        "    def reset(self):",
        '        """Forget streamed samples and post-processing state."""',
        "        self._pos = 0",
        "        self._ch = 0",
        "        self._seen = 0",
        f"        self._next = {L}",
        "        self.windows = 0",
    ]
    for ctx in contexts:
        lines += _indent(ctx.reset)
    lines += [
        "",
        "    def features(self, window):",
        f'        """Feature vector ({n_features} floats, self.feat) of one window of {L} x {C} interleaved samples."""',
    ]
    lines += _indent(feat_code) + [
        "        return self.feat",
        "",
        "    def classify(self, feat):",
        '        """Class index for a feature vector; the probabilities are in self.scores."""',
    ]
    lines += _indent(model_code) + [
        "        return label",
        "",
        "    def infer(self, window):",
        '        """(class index, probabilities) of one window."""',
        "        return self.classify(self.features(window)), self.scores",
        "",
        "    def _post_step(self):",
    ]
    lines += _indent(post_code) + [
        "",
        "    def push(self, samples):",
        '        """Stream interleaved samples (any count); returns one (window_index, label, scores, post)',
        '        tuple per window completed, scores/post copied (post > 0 marks an event)."""',
        "        out = []",
        "        ring = self._ring",
        "        for v in samples:",
        f"            ring[self._pos * {C} + self._ch] = v",
        "            self._ch += 1",
        f"            if self._ch < {C}:",
        "                continue",
        "            self._ch = 0",
        f"            self._pos = (self._pos + 1) % {L}",
        "            self._seen += 1",
        "            if self._seen != self._next:",
        "                continue",
        f"            self._next += {hop}",
        "            win = self._win",
        "            p = self._pos",
        f"            for i in range({L * C}):",
        f"                win[i] = ring[(p * {C} + i) % {L * C}]",
        "            label = self.classify(self.features(win))",
        "            self._post_step()",
        "            out.append((self.windows, label, array('f', self.scores), array('f', self.post)))",
        "            self.windows += 1",
        "        return out",
        "",
        "    def to_window(self, samples, window=None):",
        '        """A recording of any number (>= 1) of interleaved frames -> one window as training made it',
        f"        (window.pad: {pipeline.pad}): the first window of a long recording, a short one {PAD_DESCRIPTION[pipeline.pad]}.",
        '        Written into window (default: the buffer push() reuses); then infer(window)."""',
        "        win = self._win if window is None else window",
        f"        return rt.to_window(samples, len(samples) // {C}, {L}, {C}, {PAD_MODES.index(pipeline.pad)}, win)",
        "",
        "    def memory(self):",
        '        """Estimated bytes: constant tables, state, scratch (as the export report)."""',
        '        return {"tables": TABLE_BYTES, "state": STATE_BYTES, "scratch": SCRATCH_BYTES}',
        "",
    ]
    info = dict(
        window_length=L,
        hop=hop,
        n_channels=C,
        n_features=n_features,
        n_classes=nc,
        classes=classes,
        pipeline_hash=pipeline_hash,
        name=pipeline.name,
        n_post=n_post,
    )
    return GeneratedModule(prefix=prefix, text="\n".join(lines), contexts=contexts, info=info, glue_bytes=glue_bytes)
