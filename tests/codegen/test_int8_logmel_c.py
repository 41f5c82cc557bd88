"""The integer pipeline: a q15 log_mel streaming straight into an int8 conv1d (library.fused_codes).
No float feature vector and an int8 ring of the net's input codes; every window's label and
scores equal the int8 reference (Int8Reference: the float features quantised in numpy) bit for
bit, on the window path, the stream (whatever the push sizes) and _classify, under ASan/UBSan."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from conftest import need_board, need_tools

from sensorflow.dsp import fixed
from sensorflow.hil.int8_reference import Int8Reference
from sensorflow.pipeline import Pipeline
from sensorflow.stages.models.int8 import quantize_floats, quantize_multiplier, quantize_q16
from sensorflow.testing import ccompare

SR, LENGTH, HOP = 8000, 2400, 400


# conv1d variants; the window hop is 2 frames. Every layer streamed (library.streams_layers) when
# there is no center_window and the strides' product divides 2; else the window's net per window.
CASES = {
    "centred": dict(filters=[5, 6], strides=[2, 1], center_window=True),
    "aligned": dict(filters=[5, 6, 4], strides=[1, 2, 1], center_window=False),
    "aligned-avg": dict(filters=[5, 6], strides=[2, 1], center_window=False, pool="avg"),
    "misaligned": dict(filters=[5, 6], strides=[2, 2], center_window=False),
}
STREAMED = {"aligned", "aligned-avg"}


def _pipeline_and_signal(case: str = "centred"):
    from sensorflow.dsp import synth

    mel = {"type": "log_mel", "n_fft": 256, "win_length": 200, "hop_length": 200, "center": False, "n_mels": 12}
    mel.update({"fmin": 20, "fmax": 3800, "top_db": None, "q15_scale": 2**-15})
    conv = {"type": "conv1d", "kernel_size": 3, **CASES[case]}
    conv.update({"epochs": 3, "random_state": 0})
    cfg = {
        "name": "int8_logmel",
        "sensor": {"kind": "audio", "sample_rate": SR, "channels": ["mic"]},
        "window": {"length": LENGTH, "hop": HOP},
        "stages": [mel, conv, {"type": "smooth", "windows": 3}],
    }
    pipe = Pipeline.from_string(yaml.safe_dump(cfg), source="<test>")
    rng = np.random.default_rng(0)
    parts = [synth.vowels(1.0, SR, seed=s) * a for s, a in ((1, 0.5), (2, 0.02), (3, 0.2))]
    signal = np.concatenate(parts + [rng.standard_normal(SR) * 0.05]).astype(np.float32)[:, None]
    windows = np.stack([signal[i : i + LENGTH] for i in range(0, len(signal) - LENGTH + 1, HOP)])
    pipe.fit(windows, (np.arange(len(windows)) // 3) % 2)
    return pipe, signal, windows


def test_q16_codes_equal_quantised_float_features():
    rng = np.random.default_rng(1)
    c = np.concatenate([np.arange(-70000, 70000), rng.integers(-(1 << 23), 1 << 23, 200000)])
    for scale, zp in ((0.05, -128), (0.41, -17), (1.7, 40), (9.3, 127)):
        mult, shift = quantize_multiplier(1.0 / scale)
        want = quantize_floats((c * 2.0**-16).astype(np.float32), mult, shift, zp)
        np.testing.assert_array_equal(quantize_q16(c, mult, shift, zp), want)


@pytest.mark.parametrize("sanitize", [False, True], ids=["strict-O2", "asan-ubsan"])
def test_integer_pipeline_equals_int8_reference(tmp_path, sanitize):
    need_tools("cc")
    pipe, signal, windows = _pipeline_and_signal()
    h = ccompare.build(pipe, tmp_path, sanitize=sanitize, opt="-O1" if sanitize else "-O2", numeric="int8")
    src = (tmp_path / "sf_model.c").read_text()
    assert "float vec[" not in src and "int8_t s0_ring[" in src  # no float features, an int8 ring
    assert "int32_t s1_qpos[" in src and "s1_qr0[" not in src  # center_window: the net per window
    ref = Int8Reference(pipe)
    want = ref.predict_proba(windows).astype(np.float32)
    feats = pipe.transform(windows).astype(np.float32)
    labels, scores, got_feats = h.infer(windows)
    np.testing.assert_array_equal(got_feats.view(np.uint32), feats.view(np.uint32))
    np.testing.assert_array_equal(h.features(windows).view(np.uint32), feats.view(np.uint32))
    np.testing.assert_array_equal(scores.view(np.uint32), want.view(np.uint32))
    np.testing.assert_array_equal(labels, np.argmax(want, axis=1))
    c_labels, c_scores = h.classify(feats)
    np.testing.assert_array_equal(c_scores.view(np.uint32), want.view(np.uint32))
    np.testing.assert_array_equal(c_labels, labels)
    out = h.stream(signal, np.random.default_rng(3).integers(1, 700, 80))
    last = np.cumsum([o["n_windows"] for o in out]) - 1
    assert last[-1] == len(windows) - 1
    for o, w in zip(out, last):
        np.testing.assert_array_equal(o["scores"], want[w], err_msg=f"window {w}")
    # _push_i16 on the int16 counts of the same signal (what _push quantises it to): same windows
    assert "#define SF_MODEL_I16_SCALE  3.0517578e-05f" in (tmp_path / "sf_model.h").read_text()
    counts = fixed.quantize(signal, 15)
    out16 = h.stream(counts, np.random.default_rng(4).integers(1, 700, 80), counts=True)
    last = np.cumsum([o["n_windows"] for o in out16]) - 1
    assert last[-1] == len(windows) - 1
    for o, w in zip(out16, last):
        np.testing.assert_array_equal(o["scores"], want[w], err_msg=f"window {w} (int16 counts)")


@pytest.mark.parametrize("sanitize", [False, True], ids=["strict-O2", "asan-ubsan"])
@pytest.mark.parametrize("case", ["aligned", "aligned-avg", "misaligned"])
def test_streamed_layers_equal_int8_reference(tmp_path, sanitize, case):
    """Without center_window and with a window hop that keeps the strides' phase, every conv
    layer runs as its frames arrive (per-layer rings of codes, no per-frame sums kept): each
    streamed window's scores equal the int8 reference bit for bit, through ``_push`` and
    ``_push_i16`` with random push sizes, after a reset (``_init``) in the middle of a frame;
    a misaligned hop keeps the per-window net and agrees too; the window path is unchanged."""
    need_tools("cc")
    pipe, signal, windows = _pipeline_and_signal(case)
    h = ccompare.build(pipe, tmp_path, sanitize=sanitize, opt="-O1" if sanitize else "-O2", numeric="int8")
    src = (tmp_path / "sf_model.c").read_text()
    streamed = case in STREAMED
    assert ("int8_t s1_qr0[" in src) == streamed and ("int32_t s1_qpos[" in src) == (not streamed)
    ref = Int8Reference(pipe)
    want = ref.predict_proba(windows).astype(np.float32)
    assert len(windows) >= 20
    labels, scores, _ = h.infer(windows)
    np.testing.assert_array_equal(scores.view(np.uint32), want.view(np.uint32))
    np.testing.assert_array_equal(labels, np.argmax(want, axis=1))
    c_labels, c_scores = h.classify(pipe.transform(windows).astype(np.float32))
    np.testing.assert_array_equal(c_scores.view(np.uint32), want.view(np.uint32))
    rng = np.random.default_rng(5)
    noise = (rng.standard_normal((3 * LENGTH + 333, 1)) * 0.3).astype(np.float32)  # a partial frame at the reset
    for counts in (False, True):
        sig = np.concatenate([noise, signal])
        if counts:
            sig = fixed.quantize(sig, 15)
        out = h.stream(sig, rng.integers(1, 700, 80), counts=counts, reset_at=len(noise))
        at = out.index({"reset": True})
        assert sum(o["n_windows"] for o in out[:at]) == (len(noise) - LENGTH) // HOP + 1
        after = out[at + 1 :]
        last = np.cumsum([o["n_windows"] for o in after]) - 1
        assert last[-1] == len(windows) - 1
        for o, w in zip(after, last):
            np.testing.assert_array_equal(o["scores"], want[w], err_msg=f"window {w} (counts: {counts})")
            assert o["label"] == np.argmax(want[w])


def test_float_numeric_keeps_the_feature_vector(tmp_path):
    """--numeric float: the model reads float features (the q15 log-mel's as floats)."""
    need_tools("cc")
    pipe, _, windows = _pipeline_and_signal()
    h = ccompare.build(pipe, tmp_path, numeric="float")
    assert "float vec[" in (tmp_path / "sf_model.c").read_text()
    _, scores, _ = h.infer(windows)
    np.testing.assert_allclose(scores, pipe.predict_proba(windows), atol=1e-5)


@pytest.mark.emulator
@pytest.mark.slow
@pytest.mark.parametrize("board", ["qemu-mps2-an386", "qemu-riscv32", "qemu-xtensa-lx106"])
@pytest.mark.parametrize("counts", [False, True], ids=["push", "push_i16"])
@pytest.mark.parametrize("case", ["centred", "aligned"])
def test_emulated_stream_equals_int8_reference(tmp_path, board, counts, case):
    """The stream on the emulated board (measuring image, -O2): each completed window's label
    and scores, as float32 bits, equal the int8 reference's; through ``_push`` on the float
    signal, or ``_push_i16`` on its int16 counts; the net per window (centred) or every layer
    streamed (aligned)."""
    from sensorflow.codegen.c import generate
    from sensorflow.device import boards, measure
    from sensorflow.errors import ToolMissingError

    need_board(board)
    pipe, signal, windows = _pipeline_and_signal(case)
    b = boards.get(board)
    gen = generate(pipe, None, board=b, numeric="int8")
    assert ("s1_qr0[" in gen.files["sf_model.c"]) == (case in STREAMED)
    lib = tmp_path / "lib"
    gen.write(lib)
    n_push = len(signal) // HOP
    if counts:
        rows = ",".join(str(int(v)) for v in fixed.quantize(signal[:, 0], 15))
        decl, push = f"static const int16_t sig[{len(signal)}]", "sf_model_push_i16"
    else:
        rows = ",".join(f"{float(v):.9g}f" for v in signal[:, 0])
        decl, push = f"static const float sig[{len(signal)}]", "sf_model_push"
    (tmp_path / "stream.c").write_text(
        '#include "sf_model.h"\n#include "bench.h"\n'
        f"{decl} = {{{rows}}};\n"
        f"static float got[{n_push}][2];\nstatic int labels[{n_push}], calls, ready;\n"
        "int stream_entry(int i);\n"
        "int stream_entry(int i)\n{\n    int w, label = -1;\n    float sc[2];\n"
        "    if (!ready) { sf_model_init(); ready = 1; }\n"
        f"    w = {push}(&sig[i * {HOP}], {HOP});\n"
        "    if (w > 0) sf_model_last(sc, &label, 0);\n"
        f"    if (calls < {n_push}) {{ labels[calls] = label; got[calls][0] = sc[0]; got[calls][1] = sc[1]; calls++; }}\n"
        "    return label;\n}\n"
        "void bench_report(int i) { bench_out_f32(got[i][0]); bench_out_f32(got[i][1]); }\n"
    )
    try:
        res = measure.measure_c(
            [tmp_path / "stream.c", *(lib / s for s in gen.sources)], "stream_entry", board, n_inputs=n_push,
            include_dirs=[lib], defines=tuple(b.toolchain.defines), workdir=tmp_path / "w",
        )  # fmt: skip
    except ToolMissingError as exc:
        pytest.skip(str(exc))
    first = LENGTH // HOP - 1  # the push that completes window 0
    want = Int8Reference(pipe).predict_proba(windows).astype(np.float32)
    labels = np.asarray(res.results)[first:]
    words = np.array(res.words, dtype=np.uint32).reshape(n_push, 2)[first:]
    np.testing.assert_array_equal(labels, np.argmax(want, axis=1))
    np.testing.assert_array_equal(words, want.view(np.uint32))
