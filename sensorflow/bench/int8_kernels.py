"""int8 network kernels on the emulated Cortex-M4F: sensorflow's ``sf_q8`` and, when a CMSIS-NN
checkout is given, CMSIS-NN's s8 kernels, on the layer shapes of the shipped int8 models.

CMSIS-NN is not part of this repository and nothing downloads it: ``SENSORFLOW_CMSIS_NN_DIR``
names a checkout (its ``Include/`` and ``Source/``). Its int8 sources (every ``Source/*/*.c``
except the f16/f32 ones, as its own CMake build with the float extensions off) are compiled
with the board's flags at -O2 like sensorflow's, and the layers run through its public API:
``arm_convolve_wrapper_s8`` (on a Cortex-M4 it and ``arm_convolve_1_x_n_s8`` both run
``arm_convolve_s8``), ``arm_max_pool_s8``, ``arm_fully_connected_per_channel_s8``; TFLM
micro_speech's model (``tiny_conv``: depthwise 10 x 8, 8 channels, stride 2, SAME on 49 x 40
features, then 4000 -> 4, softmax) through ``arm_depthwise_conv_wrapper_s8``,
``arm_fully_connected_s8`` and ``arm_softmax_s8``, the kernels TFLM calls on a Cortex-M4.

Both sides get the same random int8 weights, int32 biases, per-channel multipliers and shifts
and zero points (TFLite's scheme; weights and data do not change the instruction counts of these
loops), and every output is checked against a numpy reference (``stages.models.int8.requantize``),
so a wrong kernel cannot report a good count. Counts: the measuring image
(``device.measure``, QEMU ``-icount``, (region - empty region) / calls)."""

from __future__ import annotations

import dataclasses
import os
import re
import tempfile
from pathlib import Path

import numpy as np

from ..device import measure as qh
from ..errors import SensorflowError
from ..stages.models.int8 import requantize

BOARD = "qemu-mps2-an386"
RUNTIME = Path(__file__).resolve().parents[1] / "runtime" / "c"
ENV = "SENSORFLOW_CMSIS_NN_DIR"
NN_DEFINES = ("ARM_NN_ENABLE_F32=0", "ARM_NN_ENABLE_F16=0")
SCRATCH_WORDS = 1024  # int16 scratch for arm_convolve_s8 (2 im2col columns) and the depthwise conv


@dataclasses.dataclass(frozen=True)
class Net:
    """conv1d layers (filters, kernel, stride) on ``steps x c_in`` time-major frames, global max
    pooling, then dense layers (n_out, relu); no conv layers: dense layers on ``c_in`` features."""

    name: str
    steps: int
    c_in: int
    convs: tuple[tuple[int, int, int], ...]
    dense: tuple[tuple[int, bool], ...]


NETS = (
    Net("wakeword", 39, 32, ((16, 3, 2), (32, 3, 2), (32, 3, 1)), ((2, False),)),
    Net("gesture_cnn", 100, 6, ((16, 5, 1), (16, 5, 2), (16, 5, 2)), ((4, False),)),
    Net("gesture_mlp", 1, 60, (), ((16, True), (4, False))),
)


@dataclasses.dataclass
class Layer:
    """One int8 layer with its parameters; ``geom`` = (steps, c_in, kernel, stride) for a conv."""

    sym: str
    w: np.ndarray  # (n_out, n_in) int8, conv rows time-major (tap, channel) as both libraries store them
    b: np.ndarray
    mult: np.ndarray
    shift: np.ndarray
    zi: int
    zo: int
    relu: bool
    geom: tuple[int, int, int, int] | None = None

    @property
    def n_out(self) -> int:
        return self.w.shape[0]

    @property
    def n_in(self) -> int:
        return self.w.shape[1]

    @property
    def lo(self) -> int:
        return self.zo if self.relu else -128

    @property
    def steps_out(self) -> int:
        steps, _, kernel, stride = self.geom
        return (steps - kernel) // stride + 1

    @property
    def in_len(self) -> int:
        return self.geom[0] * self.geom[1] if self.geom else self.n_in

    @property
    def out_len(self) -> int:
        return self.steps_out * self.n_out if self.geom else self.n_out


def cmsis_nn_dir() -> Path | None:
    """The CMSIS-NN checkout named by $SENSORFLOW_CMSIS_NN_DIR, or None when unset."""
    value = os.environ.get(ENV)
    if not value:
        return None
    root = Path(value)
    if not (root / "Include" / "arm_nnfunctions.h").is_file() or not (root / "Source").is_dir():
        raise SensorflowError(
            f"{ENV}={value}: no Include/arm_nnfunctions.h and Source/ there; point it at a CMSIS-NN checkout"
        )
    return root


def _layer(rng, sym: str, n_in: int, n_out: int, relu: bool, zi: int, geom=None) -> Layer:
    # output spread of a few tens of codes: |acc| ~ 73^2 sqrt(n_in), multiplier ~ 0.75 * 2^shift
    shift = int(round(np.log2(40 / (5300 * np.sqrt(n_in) * 0.75))))
    return Layer(
        sym,
        rng.integers(-127, 128, size=(n_out, n_in)),
        rng.integers(-3000, 3000, size=n_out),
        rng.integers(2**30, 2**31 - 1, size=n_out),
        np.full(n_out, shift),
        zi,
        int(rng.integers(-128, -60)) if relu else int(rng.integers(-20, 20)),
        relu,
        geom,
    )


def build_layers(net: Net, rng) -> list[Layer]:
    """Random parameters of every layer of ``net``, each layer's input zero point the previous output's."""
    layers: list[Layer] = []
    steps, c, zi = net.steps, net.c_in, int(rng.integers(-128, 0))
    for k, (filters, kernel, stride) in enumerate(net.convs):
        L = _layer(rng, f"{net.name}{k}", kernel * c, filters, True, zi, (steps, c, kernel, stride))
        layers.append(L)
        steps, c, zi = L.steps_out, filters, L.zo
    for n_out, relu in net.dense:
        L = _layer(rng, f"{net.name}{len(layers)}", c, n_out, relu, zi)
        layers.append(L)
        c, zi = n_out, L.zo
    return layers


def _dense_ref(L: Layer, x: np.ndarray) -> np.ndarray:
    acc = (x.astype(np.int64) - L.zi) @ L.w.T.astype(np.int64) + L.b
    return np.clip(L.zo + requantize(acc, L.mult, L.shift), L.lo, 127).astype(np.int8)


def layer_ref(L: Layer, x: np.ndarray) -> np.ndarray:
    """The int8 output of one layer on flat int8 input ``x`` (TFLite's arithmetic)."""
    if L.geom is None:
        return _dense_ref(L, x)
    steps, c, kernel, stride = L.geom
    frames = x.reshape(steps, c)
    patches = np.stack([frames[t * stride : t * stride + kernel].ravel() for t in range(L.steps_out)])
    return _dense_ref(L, patches).ravel()


def net_ref(layers: list[Layer], x: np.ndarray) -> np.ndarray:
    h = x
    for L in layers:
        if L.geom is None and layers[0].geom is not None and h.size != L.n_in:
            h = h.reshape(-1, L.n_in).max(axis=0)  # global max pooling over time
        h = layer_ref(L, h)
    return h


def _carr(name: str, ctype: str, values) -> str:
    v = np.asarray(values).ravel()
    return f"static const {ctype} {name}[{len(v)}] = {{{', '.join(str(int(x)) for x in v)}}};\n"


def _params(L: Layer) -> str:
    s = L.sym
    return (
        _carr(f"{s}_w", "int8_t", L.w)
        + _carr(f"{s}_b", "int32_t", L.b)
        + _carr(f"{s}_bf", "int32_t", L.b - L.zi * L.w.sum(axis=1))
        + f"static int32_t {s}_m[{L.n_out}] = {{{', '.join(str(int(v)) for v in L.mult)}}};\n"
        + f"static int32_t {s}_s[{L.n_out}] = {{{', '.join(str(int(v)) for v in L.shift)}}};\n"
        + _carr(f"{s}_s8", "int8_t", L.shift)
        + f"static const sf_q8_layer {s}_L = {{{s}_w, {s}_bf, {s}_m, {s}_s8, 0, {L.n_in}u, {L.n_out}u, {L.zo}, {L.lo}}};\n"
    )


def _sf_call(L: Layer, src: str, dst: str) -> str:
    if L.geom is None:
        return f"    sf_q8_dense({src}, &{L.sym}_L, {dst});\n"
    steps, c, kernel, stride = L.geom
    return f"    sf_q8_conv1d({src}, {steps}u, {c}u, {kernel}u, {stride}u, &{L.sym}_L, {dst});\n"


def _nn_call(L: Layer, src: str, dst: str) -> str:
    s, q = L.sym, f"const cmsis_nn_per_channel_quant_params q = {{{L.sym}_m, {L.sym}_s}};"
    if L.geom is None:
        return (
            f"    {{ {q}\n      const cmsis_nn_fc_params p = {{{-L.zi}, 0, {L.zo}, {{{L.lo}, 127}}}};\n"
            f"      const cmsis_nn_dims id = {{1, 1, 1, {L.n_in}}}, fd = {{{L.n_in}, 1, 1, {L.n_out}}}, "
            f"bd = {{1, 1, 1, {L.n_out}}}, od = {{1, 1, 1, {L.n_out}}};\n"
            f"      arm_fully_connected_per_channel_s8(&no_ctx, &p, &q, &id, {src}, &fd, {s}_w, &bd, {s}_b, &od, {dst}); }}\n"
        )
    steps, c, kernel, stride = L.geom
    return (
        f"    {{ {q}\n      const cmsis_nn_conv_params p = {{{-L.zi}, {L.zo}, {{{stride}, 1}}, {{0, 0}}, {{1, 1}}, {{{L.lo}, 127}}}};\n"
        f"      const cmsis_nn_dims id = {{1, 1, {steps}, {c}}}, fd = {{{L.n_out}, 1, {kernel}, {c}}}, "
        f"bd = {{1, 1, 1, {L.n_out}}}, od = {{1, 1, {L.steps_out}, {L.n_out}}};\n"
        f"      arm_convolve_wrapper_s8(&nn_ctx, &p, &q, &id, {src}, &fd, {s}_w, &bd, {s}_b, &od, {dst}); }}\n"
    )


def _nn_pool(steps: int, c: int, src: str, dst: str) -> str:
    return (
        f"    {{ const cmsis_nn_pool_params p = {{{{{steps}, 1}}, {{0, 0}}, {{-128, 127}}}};\n"
        f"      const cmsis_nn_dims id = {{1, 1, {steps}, {c}}}, fd = {{1, 1, {steps}, 1}}, od = {{1, 1, 1, {c}}};\n"
        f"      arm_max_pool_s8(&nn_ctx, &p, &id, {src}, &fd, &od, {dst}); }}\n"
    )


def _entry(name: str, n_inputs: int, n_out: int, body: str) -> str:
    """``int name(int i)`` writing ``out_name[i]``, and ``name_report(i)`` printing it."""
    return (
        f"static int8_t out_{name}[{n_inputs}][{n_out}];\nint {name}(int i);\nint {name}(int i)\n{{\n"
        f"    int8_t *y = out_{name}[i];\n{body}    return y[0];\n}}\n"
        f"void {name}_report(int i);\nvoid {name}_report(int i) {{ emit(out_{name}[i], {n_out}); }}\n"
    )


def _net_body(name: str, layers: list[Layer], side: str, x: str) -> str:
    """The whole net: layers on ping-pong buffers, global max pooling before the first dense layer."""
    call = _sf_call if side == "sf" else _nn_call
    src, code = x, ""
    for k, L in enumerate(layers):
        last = k == len(layers) - 1
        dst = "y" if last else f"{name}_buf{k % 2}"
        if L.geom is None and k > 0 and layers[k - 1].geom is not None:
            prev = layers[k - 1]
            if side == "sf":
                code += f"    sf_q8_maxpool({src}, {prev.steps_out}u, {prev.n_out}u, {name}_pool);\n"
            else:
                code += _nn_pool(prev.steps_out, prev.n_out, src, f"{name}_pool")
            src = f"{name}_pool"
        code += call(L, src, dst)
        src = dst
    return code


@dataclasses.dataclass
class Plan:
    """The measured entries: (entry, net, layer index or None for the whole net, side, expected outputs)."""

    source: str
    entries: list[tuple[str, str, int | None, str, np.ndarray]]


def plan(n_inputs: int, with_nn: bool, seed: int = 0) -> Plan:
    """One C file holding every entry (sensorflow and, with ``with_nn``, CMSIS-NN) and their expected outputs."""
    rng = np.random.default_rng(seed)
    sides = ("sf", "nn") if with_nn else ("sf",)
    head = ['#include "bench.h"', '#include "sf_q8.h"']
    if with_nn:
        head += [
            '#include "arm_nnfunctions.h"',
            f"static int16_t scratch[{SCRATCH_WORDS}];",
            "static const cmsis_nn_context nn_ctx = {scratch, sizeof scratch};",
            "static const cmsis_nn_context no_ctx = {0, 0};",
        ]
    head.append(
        "static void emit(const int8_t *y, int n)\n{\n    int k;\n"
        "    for (k = 0; k < n; k++) bench_out_u32((uint32_t)(uint8_t)y[k]);\n}\n"
    )
    parts, entries = ["\n".join(head) + "\n"], []
    for net in NETS:
        layers = build_layers(net, rng)
        parts += [_params(L) for L in layers]
        widest = max(L.out_len for L in layers)
        parts.append(
            f"static int8_t {net.name}_buf0[{widest}], {net.name}_buf1[{widest}], {net.name}_pool[{widest}];\n"
        )
        inputs = []
        for k, L in enumerate(layers):
            lo = -128 if k == 0 else layers[k - 1].zo
            n_in = L.in_len
            x = rng.integers(lo, 128, size=(n_inputs, n_in))
            inputs.append(x)
            parts.append(_carr(f"{L.sym}_x", "int8_t", x))
            want = np.stack([layer_ref(L, row) for row in x])
            for side in sides:
                e = f"{side}_{L.sym}"
                body = (_sf_call if side == "sf" else _nn_call)(L, f"{L.sym}_x + i * {n_in}", "y")
                parts.append(_entry(e, n_inputs, L.out_len, body))
                entries.append((e, net.name, k, side, want))
        want = np.stack([net_ref(layers, row) for row in inputs[0]])
        for side in sides:
            e = f"{side}_{net.name}_all"
            parts.append(
                _entry(
                    e,
                    n_inputs,
                    layers[-1].n_out,
                    _net_body(net.name, layers, side, f"{layers[0].sym}_x + i * {layers[0].in_len}"),
                )
            )
            entries.append((e, net.name, None, side, want))
    if with_nn:
        src, ms_entries = _micro_speech(rng, n_inputs)
        parts.append(src)
        entries += ms_entries
    parts.append(
        "void bench_report(int i);\nvoid bench_report(int i) { REPORT(i); } /* REPORT: the measured entry's */\n"
    )
    return Plan("".join(parts), entries)


# TFLM micro_speech's model (tiny_conv): 49 x 40 int8 features, depthwise conv 10 x 8 x 8 channels,
# stride 2, SAME (pad 4 rows, 3 columns), ReLU -> 25 x 20 x 8 = 4000 -> fully connected 4, softmax.
MS_IN, MS_OUT, MS_K, MS_PAD = (49, 40), (25, 20), (10, 8), (4, 3)


def _micro_speech_ref(x, w, b, mult, shift, zi, zo, fw, fb, fmult, fshift, fzo):
    H, W = MS_IN
    xp = np.zeros((H + 2 * MS_PAD[0] + 1, W + 2 * MS_PAD[1] + 1), np.int64)  # padding = zero after the offset
    xp[MS_PAD[0] : MS_PAD[0] + H, MS_PAD[1] : MS_PAD[1] + W] = x.reshape(H, W).astype(np.int64) - zi
    acc = np.zeros((*MS_OUT, 8), np.int64)
    for ky in range(MS_K[0]):
        for kx in range(MS_K[1]):
            tap = xp[ky : ky + 2 * MS_OUT[0] : 2, kx : kx + 2 * MS_OUT[1] : 2]
            acc += tap[:, :, None] * w[ky, kx][None, None, :]
    h = np.clip(zo + requantize(acc + b, mult, shift), zo, 127)
    facc = (h.reshape(-1) - zo) @ fw.T.astype(np.int64) + fb
    return np.clip(fzo + requantize(facc, fmult, fshift), -128, 127).astype(np.int8)


def _micro_speech(rng, n_inputs: int):
    x = rng.integers(-128, 128, size=(n_inputs, MS_IN[0] * MS_IN[1]))
    w = rng.integers(-127, 128, size=(*MS_K, 8))
    b = rng.integers(-3000, 3000, size=8)
    mult = rng.integers(2**30, 2**31 - 1, size=8)
    shift = np.full(8, -9)
    zi, zo, fzo = -128, -128, 10
    fw = rng.integers(-127, 128, size=(4, 4000))
    fb = rng.integers(-3000, 3000, size=4)
    fmult, fshift = 1518500250, -12
    want = np.stack([_micro_speech_ref(r, w, b, mult, shift, zi, zo, fw, fb, fmult, fshift, fzo) for r in x])
    src = (
        _carr("ms_x", "int8_t", x)
        + _carr("ms_w", "int8_t", w)
        + _carr("ms_b", "int32_t", b)
        + f"static int32_t ms_m[8] = {{{', '.join(str(int(v)) for v in mult)}}};\n"
        + "static int32_t ms_s[8] = {-9, -9, -9, -9, -9, -9, -9, -9};\n"
        + _carr("ms_fw", "int8_t", fw)
        + _carr("ms_fb", "int32_t", fb)
        + "static int8_t ms_h[4000], ms_probs[4];\n"
    )
    dw = (
        "    { const cmsis_nn_dw_conv_params p = {128, -128, 8, {2, 2}, {3, 4}, {1, 1}, {-128, 127}};\n"
        "      const cmsis_nn_per_channel_quant_params q = {ms_m, ms_s};\n"
        "      const cmsis_nn_dims id = {1, 49, 40, 1}, fd = {1, 10, 8, 8}, bd = {1, 1, 1, 8}, od = {1, 25, 20, 8};\n"
        "      arm_depthwise_conv_wrapper_s8(&nn_ctx, &p, &q, &id, ms_x + i * 1960, &fd, ms_w, &bd, ms_b, &od, ms_h); }\n"
    )
    fc = (
        f"    {{ const cmsis_nn_fc_params p = {{128, 0, {fzo}, {{-128, 127}}}};\n"
        f"      const cmsis_nn_per_tensor_quant_params q = {{{fmult}, {fshift}}};\n"
        "      const cmsis_nn_dims id = {1, 1, 1, 4000}, fd = {4000, 1, 1, 4}, bd = {1, 1, 1, 4}, od = {1, 1, 1, 4};\n"
        "      arm_fully_connected_s8(&no_ctx, &p, &q, &id, ms_h, &fd, ms_fw, &bd, ms_fb, &od, y); }\n"
    )
    softmax = "    arm_softmax_s8(y, 1, 4, 1717986918, 22, -248, ms_probs);\n"
    src += _entry("nn_ms_dwconv_fc", n_inputs, 4, dw + fc)
    src += _entry("nn_ms_all", n_inputs, 4, dw + fc + softmax)
    return src, [("nn_ms_dwconv_fc", "micro_speech", 0, "nn", want), ("nn_ms_all", "micro_speech", None, "nn", want)]


def _objects(root: Path | None, work: Path) -> list[Path]:
    objs = [qh.compile_object(RUNTIME / "sf_q8.c", BOARD, include_dirs=[RUNTIME], out=work / "sf_q8.o")]
    if root is not None:
        for p in sorted((root / "Source").glob("*/*.c")):
            if not re.search(r"_f(16|32)(_|$)|_flt$", p.stem):
                objs.append(
                    qh.compile_object(
                        p, BOARD, include_dirs=[root / "Include"], defines=NN_DEFINES, out=work / "nn" / f"{p.stem}.o"
                    )
                )
    return objs


@dataclasses.dataclass
class Result:
    entry: str
    net: str
    layer: int | None
    side: str
    instructions: float
    stack: int
    matches_reference: bool


def measure(n_inputs: int = 4, repeat: int = 2) -> tuple[list[Result], Path | None]:
    """Instructions per call of every entry; CMSIS-NN's only when $SENSORFLOW_CMSIS_NN_DIR is set."""
    root = cmsis_nn_dir()
    p = plan(n_inputs, root is not None)
    incs = [RUNTIME] + ([root / "Include"] if root else [])
    results = []
    with tempfile.TemporaryDirectory(prefix="sf-bench-int8-") as d:
        work = Path(d)
        src = work / "int8_kernels.c"
        src.write_text(p.source)
        objs = _objects(root, work / "obj")
        for entry, net, layer, side, want in p.entries:
            m = qh.measure_c(
                [src, *objs],
                entry,
                BOARD,
                n_inputs=n_inputs,
                repeat=repeat,
                include_dirs=incs,
                defines=(*NN_DEFINES, f"REPORT={entry}_report"),
                workdir=work / entry,
            )
            got = np.array(m.words, dtype=np.uint32).astype(np.uint8).view(np.int8)
            ok = got.size == want.size and bool(np.array_equal(got.reshape(want.shape), want))
            results.append(Result(entry, net, layer, side, m.instructions_per_call, m.stack_bytes, ok))
    return results, root
