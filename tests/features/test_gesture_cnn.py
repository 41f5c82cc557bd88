"""A CNN on raw IMU channels (issue 25 item 3): the ``frames`` stage hands ``conv1d`` the window
as time-major frames, and ``pipelines/gesture_cnn.yaml`` trains on BasicMotions, exports and gives
the host's label on every held-out window on the emulated Cortex-M4F and rv32imc (C) and in
MicroPython."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import need_tools

from sensorflow import artifact
from sensorflow.cli import main
from sensorflow.spec import Spec
from sensorflow.stages.frames import Frames
from sensorflow.stages.models.conv import Conv1D

PIPELINE = Path(__file__).resolve().parents[2] / "pipelines" / "gesture_cnn.yaml"


def _run(argv) -> tuple[int, dict]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(["--json", *argv])
    return rc, json.loads(buf.getvalue())


def test_frames_is_the_interleaved_window_and_conv1d_reads_one_frame_per_sample():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 12, 3)).astype(np.float32)
    st = Frames()
    out_spec = st.bind(Spec.signal(12, 3, 10.0, ("ax", "ay", "az")))
    F = st.transform(X)
    assert F.dtype == np.float32 and F.shape == (5, 36)
    assert np.array_equal(F[:, 7 * 3 + 2], X[:, 7, 2])  # feature t * C + c is sample t of channel c
    assert out_spec.names[:4] == ("f00_ax", "f00_ay", "f00_az", "f01_ax")
    named = Spec.vector([f"frames.{n}" for n in out_spec.names])  # as the pipeline prefixes them
    assert Conv1D().frame_size(named) == 3


def test_gesture_cnn_validates():
    rc, res = _run(["validate", str(PIPELINE)])
    assert rc == 0 and res["files"][0]["ok"] is True, res


@pytest.fixture(scope="module")
def cnn_artifact(tmp_path_factory):
    pytest.importorskip("aeon.datasets")
    out = tmp_path_factory.mktemp("gesture_cnn") / "artifact"
    rc, res = _run(["train", str(PIPELINE), "--out", str(out)])
    assert rc == 0, res
    assert res["n_train"] == 40 and res["n_test"] == 40  # the UEA predefined split
    assert res["accuracy"] >= 0.9  # measured 0.975 (docs/experiments/2026-12-06-gesture-cnn-and-padding.md)
    return out


BOARD_TOOLS = {
    "qemu-mps2-an386": ("arm-none-eabi-gcc", "qemu-system-arm"),
    "qemu-riscv32": ("riscv64-unknown-elf-gcc", "qemu-system-riscv32"),
}


@pytest.mark.slow
@pytest.mark.emulator
@pytest.mark.parametrize("board", sorted(BOARD_TOOLS))
def test_gesture_cnn_c_on_emulated_boards(cnn_artifact, board, tmp_path):
    need_tools(*BOARD_TOOLS[board])
    rc, res = _run(["hil", str(cnn_artifact), "--board", board, "--build-dir", str(tmp_path / "b")])
    assert rc == 0, res
    assert res["n"] == 40 and res["agreement"] == 1.0 and res["passed"] and not res["out_of_tolerance"]
    assert res["max_abs_feature_error"] == 0.0  # frames is a copy


@pytest.mark.slow
@pytest.mark.emulator
def test_gesture_cnn_micropython_on_the_emulated_board(cnn_artifact):
    need_tools("node")
    rc, res = _run(["hil", str(cnn_artifact), "--board", "qemu-mps2-an386", "--lang", "micropython", "--limit", "8"])
    assert rc == 0, res
    assert res["n"] == 8 and res["agreement"] == 1.0 and res["lang"] == "micropython"
    pipe, _ = artifact.load(cnn_artifact)
    assert [s.name for s in pipe.stages] == ["frames", "conv1d"]
