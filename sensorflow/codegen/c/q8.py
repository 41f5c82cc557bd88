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
from ...stages.models.int8_conv import avg_divider, quantize_conv
from . import cgen
from .fragment import CFragment, Field


def _layer_tables(ctx, L, i: int, what: str) -> tuple[list[str], str]:
    """The tables of int8 layer ``i`` and the name of its ``sf_q8_layer``."""
    s = ctx.sym
    n_out, n_in = L.w.shape
    tables = [
        cgen.array(s(f"qw{i}"), "int8_t", L.w, comment=f"{what} {i}: {n_out} x {n_in} int8 weights"),
        cgen.array(s(f"qbias{i}"), "int32_t", L.folded, per_line=8),
        cgen.array(s(f"qmult{i}"), "int32_t", L.mult, per_line=8),
        cgen.array(s(f"qshift{i}"), "int8_t", L.shift),
    ]
    lut = "0"
    if L.lut is not None:
        tables.append(cgen.array(s(f"qlut{i}"), "int8_t", L.lut, comment=f"layer {i}: {L.act} table"))
        lut = s(f"qlut{i}")
    tables.append(
        f"static const sf_q8_layer {s(f'qlayer{i}')} = {{{s(f'qw{i}')}, {s(f'qbias{i}')}, {s(f'qmult{i}')}, "
        f"{s(f'qshift{i}')}, {lut}, {n_in}u, {n_out}u, {L.zp}, {L.lo}}};\n"
    )
    return tables, s(f"qlayer{i}")


def _input_comment(net) -> str:
    return (
        f"/* int8 input: scale {net.in_scale:.6g}, zero point {net.in_zp} "
        f"(1 / scale = {net.in_mult} * 2^({net.in_shift} - 31)) */\n"
    )


def _finish(ctx, net, src: str, tables: list[str], code: list[str]) -> None:
    """Scores from the int8 logits in ``src`` (table, no exp) and the label."""
    last = net.layers[-1]
    what = "logistic of each logit code" if net.binary else f"exp(-d * {last.out_scale:.6g}), d = 0..255"
    tables.append(cgen.array(ctx.sym("qscore"), "float", score_table(net), comment=f"scores: {what}"))
    code += [
        f"sf_q8_scores({src}, {net.n_out}u, {ctx.sym('qscore')}, out);",
        f"return sf_q8_argmax({src}, {net.n_out}u, {last.out_zp});",
    ]


def emit_q8(stage, ctx) -> CFragment:
    net = quantize(stage)
    d = int(net.layers[0].w.shape[1])
    tables = [_input_comment(net)]
    widest = max(int(L.w.shape[0]) for L in net.layers)
    bufs = [ctx.scratch("qa"), ctx.scratch("qb")]
    code = [f"sf_q8_quantize(in, {net.in_mult}, {net.in_shift}, {net.in_zp}, {ctx.scratch('qin')}, {d}u);"]
    src = ctx.scratch("qin")
    for i, L in enumerate(net.layers):
        t, layer = _layer_tables(ctx, L, i, "layer")
        tables += t
        dst = bufs[i % 2]
        code.append(f"sf_q8_dense({src}, &{layer}, {dst});")
        src = dst
    _finish(ctx, net, src, tables, code)
    return CFragment(
        runtime=["sf_q8"],
        tables=tables,
        scratch=[Field("int8_t", "qin", d), Field("int8_t", "qa", widest), Field("int8_t", "qb", widest)],
        code=code,
        returns_label=True,
    )


def _centring_tables(ctx, cen) -> list[str]:
    """The first layer's bias without the zero point folded in (the tap sums are computed on the
    device from its weights: 1.5 k MACs per window instead of a c_in x filters table)."""
    return [cgen.array(ctx.sym("qcbias"), "int32_t", cen.bias, per_line=8, comment="center_window: first-layer bias")]


def _centred_call(ctx, cen, c, layer: str, src: str, call) -> list[str]:
    """The first conv layer on a centred window: its per-window bias, then the layer with it
    (``call(layer name)``: the call's line)."""
    cen_bias, local = ctx.scratch("qcb"), f"{layer}_c"
    return [
        f"sf_q8_centre_bias({src}, {c.steps_in}u, {c.c_in}u, &{layer}, {ctx.sym('qcbias')}, "
        f"{cen.mult}, {cen.shift}, {ctx.scratch('qctot')}, {cen_bias});",
        "{",
        f"    sf_q8_layer {local} = {layer};",
        f"    {local}.bias = {cen_bias};",
        "    " + call(local),
        "}",
    ]


def _position_sums(T: int, F: int, K: int, M: int, ring: str, w: str) -> str:
    """C lines (in a function declaring ``f, k, c`` and ``int32_t *acc``): layer 0's sums (no bias)
    of its ``F`` filters over the ``K`` frames from ring slot ``s`` of the ``T``-slot code ring
    (``M`` codes a frame); four filters per pass over a frame's codes (sf_q8_dot4 on the M4: each
    code word serves four weight rows)."""
    return (
        f"    for (f = 0; f < {F}u; f++) acc[f] = 0;\n"
        f"    for (k = 0; k < {K}u; k++) {{\n"
        f"        const int8_t *x = &{ring}[((s + k) % {T}u) * {M}u];\n"
        "#ifdef SF_Q8_DOT4_SIMD\n"
        f"        for (f = 0; f + 4u <= {F}u; f += 4u) sf_q8_dot4(x, &{w}[f * {K * M}u + k * {M}u], {K * M}u, {M}u, &acc[f]);\n"
        "#else\n"
        f"        for (f = 0; f + 4u <= {F}u; f += 4u) {{\n"
        f"            const int8_t *w0 = &{w}[f * {K * M}u + k * {M}u], *w1 = w0 + {K * M}u, *w2 = w1 + {K * M}u,\n"
        f"                         *w3 = w2 + {K * M}u;\n"
        "            int32_t a0 = acc[f], a1 = acc[f + 1u], a2 = acc[f + 2u], a3 = acc[f + 3u];\n"
        f"            for (c = 0; c < {M}u; c++) {{\n"
        "                int32_t u = x[c];\n"
        "                a0 += u * w0[c];\n"
        "                a1 += u * w1[c];\n"
        "                a2 += u * w2[c];\n"
        "                a3 += u * w3[c];\n"
        "            }\n"
        "            acc[f] = a0;\n"
        "            acc[f + 1u] = a1;\n"
        "            acc[f + 2u] = a2;\n"
        "            acc[f + 3u] = a3;\n"
        "        }\n"
        "#endif\n"
        f"        for (; f < {F}u; f++) {{\n"
        f"            const int8_t *wf = &{w}[f * {K * M}u + k * {M}u];\n"
        f"            for (c = 0; c < {M}u; c++) acc[f] += (int32_t)x[c] * wf[c];\n"
        "        }\n"
        "    }\n"
    )


def _frame_sums(ctx, c, layer: str) -> tuple[list[str], list[Field], str]:
    """The integer pipeline's first layer from sums kept per frame position (library.fused_codes):
    ``<func>_frame(slot)``, called by the log-mel once a frame's codes are in its ring slot,
    sums the layer's weights (no bias) over the kernel frames that start ``kernel - 1`` slots
    back; a streamed window's layer output is then its positions' sums plus the (per-window)
    bias, requantised as ``sf_q8_conv1d`` does: the same int32 sums, so the same codes, with
    one position's MACs per frame instead of every position's per window. Returns the helpers,
    the state fields and the name of ``<func>_first(bias, y)``."""
    q = ctx.int8_codes
    T, F, K, M, S = q["n_frames"], int(c.layer.w.shape[0]), c.kernel, c.c_in, c.stride
    pos, ring, head = ctx.state("qpos"), q["ring"], q["head"]
    w = ctx.sym("qw0")
    first = f"{ctx.func}_first"
    helpers = [
        f"/* integer pipeline: layer 0's sums (no bias) over the {K} frames from ring slot s; four\n"
        " * filters per pass over a frame's codes (sf_q8_dot4: each code word serves four weight rows) */\n"
        f"static void {ctx.func}_frame(uint32_t s)\n"
        "{\n"
        "    uint32_t f, k, c;\n"
        f"    int32_t *acc = &{pos}[s * {F}u];\n" + _position_sums(T, F, K, M, ring, w) + "}\n",
        f"/* integer pipeline: layer 0 of the streamed window from its positions' sums plus bias */\n"
        f"static void {first}(const sf_q8_layer *L, int8_t *y)\n"
        "{\n"
        f"    uint32_t t, h = {head}[0];\n"
        f"    for (t = 0; t < {c.steps_out}u; t++) {{\n"
        f"        sf_q8_requantize_sums(&{pos}[((h + {S}u * t) % {T}u) * {F}u], L->bias, L, &y[t * {F}u]);\n"
        "    }\n"
        "}\n",
    ]
    fields = [
        Field("int32_t", "qpos", T * F, "layer 0's sums at each frame position (ring slot of its first frame)"),
        Field("uint8_t", "qstream", 1, "1: the window being run is the stream's (its sums are in qpos)"),
    ]
    return helpers, fields, first


def _pool(net, src: str, dst: str) -> str:
    """The call pooling the last layer's codes in ``src`` into ``dst`` (max: any order of the
    positions; average: an integer sum, so any order too)."""
    last = net.convs[-1]
    filters = int(last.layer.w.shape[0])
    if net.pool == "max":
        return f"sf_q8_maxpool({src}, {last.steps_out}u, {filters}u, {dst});"
    mult, shift = avg_divider(last.steps_out)
    return (
        f"sf_q8_avgpool({src}, {last.steps_out}u, {filters}u, {mult}u, {shift}, {dst});"
        f" /* TFLite int8 average pooling: / {last.steps_out} as * {mult} >> {32 + shift} */"
    )


def _ring_rows(net, i: int) -> int:
    """Rows of layer ``i``'s ring of output codes (streamed layers): the next layer's ``kernel``
    inputs, kept twice (each row also ``kernel`` rows further on, so the last ``kernel`` rows are
    contiguous); the last layer's: the window's ``steps_out`` positions (pooling reads them in any order)."""
    if i + 1 < len(net.convs):
        return 2 * net.convs[i + 1].kernel
    return net.convs[i].steps_out


def _stream_layers(ctx, net) -> tuple[list[str], list[Field], list[Field], list[str], str]:
    """The integer pipeline with every layer streamed (library.streams_layers): ``<func>_frame(slot)``,
    called by the log-mel once a frame's codes are in its ring slot, counts the frames until the
    first layer's next output position (its stride phase against the window's first frame, which
    the hop keeps) and then sums that position's ``kernel`` frames (four filters per pass,
    sf_q8_dot4), requantises them with the bias into layer 0's ring and, layer after layer, when
    a new output completes the next layer's position, runs that one position x all filters
    (``sf_q8_dense`` on the last ``kernel`` rows) into its ring. The same int32 sums as
    ``sf_q8_conv1d``, so the same codes. Returns the helpers, state fields, scratch fields, init
    lines and the last layer's ring (the window's last ``steps_out`` outputs when it completes)."""
    q = ctx.int8_codes
    convs = net.convs
    first = convs[0]
    T, F, K, M = q["n_frames"], int(first.layer.w.shape[0]), first.kernel, first.c_in
    left, head, acc = ctx.state("qleft"), ctx.state("qhead"), ctx.scratch("qsum")
    w = ctx.sym("qw0")
    rings = [ctx.state(f"qr{i}") for i in range(len(convs))]
    body = [
        f"/* integer pipeline, every layer streamed: a frame arrived (its codes in ring slot s + {K - 1});\n"
        " * each layer's output positions as they complete, into the layers' rings */\n"
        f"static void {ctx.func}_frame(uint32_t s)\n",
        "{\n",
        "    uint32_t f, k, c;\n",
        "    int8_t *y;\n",
        f"    int32_t *acc = {acc};\n",
        f"    {left}[0] = (uint16_t)({left}[0] - 1u);\n",
        f"    if ({left}[0] != 0u) return;  /* no layer-0 position of the windows' phase starts at slot s */\n",
        f"    {left}[0] = {first.stride}u;\n",
        _position_sums(T, F, K, M, q["ring"], w),
    ]
    state: list[Field] = []
    init: list[str] = []
    for i, c in enumerate(convs):
        n_out, rows = int(c.layer.w.shape[0]), _ring_rows(net, i)
        mirrored = i + 1 < len(convs)
        layer = ctx.sym(f"qlayer{i}")
        if i == 0:
            body.append(f"    y = &{rings[0]}[{head}[0] * {n_out}u];\n")
            body.append(f"    sf_q8_requantize_sums(acc, {layer}.bias, &{layer}, y);\n")
        else:
            prev = int(convs[i - 1].layer.w.shape[0])
            body += [
                f"    {left}[{i}] = (uint16_t)({left}[{i}] - 1u);\n",
                f"    if ({left}[{i}] != 0u) return;\n",
                f"    {left}[{i}] = {c.stride}u;\n",
                f"    y = &{rings[i]}[{head}[{i}] * {n_out}u];\n",
                f"    sf_q8_dense(&{rings[i - 1]}[{head}[{i - 1}] * {prev}u], &{layer}, y);"
                f"  /* layer {i}: one position x {n_out} filters on the last {c.kernel} rows */\n",
            ]
        keep = rows // 2 if mirrored else rows
        if mirrored:
            body.append(f"    memcpy(y + {keep * n_out}u, y, {n_out}u);  /* its copy {keep} rows on */\n")
        body.append(f"    {head}[{i}] = (uint16_t)(({head}[{i}] + 1u) % {keep}u);\n")
        what = f"the last {keep} outputs, twice" if mirrored else f"the window's {rows} outputs"
        state.append(Field("int8_t", f"qr{i}", rows * n_out, f"layer {i}'s ring: {what}"))
        init.append(f"{left}[{i}] = {c.kernel}u;")
    body.append("}\n")
    state += [
        Field("uint16_t", "qleft", len(convs), "per layer: inputs to come before its next output position"),
        Field("uint16_t", "qhead", len(convs), "per layer: ring row of the next output"),
        Field("uint8_t", "qstream", 1, "1: the window being run is the stream's (its outputs are in the rings)"),
    ]
    scratch = [Field("int32_t", "qsum", F, "layer 0's sums at the position being completed")]
    return ["".join(body)], state, scratch, init, rings[-1]


def emit_q8_conv(stage, ctx) -> CFragment:
    """``conv1d``: ``sf_q8_conv1d`` per layer on ping-pong int8 buffers, ``sf_q8_maxpool`` or
    ``sf_q8_avgpool`` (TFLite's int8 average pooling), the dense layer, table scores."""
    net = quantize_conv(stage)
    first = net.convs[0]
    d = first.steps_in * first.c_in
    tables = [_input_comment(net)]
    bufs = [ctx.scratch("qa"), ctx.scratch("qb")]
    widest = max([c.steps_out * int(c.layer.w.shape[0]) for c in net.convs] + [net.n_out])
    codes = ctx.int8_codes is not None  # integer pipeline: the log-mel fills the codes (library.fused_codes)
    src = ctx.state("qin") if codes else ctx.scratch("qin")
    quant = f"sf_q8_quantize(in, {net.in_mult}, {net.in_shift}, {net.in_zp}, {src}, {d}u);"
    code = [f"if (in != NULL) {quant}  /* else: the codes are there */"] if codes else [quant]
    scratch = []
    helpers: list[str] = []
    state: list[Field] = []
    init: list[str] = []
    streamed = codes and ctx.int8_codes.get("rings", False)
    pool = ctx.scratch("qpool")
    if streamed:  # the stream's window: pooling on the last layer's ring; _infer / _classify: below
        helpers, state, scratch, init, last_ring = _stream_layers(ctx, net)
        flag = ctx.state("qstream")
        code += [f"if ({flag}[0]) {{", f"    {flag}[0] = 0u;", f"    {_pool(net, last_ring, pool)}", "} else {"]
    branch = len(code)
    for i, c in enumerate(net.convs):
        t, layer = _layer_tables(ctx, c.layer, i, "conv")
        tables += t
        dst = bufs[i % 2]

        def call(L: str, c=c, src=src, dst=dst, i=i) -> str:
            args = f"{src}, {c.steps_in}u, {c.c_in}u, {c.kernel}u, {c.stride}u, &{L}, {dst}"
            if i > 0 and codes:  # see widened below
                return f"sf_q8_conv1d_w16({args}, {ctx.scratch('qw16')});"
            return f"sf_q8_conv1d({args});"

        if i == 0 and codes and "ring" in ctx.int8_codes and not streamed:
            helpers, state, first = _frame_sums(ctx, c, layer)
            flag, conv = ctx.state("qstream"), call

            def call(L: str, conv=conv, first=first, flag=flag, dst=dst) -> str:  # noqa: F811
                return f"if ({flag}[0]) {{ {flag}[0] = 0u; {first}(&{L}, {dst}); }} else {conv(L)}"

        if i == 0 and net.centring is not None:
            tables += _centring_tables(ctx, net.centring)
            scratch += [Field("int32_t", "qcb", int(c.layer.w.shape[0])), Field("int32_t", "qctot", c.c_in)]
            code += _centred_call(ctx, net.centring, c, layer, src, call)
        else:
            code.append(call(layer))
        src = dst
    filters = int(net.convs[-1].layer.w.shape[0])
    code.append(_pool(net, src, pool))
    if streamed:
        code[branch:] = ["    " + line for line in code[branch:]] + ["}"]
    t, layer = _layer_tables(ctx, net.dense, len(net.convs), "dense")
    tables += t
    dst = bufs[len(net.convs) % 2]
    code.append(f"sf_q8_dense({pool}, &{layer}, {dst});")
    _finish(ctx, net, dst, tables, code)
    qin = Field("int8_t", "qin", d, "int8 input codes" + (" (the log-mel's, or quantised features)" if codes else ""))
    # the integer pipeline's later layers widen their input once to int16 pairs (sf_q8_conv1d_w16):
    # this scratch overlays the log-mel's (n_fft int32 + n_fft int16), so it costs no RAM there
    widened = max((c.steps_in * c.c_in + 3) // 4 * 2 for c in net.convs[1:]) if codes and len(net.convs) > 1 else 0
    if widened:
        scratch.append(Field("int32_t", "qw16", widened))
    return CFragment(
        runtime=["sf_q8"],
        tables=tables,
        state=([qin] if codes else []) + state,
        helpers=helpers,
        init=init,
        scratch=[
            *([] if codes else [qin]),
            Field("int8_t", "qa", widest),
            Field("int8_t", "qb", widest),
            Field("int8_t", "qpool", filters),
            *scratch,
        ],
        code=code,
        returns_label=True,
    )
