"""The generated C of the fixed-point stages (stats and band_energy with q15_scale) against
their numpy reference (sensorflow.dsp.fixed): bit for bit, under the strict flags at -O2 and
under ASan/UBSan, on noise, silence, full-scale alternation, values past int16 saturation,
subnormals and exact half-count ties."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from conftest import need_board, need_tools
from fixedcases import fixed_point_config

from sensorflow.pipeline import Pipeline
from sensorflow.testing import ccompare


def _pipeline(band_hop: int = 36, band_scales=None) -> Pipeline:
    cfg = fixed_point_config("fixed_c")
    cfg["stages"][1]["hop_length"] = band_hop
    if band_scales is not None:
        cfg["stages"][1]["q15_scale"] = band_scales
    return Pipeline.from_string(yaml.safe_dump(cfg), source="<test>")


def _windows() -> np.ndarray:
    rng = np.random.default_rng(0)
    X = (rng.standard_normal((7, 100, 2)) * [10, 1000]).astype(np.float32)
    X[1] = 0.0
    X[2] = np.where(np.arange(100)[:, None] % 2, 1e6, -1e6)
    X[3, :, 0], X[3, :, 1] = 3e38, 1e-40  # saturation, subnormal
    X[4, ::2, 0] = 2**-10  # exactly half a count: rounds away from zero
    X[4, 1::2, 0] = -(2**-10) * 3
    X[5, :, 1] = -32768 * 2**-4  # the most negative count
    return X


@pytest.mark.parametrize(
    "band_hop, band_scales, shared",
    [(36, None, True), (18, [2**-8, 2**-4], False)],
    ids=["two-frames-shared-counts", "three-frames-own-counts"],
)
@pytest.mark.parametrize("sanitize", [False, True], ids=["strict-O2", "asan-ubsan"])
def test_fixed_point_c_is_bit_identical(tmp_path, sanitize, band_hop, band_scales, shared):
    """Both stages at one scale run channel by channel on one quantisation of each channel
    (<prefix>_q15_step); at different scales each quantises its own; a band energy of three
    frames (a lone last one)."""
    need_tools("cc")
    pipe = _pipeline(band_hop, band_scales)
    X = _windows()
    ref = pipe.transform(X).astype(np.float32)
    built = ccompare.build(pipe, tmp_path, sanitize=sanitize, opt="-O1" if sanitize else "-O2")
    got = built.features(X)
    np.testing.assert_array_equal(got.view(np.uint32), ref.view(np.uint32))
    src = "\n".join(p.read_text() for p in tmp_path.rglob("*.c") if "sf_q15" not in p.name)
    assert ("_q15_step(window, " in src) == shared


@pytest.mark.parametrize("top_db", [None, 80.0])
@pytest.mark.parametrize("sanitize", [False, True], ids=["strict-O2", "asan-ubsan"])
def test_fixed_point_log_mel_c_is_bit_identical(tmp_path, sanitize, top_db):
    need_tools("cc")
    from sensorflow.dsp import synth

    sr = 16000
    stage = {"type": "log_mel", "n_fft": 512, "win_length": 400, "hop_length": 400, "center": False}
    stage.update({"n_mels": 32, "fmin": 20, "fmax": 7600, "top_db": top_db, "q15_scale": 2**-15})
    cfg = {
        "name": "fixed_mel_c",
        "sensor": {"kind": "audio", "sample_rate": sr, "channels": ["a", "b"]},
        "window": {"length": 4000, "hop": 4000},
        "stages": [stage],
    }
    pipe = Pipeline.from_string(yaml.safe_dump(cfg), source="<test>")
    X = np.stack([synth.vowels(0.25, sr, seed=i)[:4000] for i in range(8)]).reshape(4, 4000, 2).astype(np.float32)
    X[1] = 0.0  # silence
    X[2, :, 1] = np.where(np.arange(4000) % 40 < 20, 2.0, -2.0)  # saturating square wave
    ref = pipe.transform(X).astype(np.float32)
    got = ccompare.build(pipe, tmp_path, sanitize=sanitize, opt="-O1" if sanitize else "-O2").features(X)
    np.testing.assert_array_equal(got.view(np.uint32), ref.view(np.uint32))


@pytest.mark.parametrize("sanitize", [False, True], ids=["strict-O2", "asan-ubsan"])
def test_fixed_point_mfcc_c_is_bit_identical(tmp_path, sanitize):
    need_tools("cc")
    from sensorflow.dsp import synth

    sr = 16000
    stage = {"type": "mfcc", "n_fft": 512, "win_length": 400, "hop_length": 400, "center": False}
    stage.update({"n_mels": 32, "n_mfcc": 13, "fmin": 20, "fmax": 7600, "top_db": 60.0, "q15_scale": 2**-15})
    cfg = {
        "name": "fixed_mfcc_c",
        "sensor": {"kind": "audio", "sample_rate": sr, "channels": ["a"]},
        "window": {"length": 4000, "hop": 4000},
        "stages": [stage],
    }
    pipe = Pipeline.from_string(yaml.safe_dump(cfg), source="<test>")
    X = np.stack([synth.vowels(0.25, sr, seed=i)[:4000] for i in range(4)])[:, :, None].astype(np.float32)
    X[1] = 0.0
    ref = pipe.transform(X).astype(np.float32)
    got = ccompare.build(pipe, tmp_path, sanitize=sanitize, opt="-O1" if sanitize else "-O2").features(X)
    np.testing.assert_array_equal(got.view(np.uint32), ref.view(np.uint32))


@pytest.mark.parametrize("kind", ["log_mel", "mfcc"])
def test_fixed_point_log_mel_streams_frame_by_frame(tmp_path, kind):
    """The streaming path keeps the int16 counts of the frame being filled and a ring of the
    last n_frames frames' Q16 dB (no window buffer of floats): every window it completes gives
    the scores the batch path gives for that window, bit for bit, whatever the push sizes."""
    need_tools("cc")
    from sensorflow.dsp import synth

    sr = 16000
    stage = {"type": kind, "n_fft": 256, "win_length": 200, "hop_length": 200, "center": False, "n_mels": 20}
    stage.update({"fmin": 20, "fmax": 7600, "top_db": 60.0, "q15_scale": 2**-15})
    if kind == "mfcc":
        stage["n_mfcc"] = 8
    cfg = {
        "name": "fixed_mel_stream",
        "sensor": {"kind": "audio", "sample_rate": sr, "channels": ["a", "b"]},
        "window": {"length": 2000, "hop": 400},
        "stages": [stage, {"type": "logistic"}],
    }
    pipe = Pipeline.from_string(yaml.safe_dump(cfg), source="<test>")
    signal = np.stack([synth.vowels(1.0, sr, seed=s)[:12000] for s in (1, 2)], axis=1).astype(np.float32)
    windows = np.stack([signal[i : i + 2000] for i in range(0, 12000 - 2000 + 1, 400)])
    pipe.fit(windows, np.arange(len(windows)) % 2)
    h = ccompare.build(pipe, tmp_path, sanitize=True, opt="-O1")
    assert "_pend" in (tmp_path / "sf_model.c").read_text()  # the frame-streaming state, no float window
    _, batch_scores, feats = h.infer(windows)
    np.testing.assert_array_equal(feats.view(np.uint32), pipe.transform(windows).astype(np.float32).view(np.uint32))
    out = h.stream(signal, np.random.default_rng(3).integers(1, 900, 60))
    last = np.cumsum([o["n_windows"] for o in out]) - 1
    assert last[-1] == len(windows) - 1
    for o, w in zip(out, last):
        np.testing.assert_array_equal(o["scores"], batch_scores[w], err_msg=f"window {w}")
    # _push_i16 on the two channels' int16 counts (interleaved, as _push takes floats): same windows
    from sensorflow.dsp import fixed

    out16 = h.stream(fixed.quantize(signal, 15), np.random.default_rng(5).integers(1, 900, 60), counts=True)
    last = np.cumsum([o["n_windows"] for o in out16]) - 1
    assert last[-1] == len(windows) - 1
    for o, w in zip(out16, last):
        np.testing.assert_array_equal(o["scores"], batch_scores[w], err_msg=f"window {w} (int16 counts)")


def _count_cases() -> np.ndarray:
    """float32 values around every kind of count boundary: half counts and their neighbours
    (ulp steps), saturation edges, NaN, +-inf, -0, subnormals, huge values."""
    rng = np.random.default_rng(7)
    n = np.concatenate([np.arange(-40, 40), rng.integers(-33000, 33000, 400), [32766, 32767, 32768, -32768, -32769]])
    half = (n + 0.5).astype(np.float32)
    near = [np.nextafter(half, np.float32(np.inf)), np.nextafter(half, np.float32(-np.inf))]
    special = np.array([np.nan, -np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-45, -1e-40, 3e38, -3e38, 2.0**31, -(2.0**31),
                        2.0**24 + 2, 0.49999997, -0.49999997, 0.5, -0.5], np.float32)  # fmt: skip
    return np.concatenate([half, *near, n.astype(np.float32), rng.standard_normal(300).astype(np.float32) * 40000,
                           special]).astype(np.float32)  # fmt: skip


@pytest.mark.emulator
@pytest.mark.slow
@pytest.mark.parametrize("k", [0, 15, -3, 7, 9, 10, -120])
def test_quantize_fpu_path_equals_reference(tmp_path, k):
    """sf_q15_quantize on the emulated Cortex-M4F, whose single-precision FPU path (VCVT, SSAT)
    must give the counts of the bit-decoding path: fixed.quantize on values scaled by 2^-k."""
    from sensorflow.codegen.c.library import RUNTIME_DIR
    from sensorflow.device import boards, measure
    from sensorflow.dsp import fixed
    from sensorflow.errors import ToolMissingError

    board = "qemu-mps2-an386"
    need_board(board)
    with np.errstate(over="ignore"):  # 3e38 * 2^3 -> inf, a case of its own
        x = (_count_cases().astype(np.float64) * 2.0**-k).astype(np.float32)  # exact: a power of two
    words = ",".join(f"0x{int(w):08x}u" for w in x.view(np.uint32))
    n_rows = -(-len(x) // 64)
    (tmp_path / "q.c").write_text(
        '#include <string.h>\n#include "bench.h"\n#include "sf_q15.h"\n'
        f"static const uint32_t bits[{len(x)}] = {{{words}}};\n"
        f"static float src[{n_rows * 64}];\nstatic int16_t got[{n_rows * 64}];\n"
        "int q_entry(int i);\n"
        f"int q_entry(int i) {{ if (i == 0) memcpy(src, bits, sizeof bits); sf_q15_quantize(&src[i * 64], 1u, 64u, {k}, &got[i * 64]); return got[i * 64]; }}\n"
        "void bench_report(int i) { int j; for (j = 0; j < 64; j++) bench_out_u32((uint32_t)(uint16_t)got[i * 64 + j]); }\n"
    )
    b = boards.get(board)
    try:
        res = measure.measure_c(
            [tmp_path / "q.c", RUNTIME_DIR / "sf_q15.c"], "q_entry", board, n_inputs=n_rows,
            include_dirs=[RUNTIME_DIR], defines=tuple(b.toolchain.defines), workdir=tmp_path / "w",
        )  # fmt: skip
    except ToolMissingError as exc:
        pytest.skip(str(exc))
    got = np.array(res.words, dtype=np.uint32).astype(np.uint16).view(np.int16)[: len(x)]
    np.testing.assert_array_equal(got, fixed.quantize(x, k))
