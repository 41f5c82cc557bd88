"""The tune cost model charges the streaming window as the C export keeps it: 2 B a sample when
the export holds it as int16 counts (fixed-point stats and band_energy at one scale, the channel
loop its only reader: gesture_q15), nothing when a log-mel takes the stream frame by frame (it
keeps a frame ring, which its own cost counts), 4 B (float32) otherwise; checked against the
generator's layout and, for gesture_q15 on qemu-riscv32, the export's measured RAM."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import REPO, need_tools

from sensorflow import artifact
from sensorflow.cli import main
from sensorflow.codegen.c import generate
from sensorflow.device import boards
from sensorflow.pipeline import Pipeline
from sensorflow.tune import budget, objective

Q15 = "    q15_scale: 0.001953125\n"
STATS = "  - type: stats\n    functions: [mean, std, rms]\n"
BANDS = "  - type: band_energy\n    n_bands: 4\n    n_fft: 64\n    hop_length: 36\n"
TREE = "  - type: decision_tree\n    max_depth: 3\n"


def _pipeline(stages: str) -> Pipeline:
    return Pipeline.from_string(
        "name: wintest\n"
        "sensor: {kind: imu, sample_rate: 10, channels: [ax, ay, az]}\n"
        "window: {length: 100}\n"
        f"stages:\n{stages}"
    )


def _fitted(stages: str) -> Pipeline:
    p = _pipeline(stages)
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 40)
    X = (rng.standard_normal((40, 100, 3)) * (1 + y[:, None, None])).astype(np.float32)
    p.fit(X, np.array(["a", "b"])[y])
    return p


@pytest.mark.parametrize(
    "stages, per_sample",
    [
        (STATS + Q15 + BANDS + Q15 + TREE, 2),  # the channel loop reads the window: int16 counts
        (STATS + BANDS + TREE, 4),  # float stages: a float window
        (STATS + Q15 + TREE, 4),  # one fixed-point stage: no shared counts
    ],
)
def test_window_bytes_as_the_export_lays_them_out(stages, per_sample):
    """Before fitting (as a trial is estimated) and after, as the fitted export declares."""
    declared = generate(_fitted(stages)).info["ram_layout"]["streaming window"]
    assert budget.window_bytes(_pipeline(stages)) == declared == per_sample * 100 * 3


def _audio(log_mel: str) -> Pipeline:
    return Pipeline.from_string(
        "name: melwin\n"
        "sensor: {kind: audio, sample_rate: 8000, channels: [mic]}\n"
        "window: {length_ms: 250, hop_ms: 125}\n"
        f"stages:\n  - type: log_mel\n    n_fft: 256\n    n_mels: 8\n{log_mel}" + TREE
    )


@pytest.mark.parametrize(
    "log_mel, per_sample",
    [
        ("    hop_length: 250\n    center: false\n", 0),  # 4 frames a hop: the export streams frames
        ("    hop_length: 250\n    center: false\n" + Q15, 0),  # the q15 log-mel streams frames too
        ("    hop_length: 300\n    center: false\n", 4),  # a hop of 3.33 frames: the window is kept
        ("    hop_length: 250\n    center: true\n", 4),  # centring pads each window: kept
    ],
)
def test_window_bytes_of_a_log_mel(log_mel, per_sample):
    """Whether the window is kept is the log-mel emitters' own test (``stream_shift``): the
    estimate and the fitted export's declared layout agree."""
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 30)
    X = (rng.standard_normal((30, 2000, 1)) * (0.1 + 0.2 * y[:, None, None])).astype(np.float32)
    fitted = _audio(log_mel)
    fitted.fit(X, np.array(["a", "b"])[y])
    layout = generate(fitted).info["ram_layout"]
    assert layout.get("streaming window", 0) == budget.window_bytes(_audio(log_mel)) == per_sample * 2000


@pytest.mark.slow
@pytest.mark.emulator
def test_gesture_q15_estimate_against_the_riscv_export(tmp_path):
    """gesture_q15 exported for qemu-riscv32 (measured: compiled with the cross toolchain):
    the fitted pipeline's estimate charges its 1,200 B int16 window as the export keeps it, and
    stays above the measured RAM by at most the runtime allowance (3,672 B against 2,232 B
    while the window counted 4 B a sample)."""
    need_tools("riscv64-unknown-elf-gcc")
    art, out = tmp_path / "artifact", tmp_path / "export"
    assert main(["train", str(REPO / "pipelines" / "gesture_q15.yaml"), "--out", str(art)]) == 0
    assert main(["export", str(art), "--board", "qemu-riscv32", "--out", str(out), "--json"]) == 0
    report = json.loads((out / "export_report.json").read_text())
    assert report["source"] == "measured"
    pipe, _ = artifact.load(art)
    board = boards.get("qemu-riscv32")
    window = budget.window_bytes(pipe)
    assert window == report["ram_layout"]["streaming window"] == 2 * 100 * 6
    est = objective.fitted_cost(board.model_dump(mode="json"), window, pipe.config.export.numeric, pipe)
    assert report["ram_bytes"] == report["state_bytes"]
    assert report["state_bytes"] <= est["ram_bytes"] <= report["state_bytes"] + budget.RUNTIME_RAM


@pytest.mark.parametrize(
    "stage, streams",
    [
        ("log_mel", True),
        ("mfcc", True),  # adds the window's float log-mel and one frame's cepstrum
        ("log_mel", False),  # a hop of 3.33 frames: no ring is kept, the estimate is an upper bound
    ],
)
def test_q15_log_mel_ram_as_the_export_lays_it_out(stage, streams):
    """The fixed-point stage's cost counts its C export's ring, pending frame and scratch (the
    float kernel's buffers before: 3,416 B against the 2,310 B laid out for the log-mel here)."""
    extra = "    n_mfcc: 5\n" if stage == "mfcc" else ""
    hop = "250" if streams else "300"
    text = f"    hop_length: {hop}\n    center: false\n{extra}{Q15}".replace("log_mel", stage)
    p = Pipeline.from_string(
        "name: melram\n"
        "sensor: {kind: audio, sample_rate: 8000, channels: [mic]}\n"
        "window: {length_ms: 250, hop_ms: 125}\n"
        f"stages:\n  - type: {stage}\n    n_fft: 256\n    n_mels: 8\n{text}" + TREE
    )
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 30)
    p.fit(
        (rng.standard_normal((30, 2000, 1)) * (0.1 + 0.2 * y[:, None, None])).astype(np.float32),
        np.array(["a", "b"])[y],
    )
    laid_out = generate(p).info["stage_ram"][0]
    estimate = p.steps[0].stages[0].cost().ram_bytes
    assert estimate == laid_out if streams else estimate > laid_out


def test_fitted_ram_is_the_export_layout_on_the_integer_path():
    """A q15 log-mel into an int8 conv1d (the integer wake word's shape): the fitted estimate's
    RAM is the export's static state plus the runtime allowance. The stages' cost models alone
    over-count it (the log-mel's own cost prices an int32 frame ring; before an int8 net the
    export keeps int8 codes): 12,230 B estimated against 9,736 B measured for wakeword_q15."""
    p = Pipeline.from_string(
        "name: melint8\n"
        "sensor: {kind: audio, sample_rate: 8000, channels: [mic]}\n"
        "window: {length_ms: 500, hop_ms: 125}\n"
        "stages:\n  - type: log_mel\n    n_fft: 256\n    n_mels: 8\n    hop_length: 250\n"
        f"    center: false\n    top_db: null\n{Q15}"
        "  - type: conv1d\n    filters: [4, 4]\n    kernel_size: 3\n    strides: [2, 1]\n"
        "    center_window: true\n    epochs: 2\n"
    )
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 40)
    p.fit(
        (rng.standard_normal((40, 4000, 1)) * (0.1 + 0.2 * y[:, None, None])).astype(np.float32),
        np.array(["a", "b"])[y],
    )
    board = boards.get("qemu-mps2-an386")
    gen = generate(p, {}, board, numeric="int8")
    est = objective.fitted_cost(board.model_dump(mode="json"), budget.window_bytes(p), "int8", p)
    assert est["ram_bytes"] == budget.RUNTIME_RAM + gen.state_bytes
    assert gen.info["stage_ram"][0] < p.stages[0].cost(board).ram_bytes  # int8 codes in the ring
    summed = budget.estimate(p.stages, board, budget.window_bytes(p), "int8")["ram_bytes"]
    assert est["ram_bytes"] < summed
