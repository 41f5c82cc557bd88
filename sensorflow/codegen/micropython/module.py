"""Assemble the generated MicroPython module ``<prefix>.py`` from the stages' fragments.

The module's API mirrors the C export (docs/design.md)::

    WINDOW_LENGTH, HOP, N_CHANNELS, N_FEATURES, N_CLASSES, PIPELINE_HASH, CLASS_NAMES
    p = Pipeline()
    feat = p.features(window)        # window: interleaved floats window[t * N_CHANNELS + c]
    label = p.classify(feat)         # class index; p.scores holds the probabilities
    label, scores = p.infer(window)
    results = p.push(samples)        # any number of interleaved floats; one
                                     # (window_index, label, scores, post) per completed window
    results = p.push_i16(counts)     # q15 log_mel/mfcc front ends only: int16 counts, the same
                                     # as push(c * I16_SCALE) bit for bit (the C _push_i16)
    p.reset()                        # forget streamed samples and post-processing state

Non-finite input gets the C export's answer: a window (or feature vector) holding NaN or
+-Inf has label ``NONFINITE`` (-6, the C ``SF_ERR_NONFINITE``) and no scores: ``features``
returns None, ``classify`` returns NONFINITE, ``infer`` returns ``(NONFINITE, None)``, ``push``
gives ``(window_index, NONFINITE, None, None)`` and leaves the post-processing state as it was.

Buffers (``p.feat``, ``p.scores``, ``p.post``) are allocated once in ``Pipeline()`` and
reused: copy them if you keep results across calls. ``push`` copies ``scores``/``post``
into its result tuples (one small allocation per completed window).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...errors import CodegenError
from ...version import __version__
from ...windowing import PAD_DESCRIPTION, PAD_MODES, VALID_PAD
from ..c.status import STATUSES
from ..plan import plan
from .fragment import ARRAY_OVERHEAD, MPContext
from .registry import get

RUNTIME_MODULE = "sf_runtime"
INSTANCE_BYTES = 1024  # the Pipeline object and its attribute dict
# label of a window holding NaN or Inf: the C runtime's SF_ERR_NONFINITE, from the one status list
NONFINITE = next(value for name, value, _ in STATUSES if name == "SF_ERR_NONFINITE")
ERR_ARG = next(value for name, value, _ in STATUSES if name == "SF_ERR_ARG")  # infer's n_valid out of range


@dataclass
class GeneratedModule:
    prefix: str
    text: str
    contexts: list[MPContext] = field(default_factory=list)
    info: dict = field(default_factory=dict)
    glue_bytes: int = 0
    files: dict = field(default_factory=dict)  # more modules beside it (the int8 network)
    numeric: dict = field(default_factory=dict)  # stage index -> numeric path label

    @property
    def table_bytes(self) -> int:
        return sum(c.table_bytes for c in self.contexts)

    @property
    def literal_bytes(self) -> int:
        return sum(c.literal_bytes for c in self.contexts)

    @property
    def state_bytes(self) -> int:
        return sum(c.state_bytes for c in self.contexts) + self.glue_bytes

    @property
    def scratch_bytes(self) -> int:
        return sum(c.scratch_bytes for c in self.contexts)


def i16_exponent(pipeline) -> int | None:
    """k of ``push_i16`` (counts at ``2^-k``): the first stage's when it is a q15 ``log_mel`` or
    ``mfcc`` (the front end that quantises the samples to int16 counts itself), else None."""
    first = pipeline.stages[0] if pipeline.stages else None
    if first is None or first.name not in ("log_mel", "mfcc"):
        return None
    k = getattr(first, "q15_k_", None)
    return None if k is None else int(k[0])


def _power_of_two(k: int) -> str:
    """2^-k as a MicroPython expression computed exactly (no decimal literal to parse)."""
    return f"1 / {1 << k}" if k >= 0 else f"{1 << -k}.0"


def _stream_loop(C: int, L: int, hop: int, counts: bool) -> list[str]:
    """The body of push (float samples, NaN/Inf tracked) or push_i16 (counts, always finite,
    stored as c * I16_SCALE: the very float push stores for those values)."""
    if counts:
        store = [f"            ring[self._pos * {C} + self._ch] = v * I16_SCALE"]
    else:
        store = [
            f"            ring[self._pos * {C} + self._ch] = v",
            "            if v - v:",
            "                self._frame_bad = 1",
        ]
    return [
        "        out = []  # type: list",  # tuples with arrays, or with None for a NaN/Inf window
        "        ring = self._ring",
        f"        for v in {'counts' if counts else 'samples'}:",
        *store,
        "            self._ch += 1",
        f"            if self._ch < {C}:",
        "                continue",
        "            self._ch = 0",
        "            if self._frame_bad:  # frames until the last NaN/Inf one leaves the window",
        f"                self._bad, self._frame_bad = {L}, 0",
        "            elif self._bad:",
        "                self._bad -= 1",
        f"            self._pos = (self._pos + 1) % {L}",
        "            self._seen += 1",
        "            if self._seen != self._next:",
        "                continue",
        f"            self._next += {hop}",
        "            if self._bad:",
        "                out.append((self.windows, NONFINITE, None, None))",
        "                self.windows += 1",
        "                continue",
        "            win = self._win",
        "            p = self._pos",
        f"            for i in range({L * C}):",
        f"                win[i] = ring[(p * {C} + i) % {L * C}]",
        "            label = self.classify(self.features(win))",
        "            if label == NONFINITE:  # finite samples, non-finite features: no class, post kept",
        "                out.append((self.windows, NONFINITE, None, None))",
        "                self.windows += 1",
        "                continue",
        "            self._post_step()",
        "            out.append((self.windows, label, array('f', self.scores), array('f', self.post)))",
        "            self.windows += 1",
        "        return out",
    ]


def _push_i16(C: int, L: int, hop: int) -> list[str]:
    return [
        "",
        "    def push_i16(self, counts):",
        '        """Stream interleaved int16 counts (a sequence: array(\'h\') from an ADC/I2S driver, or ints):',
        "        the same as push([c * I16_SCALE for c in counts]) bit for bit (the C _push_i16), without the",
        '        list. ValueError, nothing streamed, if a value is not a whole number from -32768 to 32767."""',
        "        for v in counts:",
        "            if not -32768 <= v <= 32767 or v != int(v):",
        "                raise ValueError('push_i16 takes int16 counts (whole numbers -32768..32767), not %r' % (v,))",
        *_stream_loop(C, L, hop, counts=True),
    ]


def _indent(lines: list[str], n: int = 8) -> list[str]:
    pad = " " * n
    out = []
    for line in lines:
        out += [pad + part if part else "" for part in line.split("\n")]
    return out


def generate(pipeline, meta: dict | None = None, prefix: str = "sf_model", numeric: str = "float") -> GeneratedModule:
    """The MicroPython source of a fitted pipeline (one window at a time, fresh signal state
    per window as the host pipeline runs it). ``numeric="int8"``: a dense model stage with an
    int8 network runs it from ``<prefix>_q8.py`` (``codegen.micropython.q8``); everything else,
    and every stage with ``auto``/``float``, computes in float."""
    if pipeline.model is None:
        raise CodegenError(f"pipeline '{pipeline.name}' has no model stage; nothing to export")
    meta = meta or {}
    pl = plan(pipeline)
    L, C, hop = pl.window_length, pl.n_channels, pl.hop
    valid = pipeline.pad == VALID_PAD
    lo = pipeline.min_valid_length  # pad: valid: fewest frames the features compute over
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
        glue_init.append(f"self._x = rt.zeros({L * C})")
        feat_code.append(f"rt.copy(window, self._x, {L * C})")
        cur = "self._x"
    post_in = "self.scores"
    n_post = 0
    files: dict = {}
    paths: dict = {}
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
            ctx.n_valid = "n_valid" if valid else ""
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
            paths[index] = _model_path(stage, numeric)
            if paths[index].startswith("integer"):
                from ...stages.models.int8 import quantize
                from .q8 import emit, q8_module

                files[f"{prefix}_q8.py"] = q8_module(quantize(stage))
                frag = emit(stage, ctx, f"{prefix}_q8")
            else:
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
    i16_k = i16_exponent(pipeline)
    # feat, scores, post, the streaming ring and the window it is copied into (+ a work copy
    # of the window when signal stages modify it)
    # and the Pipeline object with its attribute dict (0.7-0.8 KB measured on MicroPython 1.27)
    glue_bytes = (
        4 * (n_features + 2 * nc + 2 * L * C)
        + 5 * ARRAY_OVERHEAD
        + (4 * L * C + ARRAY_OVERHEAD if has_signal else 0)
        + INSTANCE_BYTES
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
        *([f"import {prefix}_q8 as _q8"] if files else []),
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
        f"NONFINITE = {NONFINITE}  # label of a window holding NaN or Inf (C: SF_ERR_NONFINITE)",
        *(
            [
                f"I16_K = {i16_k}",
                f"I16_SCALE = {_power_of_two(i16_k)}  # physical units per count of push_i16, 2^-I16_K (q15_scale)",
            ]
            if i16_k is not None
            else []
        ),
        *(
            [f"ERR_ARG = {ERR_ARG}  # infer(window, n_valid) with n_valid outside {lo}..WINDOW_LENGTH (C: SF_ERR_ARG)"]
            if valid
            else []
        ),
        "",
        "",
        "def _finite(x):",
        '    """False if any value is NaN or +-Inf (v - v is then NaN, which is true)."""',
        "    for v in x:",
        "        if v - v:",
        "            return False",
        "    return True",
        "",
    ]
    if valid:
        lines += [
            "",
            "def _whole_frames(n):",
            f'    """n_valid as an int when it is a whole number {lo}..{L} (10.0 counts, as 10), else None."""',
            "    try:",
            f"        if {lo} <= n <= {L} and n == int(n):",
            "            return int(n)",
            "    except (TypeError, ValueError):",
            "        pass",
            "    return None",
            "",
            "",
            "def _finite_n(x, n):",
            '    """_finite over the first n values only (window.pad: valid)."""',
            "    for i in range(n):",
            "        v = x[i]",
            "        if v - v:",
            "            return False",
            "    return True",
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
        f"        self.feat = rt.zeros({n_features})",
        f"        self.scores = rt.zeros({nc})",
        f"        self.post = rt.zeros({nc})",
        f"        self._ring = rt.zeros({L * C})",
        f"        self._win = rt.zeros({L * C})",
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
        "        self._bad = 0",
        "        self._frame_bad = 0",
        "        self.windows = 0",
    ]
    for ctx in contexts:
        lines += _indent(ctx.reset)
    if valid:
        lines += [
            "",
            f"    def features(self, window, n_valid={L}):",
            f'        """Feature vector ({n_features} floats, self.feat) of the first n_valid ({lo}..{L}) frames of {C}',
            "        interleaved samples (window.pad: valid: only those are read); None if they or the features hold",
            "        NaN or Inf (float32 overflow inside a stage). ValueError unless n_valid is a whole number (an int, or",
            f'        a float such as 10.0) from {lo} to WINDOW_LENGTH."""',
            "        n = _whole_frames(n_valid)",
            "        if n is None:",
            f"            raise ValueError('n_valid must be a whole number from {lo} to {L}, not %r' % (n_valid,))",
            "        n_valid = n",
            f"        if not _finite_n(window, n_valid * {C}):",
            "            return None",
        ]
    else:
        lines += [
            "",
            "    def features(self, window):",
            f'        """Feature vector ({n_features} floats, self.feat) of one window of {L} x {C} interleaved samples;',
            '        None if it or the features hold NaN or Inf (float32 overflow inside a stage)."""',
            "        if not _finite(window):",
            "            return None",
        ]
    lines += _indent(feat_code) + [
        "        return self.feat if _finite(self.feat) else None",
        "",
        "    def classify(self, feat):",
        '        """Class index for a feature vector; the probabilities are in self.scores. NONFINITE for None or a',
        '        vector holding NaN or Inf (self.scores untouched)."""',
        "        if feat is None or not _finite(feat):",
        "            return NONFINITE",
    ]
    lines += _indent(model_code) + ["        return label", ""]
    if valid:
        lines += [
            f"    def infer(self, window, n_valid={L}):",
            '        """(class index, probabilities) of the first n_valid frames (window.pad: valid, as the C',
            "        _infer_n); (NONFINITE, None) if they hold NaN or Inf, (ERR_ARG, None) unless n_valid is a whole",
            f'        number (10.0 counts) from {lo} to WINDOW_LENGTH."""',
            "        if _whole_frames(n_valid) is None:",
            "            return ERR_ARG, None",
            "        label = self.classify(self.features(window, n_valid))",
            "        return label, (self.scores if label >= 0 else None)",
            "",
        ]
    else:
        lines += [
            "    def infer(self, window):",
            '        """(class index, probabilities) of one window; (NONFINITE, None) if it holds NaN or Inf."""',
            "        label = self.classify(self.features(window))",
            "        return label, (self.scores if label >= 0 else None)",
            "",
        ]
    lines += [
        "    def _post_step(self):",
    ]
    lines += _indent(post_code) + [
        "",
        "    def push(self, samples):",
        '        """Stream interleaved samples (any count); returns one (window_index, label, scores, post)',
        "        tuple per window completed, scores/post copied (post > 0 marks an event); a window holding",
        '        NaN or Inf gives (window_index, NONFINITE, None, None) and does not advance the post stages."""',
        *_stream_loop(C, L, hop, counts=False),
        *(_push_i16(C, L, hop) if i16_k is not None else []),
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
        i16_k=i16_k,
    )
    return GeneratedModule(
        prefix=prefix,
        text="\n".join(lines),
        contexts=contexts,
        info=info,
        glue_bytes=glue_bytes,
        files=files,
        numeric=paths,
    )


def _model_path(stage, numeric: str) -> str:
    """The model stage's numeric path in MicroPython: the int8 dense network with ``int8``
    (``--numeric auto`` keeps float here: MicroPython's integers are heap objects past 30 bits)."""
    from ...stages.models.int8 import STAGES
    from ..numeric import INTEGER_PATHS, check, unavailable

    check(numeric)
    if numeric != "int8":
        return f"float (MicroPython computes in float; --numeric {numeric})"
    if stage.name not in STAGES:
        return f"float (no int8 MicroPython path for {stage.name}; the dense models {', '.join(STAGES)} have one)"
    why = unavailable(stage)
    if why is not None:
        raise CodegenError(f"--numeric int8: stage '{stage.name}': {why}")
    return f"integer: {INTEGER_PATHS[stage.name]}"
