"""The int8 ``conv1d`` (``stages.models.int8_conv``, C ``sf_q8_conv1d`` / ``sf_q8_maxpool``):
calibration recorded at fit, accuracy within 3 points of float, the generated C (strict flags,
ASan/UBSan) and the emulated boards give the numpy reference's int8 logits and labels bit for
bit, each conv layer equals onnxruntime's MatMulInteger graph on its im2col patches within 1 LSB
(differences explained), unsupported settings stay float with ``auto``."""

from __future__ import annotations

import copy
import subprocess
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import need_board
from int8_cases import fitted_conv, stage_program

from sensorflow.codegen import numeric
from sensorflow.codegen.c.library import runtime_files
from sensorflow.device import measure
from sensorflow.device.toolchain import STRICT_CFLAGS
from sensorflow.errors import ConfigError, ToolMissingError
from sensorflow.nn import conv1d as nn
from sensorflow.stages.models.int8 import layer_forward, scores
from sensorflow.stages.models.int8_conv import avg_divider, avg_pool, quantize_conv
from sensorflow.testing.ccompare import SANITIZE, host_cc

MAIN = """
#include <stdio.h>
#include <stdint.h>
int q8_entry(int i);
void bench_report(int i);
void bench_out_u32(uint32_t word);
void bench_out_u32(uint32_t word)
{
    printf(" %ld", (long)(int32_t)word);
}
int main(void)
{
    int i;
    for (i = 0; i < N_ROWS; i++) {
        printf("%d", q8_entry(i));
        bench_report(i);
        printf("\\n");
    }
    return 0;
}
"""


@pytest.fixture(
    scope="module",
    params=[
        ((1, 1), False, (8, 8), "max"),
        ((1, 2), False, (8, 8), "max"),
        ((1, 2), True, (8, 8), "max"),
        # odd filter counts, a patch of 15 codes (not a multiple of 4), odd output step counts
        # (9, 7): every tail of the Cortex-M4 kernels; TFLite average pooling
        ((2, 1), True, (5, 7), "avg"),
    ],
    ids=["stride1", "stride2", "centred", "odd-avg"],
)
def conv(request):
    strides, centred, filters, pool = request.param
    return fitted_conv(filters=filters, strides=strides, center_window=centred, pool=pool)


def test_calibration_and_accuracy(conv):
    m, Xtr, Xte, yte = conv
    assert m.int8_ranges_.shape == (1 + 2 * 2 + 2, 2)
    net = quantize_conv(m)
    acc_f = np.mean(m.predict(Xte) == yte)
    acc_q = np.mean(np.asarray(m.classes_)[net.predict_index(Xte)] == yte)
    floor = 0.8 if m.params.pool == "max" else 0.6  # averaging over time blurs the task's order cue
    assert acc_f >= floor and acc_q >= acc_f - 0.03, (acc_f, acc_q)


def test_c_equals_reference_bit_for_bit(conv, tmp_path):
    m, _, Xte, _ = conv
    net = quantize_conv(m)
    rows = np.concatenate([Xte, np.full((1, Xte.shape[1]), np.nan, np.float32)]).astype(np.float32)
    src, files = stage_program(m, rows, "int8")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "stage.c").write_text(src)
    (tmp_path / "main.c").write_text(MAIN)
    cs = [str(tmp_path / n) for n in files if n.endswith(".c")] + [str(tmp_path / "stage.c"), str(tmp_path / "main.c")]
    exe = tmp_path / "conv"
    cmd = [host_cc(), *STRICT_CFLAGS, "-O1", "-g", *SANITIZE, f"-DN_ROWS={len(rows)}", "-I", str(tmp_path), *cs]
    res = subprocess.run([*cmd, "-lm", "-o", str(exe)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[:4000]
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and not run.stderr, run.stderr[:3000]
    got = np.array([[int(v) for v in ln.split()] for ln in run.stdout.splitlines()], np.int64)
    logits = net.forward(net.quantize_input(rows))
    assert np.array_equal(got[:, 1:], logits.astype(np.int64))
    assert np.array_equal(got[:, 0], net.predict_index(rows))
    assert np.all(np.isfinite(scores(net, logits)))


def test_each_conv_layer_equals_onnxruntime(conv):
    pytest.importorskip("onnxruntime")
    from sensorflow.interop.onnx_q8 import explain, layer_graph, run

    m, Xtr, _, _ = conv
    net = quantize_conv(m)
    q = net.quantize_input(Xtr)
    h = q.reshape(len(q), net.convs[0].steps_in, net.convs[0].c_in)
    for i, c in enumerate(net.convs):
        p = nn.patches(h, c.kernel, c.stride).reshape(-1, c.kernel * c.c_in)
        if i == 0 and net.centring is not None:  # its per-window bias: checked against float below
            h = net.first_layer(q)
            continue
        want = layer_forward(c.layer, p)
        got = run(layer_graph(SimpleNamespace(layers=[c.layer]), 0), np.ascontiguousarray(p))
        diff = got.astype(np.int64) - want
        assert np.abs(diff).max() <= 1
        tie, near = explain(c.layer, p)
        assert np.all((tie | near)[diff != 0])
        h = want.reshape(len(q), c.steps_out, -1)


def test_centred_first_layer_is_the_float_layer_on_centred_codes(conv):
    """The per-window int32 bias equals, to within its rounding (0.5 accumulator unit plus the
    1 / steps multiplier's error), the float bias of the layer on the dequantised centred codes."""
    m, Xtr, _, _ = conv
    net = quantize_conv(m)
    if net.centring is None:
        pytest.skip("not centred")
    c0 = net.convs[0]
    q = net.quantize_input(Xtr).reshape(len(Xtr), c0.steps_in, c0.c_in).astype(np.float64)
    exact = net.centring.bias - q.mean(axis=1) @ net.centring.sums.astype(np.float64)
    got = net.centring.window_bias(q.astype(np.int8))
    assert np.abs(got - exact).max() <= 0.5 + 1e-3
    assert m.int8_ranges_[0, 0] < -2.5 and m.int8_ranges_[0, 1] > 2.5  # the uncentred input's range


def test_unsupported_settings_stay_float_with_auto(conv):
    m, Xtr, _, _ = conv
    old = copy.copy(m)
    old.int8_ranges_ = None  # an artifact from before int8 calibration
    for s, word in [(old, "retrain")]:
        assert not numeric.integer_for("conv1d", "auto", "none", s)
        assert numeric.integer_for("conv1d", "int8", "none", s)
        with pytest.raises(ConfigError, match=word):
            quantize_conv(s)
        (label,) = numeric.plan([(3, "conv1d", s)], "auto", "none")
        assert not label.integer and word in label.label
    assert numeric.integer_for("conv1d", "auto", "none", m)


@pytest.mark.emulator
@pytest.mark.slow
@pytest.mark.parametrize("board", ["qemu-mps2-an386", "qemu-riscv32", "qemu-xtensa-lx106"])
def test_emulated_boards_equal_reference(conv, board, tmp_path):
    need_board(board)
    m, _, Xte, _ = conv
    net = quantize_conv(m)
    rows = Xte[:16].astype(np.float32)
    src, files = stage_program(m, rows, "int8")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "stage.c").write_text(src)
    cs = [tmp_path / "stage.c"] + [tmp_path / n for n in files if n.endswith(".c")]
    try:
        res = measure.measure_c(
            cs, "q8_entry", board, n_inputs=len(rows), include_dirs=[tmp_path], workdir=tmp_path / "i"
        )
    except ToolMissingError as exc:
        pytest.skip(str(exc))
    assert np.array_equal(np.asarray(res.results), net.predict_index(rows))
    words = np.array(res.words, dtype=np.uint32).view(np.int32).reshape(len(rows), net.n_out)
    assert np.array_equal(words, net.forward(net.quantize_input(rows)).astype(np.int32))


def test_avg_pool_is_tflite_rounding_and_the_divider_is_exact():
    """TFLite's int8 AveragePool: acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n in C's
    truncating division (half away from zero), ties included; the device's multiply-shift
    divider equals the division for every reachable sum."""
    rng = np.random.default_rng(0)
    for steps in (1, 2, 3, 7, 9, 16, 39, 255):
        h = rng.integers(-128, 128, (64, steps, 5)).astype(np.int8)
        h[0] = -128
        h[1] = 127
        h[2, :, 0] = np.where(np.arange(steps) % 2 == 0, 1, 2)  # ties when steps is even
        s = h.astype(np.int64).sum(axis=1)
        half = steps // 2
        want = np.where(s > 0, (s + half) // steps, -((-s + half) // steps))
        assert np.array_equal(avg_pool(h), want.astype(np.int8))
        mult, shift = avg_divider(steps)
        n = np.arange(128 * steps + half + 1, dtype=np.uint64)
        if steps > 1:
            assert np.array_equal(((n * np.uint64(mult)) >> np.uint64(32)) >> np.uint64(shift), n // np.uint64(steps))
    assert avg_divider(10**6)[0] < 1 << 32


def test_runtime_files_are_shipped():
    assert "sf_q8.c" in runtime_files(["sf_q8"])


def test_hil_reference_of_an_int8_export(conv, tmp_path):
    import json

    from sensorflow.hil.int8_reference import Int8Reference, reference_for

    m, _, Xte, _ = conv
    pipe = SimpleNamespace(model=m, classes_=np.asarray(m.classes_), transform=lambda X, n_valid=None: X)
    assert reference_for(pipe, tmp_path) is pipe  # no export report: the float pipeline
    (tmp_path / "export_report.json").write_text(json.dumps({"stages": [{"type": "conv1d", "numeric": "float"}]}))
    assert reference_for(pipe, tmp_path) is pipe
    row = {"type": "conv1d", "numeric": "integer: " + numeric.INTEGER_PATHS["conv1d"]}
    (tmp_path / "export_report.json").write_text(json.dumps({"stages": [row]}))
    ref = reference_for(pipe, tmp_path)
    assert isinstance(ref, Int8Reference)
    net = quantize_conv(m)
    want = scores(net, net.forward(net.quantize_input(Xte)))
    assert np.array_equal(ref.predict_proba(Xte), want.astype(np.float64))
    assert np.array_equal(ref.predict(Xte), np.asarray(m.classes_)[net.predict_index(Xte)])


def test_demo_scores_with_what_the_board_runs(conv):
    """``sensorflow demo --numeric``: auto = the int8 reference on an FPU-less board, the float
    pipeline on the M4F; int8 everywhere when asked; float never int8."""
    from sensorflow.demo.runner import model_path
    from sensorflow.hil.int8_reference import Int8Reference

    m, _, Xte, _ = conv
    pipe = SimpleNamespace(model=m, classes_=np.asarray(m.classes_), transform=lambda X, n_valid=None: X)
    assert isinstance(model_path(pipe, "qemu-riscv32", "auto"), Int8Reference)
    assert model_path(pipe, "qemu-mps2-an386", "auto") is pipe
    assert model_path(pipe, "qemu-riscv32", "float") is pipe
    ref = model_path(pipe, "qemu-mps2-an386", "int8")
    net = quantize_conv(m)
    assert np.array_equal(ref.predict(Xte), np.asarray(m.classes_)[net.predict_index(Xte)])
