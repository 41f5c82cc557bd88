"""Shared fixtures of the HIL tests (imported by the test modules; tests/hil has no conftest
so it cannot clash with tests/conftest.py): the linear test pipeline of
tests/hil/fixtures/linear_model.py, its C export, and its firmware built once per board; the
trained gesture pipeline; and the CLI steps the end-to-end tests repeat (export with a JSON
report, ``hil --export-dir`` agreeing on all 40 held-out windows)."""

from __future__ import annotations

import importlib.util
import json
import os
import struct
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, need_tools

from sensorflow.cli import main
from sensorflow.device.firmware import build_hil, ported
from sensorflow.hil import protocol as P
from sensorflow.hil.transport import Transport

_spec = importlib.util.spec_from_file_location(
    "sf_hil_linear_fixture", Path(__file__).parent / "fixtures" / "linear_model.py"
)
linear_model = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(linear_model)
LinearReference = linear_model.LinearReference

BOARD_TOOLS = {
    "host": ("cc",),
    "qemu-mps2-an386": ("arm-none-eabi-gcc", "qemu-system-arm"),
    "qemu-riscv32": ("riscv64-unknown-elf-gcc", "qemu-system-riscv32"),
    "qemu-xtensa-lx106": ("xtensa-lx106-elf-gcc", "qemu-system-xtensa"),
}


def train(pipeline: str, work: Path) -> Path:
    """``sensorflow train pipelines/<pipeline>.yaml --out <work>/artifact``; the artifact folder."""
    out = work / "artifact"
    assert main(["train", str(REPO / "pipelines" / f"{pipeline}.yaml"), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def gesture_artifact(tmp_path_factory):
    """pipelines/gesture.yaml trained once per test module."""
    return train("gesture", tmp_path_factory.mktemp("gesture"))


def export_report(artifact: Path, board: str, out: Path, capsys, *extra: str) -> dict:
    """``sensorflow export`` (prefix sf_model, ``--no-measure --json``) for ``board`` into ``out``;
    the JSON report."""
    args = ["export", str(artifact), "--board", board, "--out", str(out), "--prefix", "sf_model"]
    assert main([*args, *extra, "--no-measure", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def assert_hil_agrees(artifact: Path, board: str, export_dir: Path, tmp_path: Path, capsys) -> None:
    """``sensorflow hil --export-dir`` on ``board`` exits 0 and gives the host's answer on all
    40 held-out windows."""
    args = ["hil", str(artifact), "--board", board, "--export-dir", str(export_dir), "--json"]
    status = main([*args, "--build-dir", str(tmp_path / "b")])
    result = json.loads(capsys.readouterr().out)
    assert status == 0, json.dumps(result)[:3000]
    assert result["n"] == 40 and result["agreement"] == 1.0 and result["passed"]


@pytest.fixture(scope="session")
def linear_ref():
    return LinearReference.random(seed=7, window_length=40, n_channels=3, n_classes=4, hop=20)


@pytest.fixture(scope="session")
def linear_export(linear_ref, tmp_path_factory) -> Path:
    return linear_ref.write_c(tmp_path_factory.mktemp("linear_export"))


@pytest.fixture(scope="session")
def firmware(linear_export, tmp_path_factory):
    """firmware(board) -> ELF of the HIL harness + linear pipeline for that board."""
    built: dict[str, Path] = {}

    def get(board: str) -> Path:
        need_tools(*BOARD_TOOLS[board])
        if board not in built:
            built[board] = build_hil(ported(board), linear_export, tmp_path_factory.mktemp(f"fw-{board}"))
        return built[board]

    return get


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); it is dead for our purpose
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


class ResetAfter(Transport):
    """Presses the board's reset button right after the n-th request of type ``on`` (INFER
    unless told) is written; ``n`` is a set of counts."""

    def __init__(self, inner, board, n, on: int = P.INFER):
        self.inner, self.board, self.n, self.on, self.name = inner, board, n, on, inner.name
        self.infers = 0

    def write(self, data):
        self.inner.write(data)
        if P.FrameDecoder().feed(data)[0].type == self.on:
            self.infers += 1
            if self.infers in self.n:
                self.board.hard_reset()

    def read(self, timeout):
        return self.inner.read(timeout)

    def close(self):
        self.inner.close()


def hello_body(*, boot: bool = False, pipeline_hash: str = "0123456789abcdef", board: str = "fake") -> bytes:
    """A protocol-1 hello body (the layout of hil_main.c's send_hello) for a scripted board."""
    head = struct.pack("<BBH10IB3x", P.PROTO_VERSION, int(boot), 260, 40, 3, 8, 4, 20, 64, 4096, 512, 1024, 2048, 1)
    return head + pipeline_hash.encode().ljust(16, b"\0") + b"fw".ljust(16, b"\0") + board.encode().ljust(24, b"\0")


class ScriptedBoard(Transport):
    """A board written in Python: ``answer(frame) -> list of (type, seq, body)`` is called for
    every request the client writes; the replies are read back in order."""

    name = "scripted"

    def __init__(self, answer):
        self.answer = answer
        self.requests: list[P.Frame] = []
        self._out = bytearray()

    def write(self, data):
        for frame in P.FrameDecoder().feed(data):
            self.requests.append(frame)
            for type_, seq, body in self.answer(frame):
                self._out += P.encode_frame(type_, seq, body)

    def read(self, timeout):
        if not self._out:
            time.sleep(min(timeout, 0.01))
            return b""
        data, self._out = bytes(self._out), bytearray()
        return data


SMALL_PIPELINE = """\
name: hilsmall
sensor: {kind: generic, sample_rate: 100, channels: [a, b]}
window: {length: 32}
stages:
  - type: stats
    functions: [mean, rms]
  - type: decision_tree
"""


def small_windows(n: int, seed: int = 0):
    """``n`` windows (32 samples, 2 channels) of two classes a decision tree tells apart."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    return rng.standard_normal((n, 32, 2)).astype(np.float32) + y[:, None, None].astype(np.float32), y


@pytest.fixture(scope="module")
def small_artifact(tmp_path_factory) -> Path:
    """A small trained artifact (stats + decision tree on 2 channels) with 8 held-out windows."""
    from sensorflow import artifact
    from sensorflow.pipeline import Pipeline

    X, y = small_windows(60)
    pipe = Pipeline.from_string(SMALL_PIPELINE).fit(X, np.array(["lo", "hi"])[y])
    Xt, yt = small_windows(8, seed=1)
    out = tmp_path_factory.mktemp("small") / "art"
    return artifact.save(pipe, out, arrays={"test_windows": Xt, "test_labels": np.array(["lo", "hi"])[yt]})
