"""RAM layout of the generated C: the feature step's scratch (the FFT buffer of band_energy)
overlays the feature-vector slices of the stages that run after it, and band energies are
summed straight from each frame's spectrum. Checked for correctness (features, labels and the
streaming API against the numpy pipeline, under ASan/UBSan; sizeof the state as computed) and
for the bytes saved."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import need_tools
from helpers import SCORE_ATOL

from sensorflow.codegen.c import generate
from sensorflow.pipeline import Pipeline
from sensorflow.testing import ccompare

STATS = "  - type: stats\n    functions: [mean, std, ptp, rms, abs_mean, zero_crossing_rate]\n"
BANDS = "  - type: band_energy\n    n_bands: 4\n    n_fft: 64\n    hop_length: 36\n"
FOREST = "  - type: random_forest\n    n_estimators: 6\n    max_depth: 5\n"


@pytest.fixture(autouse=True)
def cc():
    need_tools("cc")


def _pipeline(stages: str, hop: int = 100, length: int = 100) -> tuple[Pipeline, np.ndarray]:
    p = Pipeline.from_string(
        "name: ramtest\n"
        "sensor: {kind: imu, sample_rate: 10, channels: [ax, ay, az, gx, gy, gz]}\n"
        f"window: {{length: {length}, hop: {hop}}}\n"
        f"stages:\n{stages}"
    )
    rng = np.random.default_rng(3)
    n = 120
    y = rng.integers(0, 3, n)
    t = np.arange(length)[None, :, None]
    X = rng.standard_normal((n, length, 6)) * (0.5 + y[:, None, None])
    X += np.sin(2 * np.pi * (0.5 + y[:, None, None]) * t / 10.0) + 1.0
    X = X.astype(np.float32)
    p.fit(X, np.array(["a", "b", "c"])[y])
    return p, X


def _check(p: Pipeline, X: np.ndarray, h) -> None:
    labels, scores, feats = h.infer(X)
    ref = p.transform(X)
    np.testing.assert_allclose(feats, ref, rtol=1e-4, atol=1e-5)
    assert np.array_equal(p.classes_[labels], p.model.predict(feats))
    np.testing.assert_allclose(scores, p.model.predict_proba(feats), atol=SCORE_ATOL, rtol=0)
    assert h.state_bytes == h.generated.state_bytes
    # the streaming path computes the same windows into the same (overlaid) buffers
    signal = np.concatenate(list(X[:12]))
    ref_stream = {r["window"]: r for r in p.stream([signal])}
    out = h.stream(signal, [37, 100, 5, 210])
    assert sum(o["n_windows"] for o in out) == len(ref_stream) > 0
    for o, w in zip(out, np.cumsum([o["n_windows"] for o in out]) - 1):
        r = ref_stream[int(w)]
        assert p.classes_[o["label"]] == r["label"], f"window {w}"
        np.testing.assert_allclose(o["scores"], r["scores"], atol=SCORE_ATOL, rtol=0)


def test_fft_buffer_overlays_the_stats_slice(tmp_path):
    """stats then band_energy (the gesture order): band_energy runs first and its 64-float FFT
    buffer covers a head of 28 floats plus the 36 stats slots not written yet."""
    p, X = _pipeline(STATS + BANDS + FOREST)
    h = ccompare.build(p, tmp_path, sanitize=True)
    src = h.generated.files["sf_model.c"]
    assert "float head[28];" in src and "sf_model_state.scratch.fv.vec" in src
    _check(p, X, h)
    header, window, feats, scores = 7 * 4, 100 * 6 * 4, 60 * 4, 3 * 4  # header: the state struct's seven ints
    separate = header + window + feats + scores + 64 * 4  # FFT buffer beside the feature vector
    assert h.generated.state_bytes == separate - 36 * 4


def test_no_overlay_when_it_saves_nothing(tmp_path):
    """band_energy first: its slice starts the vector, nothing to overlay; buffers stay apart."""
    p, X = _pipeline(BANDS + STATS + FOREST)
    h = ccompare.build(p, tmp_path, sanitize=True)
    assert "scratch.fv" not in h.generated.files["sf_model.c"]
    _check(p, X, h)


def test_overlay_with_signal_and_model_scratch(tmp_path):
    """A signal stage's scratch (butter) shares the union from offset 0 (no feature is live
    yet); a model's scratch (knn) goes after the feature buffers it reads."""
    stages = (
        "  - type: butter\n    btype: lowpass\n    cutoff: 3.0\n    order: 2\n"
        + STATS
        + BANDS
        + "  - type: knn\n    n_neighbors: 5\n"
    )
    p, X = _pipeline(stages, hop=50)
    h = ccompare.build(p, tmp_path, sanitize=True)
    src = h.generated.files["sf_model.c"]
    assert "scratch.fv" in src and "float live[" in src
    _check(p, X, h)


def test_overlay_with_vector_stages(tmp_path):
    """Two feature buffers (scaler in between): both live inside the union after the head."""
    p, X = _pipeline(STATS + BANDS + "  - type: scaler\n" + FOREST)
    h = ccompare.build(p, tmp_path, sanitize=True)
    assert "scratch.fv" in h.generated.files["sf_model.c"]
    _check(p, X, h)


@pytest.mark.parametrize("n_fft,edges", [(100, [0.5, 1.5, 2.0, 4.0]), (64, [1.0, 2.5, 4.9])])
def test_band_energy_with_gaps_and_any_length(tmp_path, n_fft, edges):
    """Bins outside every band are dropped; n_fft = 100 takes the direct-DFT path."""
    stage_yaml = f"  - type: band_energy\n    n_fft: {n_fft}\n    hop_length: 50\n    edges: {edges}\n    db: true\n"
    p, X = _pipeline(stage_yaml + FOREST, length=150, hop=150)
    h = ccompare.build(p, tmp_path, sanitize=True)
    feats = h.features(X)
    np.testing.assert_allclose(feats, p.transform(X), rtol=1e-4, atol=1e-4)


def test_stage_ram_and_layout_add_up():
    p, _ = _pipeline(STATS + BANDS + FOREST)
    gen = generate(p)
    info = gen.info
    assert sum(info["ram_layout"].values()) + sum(info["stage_ram"].values()) == gen.state_bytes
    assert info["stage_ram"][1] == 28 * 4  # band_energy: the FFT buffer beyond the slots it overlays


@pytest.mark.parametrize("hop", [100, 50, 130])
def test_q15_step_keeps_one_channel_of_counts(tmp_path, hop):
    """Fixed-point stats and band_energy at one scale (gesture_q15): the step runs channel by
    channel on one quantisation of each channel, so a caller's window takes one channel's 100
    int16 counts of scratch beside the FFT buffer (not the window's 600 in the state), and the
    streaming window, which only the step reads, holds int16 counts quantised as frames are
    pushed (not floats); the feature vector stays outside the union (every slice is written
    while the scratch is live). Features bit for bit, labels and the stream (overlapping
    windows shift the counts per channel; hop > length skips frames) as the numpy pipeline."""
    q15 = "    q15_scale: 0.001953125\n"
    p, X = _pipeline(STATS + q15 + BANDS + q15 + FOREST, hop=hop)
    h = ccompare.build(p, tmp_path, sanitize=True)
    src = h.generated.files["sf_model.c"]
    assert "sf_model_q15_step(window, NULL, " in src and "sf_model_q15_step(NULL, sf_model_state.win, " in src
    assert "int16_t q15_counts[100];" in src and "int16_t win[600];" in src
    assert "float win[" not in src and "scratch.fv" not in src
    np.testing.assert_array_equal(h.features(X).view(np.uint32), p.transform(X).astype(np.float32).view(np.uint32))
    _check(p, X, h)
    header, window, feats, scores = 7 * 4, 100 * 6 * 2, 60 * 4, 3 * 4
    scratch = 100 * 2 + 2 * 64 * 4 + 4 * 8  # counts, FFT buffer (portable: re then im), band sums
    assert h.generated.state_bytes == header + window + feats + scores + scratch
    assert h.generated.info["ram_layout"]["streaming window"] == window


@pytest.mark.parametrize("hop", [100, 50])
def test_q15_counts_window_with_a_nonfinite_sample(tmp_path, hop):
    """The int16 streaming window quantises NaN to 0, so the NaN/Inf bookkeeping must still see
    the pushed floats: the windows holding the NaN answer SF_ERR_NONFINITE, every other window
    the host's label (the counts quantised after the NaN stay right)."""
    q15 = "    q15_scale: 0.001953125\n"
    p, X = _pipeline(STATS + q15 + BANDS + q15 + FOREST, hop=hop)
    h = ccompare.build(p, tmp_path, sanitize=True)
    assert "int16_t win[600];" in h.generated.files["sf_model.c"]
    signal = np.concatenate(list(X[:8]))
    signal[250, 2] = np.nan
    out = h.stream(signal, [1])  # one frame a push: one record per completed window
    starts = range(0, len(signal) - 100 + 1, hop)
    assert len(out) == len(starts)
    for o, s in zip(out, starts):
        if s <= 250 < s + 100:
            assert o["label"] == -6, f"window at {s}"
        else:
            assert p.classes_[o["label"]] == p.predict(signal[None, s : s + 100])[0], f"window at {s}"
