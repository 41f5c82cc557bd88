"""Turn a fitted Pipeline into C source text: ``<prefix>.h``, ``<prefix>.c`` and the runtime
kernels the stages use. Layout of the generated code is in ``templates/model.c.j2``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ...errors import CodegenError
from ...version import __version__
from ...windowing import PAD_DESCRIPTION, VALID_PAD
from ..numeric import check as check_numeric
from ..plan import may_stream_input, plan
from . import cgen, namespace, registry
from .fragment import CContext, CFragment, EmittedStage, Field

RUNTIME_DIR = Path(__file__).resolve().parents[2] / "runtime" / "c"
TEMPLATES = Path(__file__).resolve().parent / "templates"
ALWAYS = ("sf_common", "sf_port", "sf_pad")  # copied into every export; sf_port.h is for applications
VEC = "@VEC@"  # where the feature / vector buffers are, until the layout is chosen


def template_env() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass
class GeneratedC:
    """Generated sources (relative name -> text) and what they are made of."""

    prefix: str
    files: dict[str, str]
    runtime: list[str]
    stages: list[EmittedStage]
    state_bytes: int
    n_features: int
    n_classes: int
    glue_state_bytes: int = 0
    board: object | None = None
    info: dict = field(default_factory=dict)

    @property
    def sources(self) -> list[str]:
        return sorted(n for n in self.files if n.endswith(".c"))

    def write(self, out_dir: Path) -> list[Path]:
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, text in self.files.items():
            p = out_dir / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
            paths.append(p)
        return paths


def emit_stage(stage, ctx: CContext) -> CFragment:
    """The stage's C fragment, from the emitter registered under its name."""
    frag = registry.get(stage.name)(stage, ctx)
    if not isinstance(frag, CFragment):
        raise CodegenError(f"C emitter of stage '{stage.name}' returned {type(frag).__name__}, not a CFragment")
    return frag


def _struct_size(fields: list[tuple[int, int]]) -> tuple[int, int]:
    """(size, alignment) of a C struct of (element size, count) members, natural alignment."""
    off, align = 0, 1
    for elem, count in fields:
        a = min(elem, 4) if elem < 8 else 8
        align = max(align, a)
        off = (off + a - 1) // a * a + elem * max(1, count)
    return (off + align - 1) // align * align, align


def runtime_files(names: list[str]) -> dict[str, str]:
    """Shipped kernel sources by file name; ``sf_common`` brings the ``sf_names.h`` it includes
    (the copy that renames nothing; see ``prefixed``)."""
    out = {}
    for base in names:
        if base == "sf_common":
            out[namespace.NAMES_HEADER] = (RUNTIME_DIR / namespace.NAMES_HEADER).read_text()
        found = False
        for ext in (".h", ".c"):
            p = RUNTIME_DIR / f"{base}{ext}"
            if p.exists():
                out[p.name] = p.read_text()
                found = True
        if not found:
            raise CodegenError(f"runtime kernel '{base}' is missing from sensorflow/runtime/c; reinstall sensorflow")
    return out


MAX_PREFIX = 32  # as ExportConfig.prefix: <prefix>.c/.h and <prefix>_features_n stay short names


def check_prefix(prefix: str) -> None:
    """A CodegenError unless ``prefix`` is a short C identifier that names no runtime file
    (``sf_stats`` would write the model as ``sf_stats.c`` over the statistics kernel)."""
    if not cgen.is_identifier(prefix):
        raise CodegenError(f"export prefix '{prefix[:40]}' is not a C identifier; use lowercase letters, digits and _")
    if len(prefix) > MAX_PREFIX:
        raise CodegenError(
            f"export prefix '{prefix[:24]}...' has {len(prefix)} characters; use at most {MAX_PREFIX} "
            "(it names the files <prefix>.c / .h and every exported symbol)"
        )
    if any((RUNTIME_DIR / f"{prefix}{ext}").exists() for ext in (".c", ".h")):
        raise CodegenError(
            f"export prefix '{prefix}' is the name of a runtime file the export also writes "
            f"({prefix}.h); choose another, e.g. {prefix}_model"
        )


def prefixed(prefix: str, files: dict[str, str]) -> dict[str, str]:
    """Runtime files with the ``sf_names.h`` that renames their external symbols to ``<prefix>_sf_...``."""
    return {**files, namespace.NAMES_HEADER: namespace.names_header(prefix, files)}


def generate(
    pipeline, meta: dict | None = None, board=None, prefix: str | None = None, numeric: str = "auto"
) -> GeneratedC:
    """Emit every stage of a fitted pipeline and render the C library; ``numeric``: which
    numeric path stages take (``sensorflow.codegen.numeric``)."""
    meta = meta or {}
    check_numeric(numeric)
    prefix = prefix or pipeline.config.export.prefix
    check_prefix(prefix)
    pl = plan(pipeline, streams=lambda k_step, step: may_stream_input(k_step, step))
    win, hop, nch, sr = pl.window_length, pl.hop, pl.n_channels, pl.sample_rate
    st = f"{prefix}_state"
    valid = pipeline.pad == VALID_PAD

    def buf(name: str) -> str:  # the plan's logical buffers in the state struct
        if name in ("window", "scores", ""):
            return name
        kind, k = name[:-1], name[-1]
        return {"sig": f"{st}.sig[{k}]", "vec": f"{VEC}[{k}]", "post": f"{st}.post[{k}]"}[kind]

    emitted: list[EmittedStage] = []
    feature_code: list[str] = []
    post_code: list[str] = []
    model = None
    stream_stage: EmittedStage | None = None  # first stage consuming the stream frame by frame
    stream_feature_code: list[str] = []
    feature_step: list[EmittedStage] = []  # stages of the (one) feature step, in pipeline order
    feature_lines = (0, 0)  # their calls in feature_code
    step_of_feature_lines = None
    fused = fused_codes(pl, board, numeric, prefix)
    counts = {} if fused or valid else shared_counts(pl)
    channel_calls: list[tuple[str, int, str]] = []  # the channel loop's stages: (function, offset, name)
    features_finite = True  # every stage before the model writes finite values for finite input
    for ps in pl.stages:
        stage = ps.stage
        ctx = _ctx(stage, pipeline, prefix, board, hop, sr)
        ctx.numeric = numeric
        ctx.int8_codes = fused.get(ps.index)
        ctx.q15_channel = ps.index in counts
        line = f"{ctx.func}({buf(ps.src)}, {buf(ps.dst)});  /* {stage.name} */"
        if ps.role == "feature":
            if step_of_feature_lines != ps.step:
                step_of_feature_lines, first_line = ps.step, len(feature_code)
            ctx.streams_input = ps.streams_input
            ctx.n_valid = f"{st}.n_valid" if valid else ""
            es = EmittedStage(ctx, emit_stage(stage, ctx), out_offset=ps.offset)
            emitted.append(es)
            feature_step.append(es)
            features_finite = features_finite and es.fragment.finite_output
            if ctx.q15_channel:  # one call of the channel loop for all of them, where the first was
                if not channel_calls:
                    feature_code.append(f"{prefix}_q15_step(window, NULL, {buf(ps.dst)});  /* channel by channel */")
                channel_calls.append((ctx.func, ps.offset, stage.name))
            else:
                feature_code.append(f"{ctx.func}({buf(ps.src)}, &{buf(ps.dst)}[{ps.offset}]);  /* {stage.name} */")
            if ctx.streams_input and es.fragment.streams:
                stream_stage = es
                stream_feature_code.append(f"{ctx.func}_stream(&{buf(ps.dst)}[{ps.offset}]);  /* {stage.name} */")
            feature_lines = (first_line, len(feature_code))
            continue
        es = EmittedStage(ctx, emit_stage(stage, ctx))
        emitted.append(es)
        if ps.role in ("signal", "vector"):
            feature_code.append(line)
            features_finite = features_finite and es.fragment.finite_output
        elif ps.role == "model":
            model = es
        else:
            post_code.append(line)
    if counts:  # the channel loop, before the first of its stages (it calls them all)
        owner = next(es for es in emitted if es.ctx.index == min(counts))
        cnt = f"{st}.scratch.s{owner.ctx.index}.q15_counts"
        owner.fragment.helpers.append(channel_step(prefix, cnt, counts[owner.ctx.index], win, nch, channel_calls))
    counts_win = counts_window(pl, valid)  # the streaming window as int16 counts
    if stream_stage is not None:
        stream_feature_code += feature_code[1:]
    feature_code.append(f"return {buf(pl.features)};")
    stream_feature_code.append(f"return {buf(pl.features)};")
    n_features = pl.n_features
    n_post = len(pl.post)
    if model is not None:
        n_classes = model.ctx.output_spec.size
        # what sf_last reports as post: the last post stage's buffer, or the scores themselves
        # (both stay untouched until the next window completes)
        last_post = buf(pl.last_post) if n_post else f"{st}.last_scores"
        class_names = [cgen.c_string(c) for c in pl.class_names]
    else:
        n_classes, class_names, last_post = 0, [], ""

    runtime = list(ALWAYS)
    for es in emitted:
        for r in es.fragment.runtime:
            if r not in runtime:
                runtime.append(r)
    sig_size, n_sig_bufs = pl.sig_size, pl.sig_buffers
    vec_size, n_vec_bufs = pl.vec_size, pl.vec_buffers
    scratch_stages = [es for es in emitted if es.fragment.scratch]
    # the seven ints of the state struct (ready, fill, skip, bad, skipped, last_label, has_last)
    n_ints = 8 if valid else 7  # with pad: valid, n_valid too
    win_bytes = 2 if counts_win else 4
    glue_fields = [(4, n_ints)] if stream_stage is not None else [(4, n_ints), (win_bytes, win * nch)]
    if n_sig_bufs:
        glue_fields.append((4, n_sig_bufs * sig_size))
    vec_field = (4, n_vec_bufs * vec_size)
    tail_fields = []
    if n_classes:
        tail_fields.append((4, n_classes))
        if n_post:
            tail_fields.append((4, min(2, n_post) * n_classes))
    state_fields = [(cgen.ctype_size(f.ctype), f.count) for es in emitted for f in es.fragment.state]
    # the channel loop writes every slice while its scratch is live: no overlay then
    layout = scratch_layout(scratch_stages, [] if fused or counts else feature_step, n_vec_bufs * vec_size)
    if layout.overlay:
        # the feature buffers live in the scratch union (see ScratchLayout); the stages of the
        # feature step run last slice first, so each one's scratch only covers free slices
        a, b = feature_lines
        feature_code[a:b] = feature_code[a:b][::-1]
        glue_fields += tail_fields
        vec_ref = f"{st}.scratch.fv.vec"
    else:
        glue_fields += ([] if fused else [vec_field]) + tail_fields  # fused: no float feature vector
        vec_ref = f"{st}.vec"
    feature_code = [line.replace(VEC, vec_ref) for line in feature_code]
    stream_feature_code = [line.replace(VEC, vec_ref) for line in stream_feature_code]
    counts_feature_code = [  # the push path's features: the channel loop on the window's counts
        line.replace(f"{prefix}_q15_step(window, NULL, ", f"{prefix}_q15_step(NULL, {st}.win, ")
        for line in feature_code
    ]
    fields = list(glue_fields) + state_fields
    if scratch_stages or layout.overlay:
        fields.append((layout.align, layout.size // layout.align))
    state_bytes = _struct_size(fields)[0]
    glue_state = _struct_size(glue_fields + ([vec_field] if layout.overlay else []))[0]  # the head is scratch
    # RAM by purpose (bytes), for budgets and reports: the scratch union (less the feature
    # buffers it holds when they overlay it) is charged to the stage with the largest scratch;
    # padding goes to the stage buffers
    owner_bytes = layout.size - (4 * n_vec_bufs * vec_size if layout.overlay else 0)
    stage_ram = {
        es.ctx.index: es.fragment.state_bytes() + (owner_bytes if es.ctx.index == layout.owner else 0) for es in emitted
    }
    ram_layout = {} if stream_stage is not None else {"streaming window": win_bytes * win * nch}
    ram_layout["stage buffers"] = state_bytes - sum(ram_layout.values()) - sum(stage_ram.values())

    pipeline_hash = str(meta.get("content_hash") or "0" * 16)[:16]
    values = dict(
        prefix=prefix,
        P=prefix.upper(),
        name=pipeline.name,
        version=__version__,
        board=getattr(board, "name", "host"),
        window_length=win,
        hop=hop,
        n_channels=nch,
        n_features=n_features,
        n_classes=n_classes,
        sample_rate=cgen.f32(sr),
        pipeline_hash=pipeline_hash,
        state_bytes=state_bytes,
        pad=pipeline.pad,
        pad_enum=f"SF_PAD_{pipeline.pad.upper()}",
        pad_doc=PAD_DESCRIPTION[pipeline.pad],
        valid=valid,
        min_valid=pipeline.min_valid_length,
        class_names=class_names,
        runtime_headers=[f"{r}.h" for r in runtime if r not in ALWAYS],
        sig_buffers=n_sig_bufs,
        sig_size=max(sig_size, 1),
        vec_buffers=n_vec_bufs,
        vec_size=vec_size,
        post_buffers=pl.post_buffers,
        stages=emitted,
        scratch_stages=scratch_stages,
        model=model,
        layout=layout,
        feature_code=feature_code,
        post_code=post_code,
        last_post=last_post,
        stream_stage=stream_stage,
        stream_feature_code=stream_feature_code,
        fused=bool(fused),
        i16_scale=cgen.f32(stream_stage.fragment.i16_scale) if stream_stage is not None else "",
        features_finite=features_finite,
        feature_stage=feature_step[0] if fused else None,
        counts_win=counts_win,
        counts_k=f"{prefix}_q15_k",
        counts_feature_code=counts_feature_code,
    )
    env = template_env()
    files = {
        f"{prefix}.h": env.get_template("model.h.j2").render(**values),
        f"{prefix}.c": env.get_template("model.c.j2").render(**values),
    }
    files.update(prefixed(prefix, runtime_files(runtime)))
    return GeneratedC(
        prefix=prefix,
        files=files,
        runtime=runtime,
        stages=emitted,
        state_bytes=state_bytes,
        n_features=n_features,
        n_classes=n_classes,
        glue_state_bytes=glue_state,
        board=board,
        info=dict(
            window_length=win,
            hop=hop,
            n_channels=nch,
            pipeline_hash=pipeline_hash,
            name=pipeline.name,
            ram_layout=ram_layout,
            stage_ram=stage_ram,
            streaming="frames" if stream_stage is not None else "window",
            push_i16_scale=stream_stage.fragment.i16_scale if stream_stage is not None else 0.0,
        ),
    )


def shared_counts(pl) -> dict:
    """{stage index: q15 exponents} of the fixed-point ``stats`` / ``band_energy`` stages of one
    feature step that read the window at the same scale, when there are two or more of them:
    the step runs them channel after channel (``channel_step``), each channel quantised once
    (sf_q15_quantize) for all of them, not once per stage."""
    from ...stages.fixed_point import is_fixed

    steps = [ps.step for ps in pl.stages if ps.role == "feature"]
    if not steps or any(ps.streams_input for ps in pl.stages):
        return {}
    group = {  # the feature step (generate calls the channel loop in place of its stages)
        ps.index: tuple(int(k) for k in ps.stage.q15_k_)
        for ps in pl.stages
        if ps.role == "feature" and ps.step == steps[-1] and ps.src == "window"
        and ps.stage.name in ("stats", "band_energy") and is_fixed(ps.stage)
    }  # fmt: skip
    return group if len(group) >= 2 and len(set(group.values())) == 1 else {}


def counts_window(pl, valid: bool) -> bool:
    """Does the export keep the streaming window as int16 counts (2 B a sample, not a float's 4)?
    Yes when the channel loop (``shared_counts``; none under ``pad: valid``) is the window's only
    reader: pushed samples are quantised as they arrive (sf_q15_quantize is per sample: the same
    counts). ``shared_counts`` is empty when a stage takes the stream frame by frame (as a fused
    log-mel does), so then the window is not kept at all."""
    counts = {} if valid else shared_counts(pl)
    return bool(counts) and all(ps.index in counts for ps in pl.stages if ps.src == "window")


def window_sample_bytes(pipeline) -> int:
    """Bytes a sample of the streaming window takes in the state of ``pipeline``'s C export
    (built, fitted or not): 0 when a stage takes the stream frame by frame (the export keeps
    that stage's frame ring, not the window: :func:`streams_frames`), 2 under
    :func:`counts_window`, else 4 (float)."""
    pl = plan(pipeline)
    if streams_frames(pl, pipeline.hop):
        return 0
    return 2 if counts_window(pl, pipeline.pad == VALID_PAD) else 4


def streams_frames(pl, hop: int) -> bool:
    """Does a stage of the plan take the stream frame by frame (the only reader of the window, and a
    framed stage whose ``stream_shift`` accepts the hop: the log-mel emitters' own test)?"""
    return any(ps.streams_input and getattr(ps.stage, "stream_shift", lambda _: 0)(hop) > 0 for ps in pl.stages)


def channel_step(prefix: str, cnt: str, ks: tuple, length: int, n_channels: int, calls: list) -> str:
    """``<prefix>_q15_step(window, counts, vec)``: per channel, its int16 counts (``counts``: the
    streaming window's, channel after channel; NULL: quantise the float ``window``'s channel into
    ``cnt``, one channel's ``length`` int16 of scratch) then each stage of ``calls`` (function,
    offset of its slice in ``vec``, stage name) on them, in pipeline order."""
    k = cgen.array(f"{prefix}_q15_k", "int8_t", list(ks), comment="counts = round(x * 2^k) per channel")
    protos = "".join(f"static void {fn}(const int16_t *cnt, uint32_t ch, float *out);\n" for fn, _, _ in calls)
    body = "".join(f"        {fn}(c, ch, &vec[{off}]);  /* {name} */\n" for fn, off, name in calls)
    return (
        protos + k + "/* the step's fixed-point stages channel after channel, each channel quantised once for all */\n"
        f"static SF_NOINLINE void {prefix}_q15_step(const float *window, const int16_t *counts, float *vec)\n"
        "{\n    uint32_t ch;\n"
        f"    for (ch = 0; ch < {n_channels}u; ch++) {{\n"
        f"        const int16_t *c = {cnt};\n"
        "        if (counts != NULL) {\n"
        f"            c = &counts[ch * {length}u];\n"
        "        } else {\n"
        f"            sf_q15_quantize(window + ch, {n_channels}u, {length}u, {prefix}_q15_k[ch], {cnt});\n"
        "        }\n" + body + "    }\n}\n"
    )


def fused_codes(pl, board, numeric: str, prefix: str) -> dict:
    """The integer pipeline: a q15 ``log_mel`` streaming frame by frame straight into an int8
    ``conv1d`` (no stage between them). Then no float feature vector exists: the log-mel turns
    each frame's Q16 dB into the model's int8 input codes once (int8.quantize_q16, equal to
    quantising the float features) and keeps those codes in its ring; the model reads its codes
    buffer (filled by the log-mel, or by quantising a caller's float features in ``_classify``);
    with ``streams_layers`` every conv layer runs as frames arrive instead (``rings``). Returns ``{stage index: CContext.int8_codes}`` (empty: not fused)."""
    from ...stages.models.int8 import q16_shift
    from ...stages.models.int8_conv import quantize_conv
    from ..numeric import integer_for

    feats = [ps for ps in pl.stages if ps.role == "feature"]
    between = [ps for ps in pl.stages if ps.role in ("signal", "vector")]
    models = [ps for ps in pl.stages if ps.role == "model"]
    if len(feats) != 1 or between or len(models) != 1:
        return {}
    f, m = feats[0], models[0]
    fpu = getattr(board, "fpu", "single") if board is not None else "single"
    if not (
        f.stage.name == "log_mel"
        and f.streams_input
        and getattr(f.stage, "q15_k_", None) is not None
        and f.stage.clip_range() is None
        and pl.n_channels == 1
        and m.stage.name == "conv1d"
        and integer_for(m.stage.name, numeric, fpu, m.stage)
    ):
        return {}
    net = quantize_conv(m.stage)
    first = net.convs[0]
    st, T, M = f"{prefix}_state", f.stage.n_frames, f.stage.params.n_mels
    mel = {"dst": f"{st}.s{m.index}_qin", "mult": net.in_mult, "shift": q16_shift(net.in_shift), "zp": net.in_zp}
    model: dict = {"state": True}
    if first.steps_in == T and first.c_in == M and first.kernel <= T:
        # the first layer's sums at each frame position, once per frame (windows share them)
        mel.update(frame_fn=f"{prefix}_s{m.index}_frame", kernel=first.kernel, flag=f"{st}.s{m.index}_qstream")
        model.update(ring=f"{st}.s{f.index}_ring", head=f"{st}.s{f.index}_head", n_frames=T)
        if streams_layers(net, pl.hop, f.stage.hop_length):
            mel["rings"] = model["rings"] = True
    return {f.index: mel, m.index: model}


def streams_layers(net, hop: int, frame_hop: int) -> bool:
    """Whether every conv layer of the integer pipeline can run as frames arrive (per-layer rings
    of int8 codes, q8.emit_q8_conv): no per-window bias (``center_window``) and a window hop of a
    whole number of frames that is a multiple of the product of the strides, so each window's
    layer positions are positions the stream has already computed."""
    strides = math.prod(c.stride for c in net.convs)
    return net.centring is None and hop % frame_hop == 0 and (hop // frame_hop) % strides == 0


@dataclass
class ScratchLayout:
    """How the scratch union is laid out.

    Without ``overlay``: one struct per stage with scratch, all at offset 0, and the feature /
    vector buffers outside the union. With ``overlay`` the union also holds them, as
    ``fv = {float head[head]; float vec[..][..];}``: scratch of stages that run while no
    feature buffer is live (signal stages before, post stages after) starts at offset 0 as
    before; the feature step's stages run last slice first, so stage j's scratch may cover the
    head and the slices of the stages that run after it (S_j <= 4 head + 4 offset_j bytes);
    vector and model stages, which read the buffers, get their scratch after them
    (``pad[stage index]`` floats first). Chosen only when it makes the state smaller."""

    size: int = 0  # bytes of the union
    align: int = 4
    owner: int | None = None  # stage index charged with the union in reports
    overlay: bool = False
    head: int = 0  # floats before the feature buffers
    pad: dict = field(default_factory=dict)


def scratch_layout(
    scratch_stages: list[EmittedStage], feature_step: list[EmittedStage], vec_floats: int
) -> ScratchLayout:
    """The smaller of the plain union and the feature-buffer overlay (see ScratchLayout)."""
    sizes = {
        es.ctx.index: _struct_size([(cgen.ctype_size(f.ctype), f.count) for f in es.fragment.scratch])
        for es in scratch_stages
    }
    plain = ScratchLayout()
    if scratch_stages:
        owner = max(scratch_stages, key=lambda es: sizes[es.ctx.index][0]).ctx.index
        plain = ScratchLayout(
            size=max(sz for sz, _ in sizes.values()), align=max(a for _, a in sizes.values()), owner=owner
        )
    in_step = {es.ctx.index for es in feature_step}
    if not (in_step & set(sizes)):
        return plain
    head = 0
    for es in feature_step:
        if es.ctx.index in sizes:
            need = sizes[es.ctx.index][0] - 4 * es.out_offset
            head = max(head, -(-need // 4))
    size, align, pad = 4 * (head + vec_floats), 4, {}
    for es in scratch_stages:
        i = es.ctx.index
        if es.ctx.role in ("vector", "model"):
            pad[i] = head + vec_floats
            sz, a = _struct_size([(4, pad[i])] + [(cgen.ctype_size(f.ctype), f.count) for f in es.fragment.scratch])
        else:
            sz, a = sizes[i]
        size, align = max(size, sz), max(align, a)
    size = -(-size // align) * align
    if size >= plain.size + 4 * vec_floats:
        return plain
    return ScratchLayout(size=size, align=align, owner=plain.owner, overlay=True, head=head, pad=pad)


def _ctx(stage, pipeline, prefix, board, hop, sr) -> CContext:
    index = pipeline.stages.index(stage)
    return CContext(
        stage=stage,
        index=index,
        prefix=prefix,
        board=board,
        input_spec=stage.input_spec_,
        output_spec=stage.output_spec_,
        hop=hop,
        sample_rate=sr,
    )


def generate_stage(stage, prefix: str = "sf_stage", board=None) -> GeneratedC:
    """One bound, fitted stage of any role alone, with a stdin/stdout ``main`` (for the
    per-stage compile-and-compare check in ``sensorflow.testing.ccompare.run_stage``)."""
    spec_in, spec_out = stage.input_spec_, stage.output_spec_
    if spec_in is None or spec_out is None:
        raise CodegenError(f"stage '{stage.name}' is not bound to an input; bind() or fit() it first")
    ctx = CContext(
        stage=stage,
        index=0,
        prefix=prefix,
        board=board,
        input_spec=spec_in,
        output_spec=spec_out,
        hop=spec_in.length if spec_in.kind == "signal" else 1,
        sample_rate=float(spec_in.sample_rate or 0.0),
    )
    es = EmittedStage(ctx, emit_stage(stage, ctx))
    runtime = list(ALWAYS) + [r for r in es.fragment.runtime if r not in ALWAYS]
    text = (
        template_env()
        .get_template("stage_only.c.j2")
        .render(
            prefix=prefix,
            stage_name=stage.name,
            version=__version__,
            st=es,
            n_in=spec_in.size,
            n_out=spec_out.size,
            runtime_headers=[f"{r}.h" for r in runtime if r not in ALWAYS],
        )
    )
    files = {f"{prefix}.c": text, **prefixed(prefix, runtime_files(runtime))}
    return GeneratedC(
        prefix=prefix,
        files=files,
        runtime=runtime,
        stages=[es],
        state_bytes=es.fragment.state_bytes(),
        n_features=spec_out.size,
        n_classes=spec_out.size if stage.tags.role == "model" else 0,
        board=board,
    )


__all__ = ["GeneratedC", "generate", "generate_stage", "emit_stage", "template_env", "Field"]
