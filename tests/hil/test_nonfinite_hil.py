"""HIL with non-finite input (issue 29 item 6): the firmware passes the pipeline's
SF_ERR_NONFINITE through as an answer (not an error), and the runner counts it as agreement
when the host also has no class for that window. A real generated export on the host board and
the emulated Cortex-M4F and RV32 boards."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import need_tools
from hilfix import BOARD_TOOLS

from sensorflow.codegen.c import generate
from sensorflow.device.firmware import build_hil, ported
from sensorflow.hil import runner, session
from sensorflow.testing.codegen_checks import make_pipeline, synthetic


@pytest.fixture(scope="module")
def pipeline_export(tmp_path_factory):
    p = make_pipeline(
        [{"type": "stats", "functions": ["mean", "std"]}, {"type": "random_forest", "n_estimators": 6}], length=20
    )
    X, y = synthetic(80, 20, 3, 3, seed=2)
    p.fit(X, y)
    out = tmp_path_factory.mktemp("nf_export")
    generate(p).write(out)
    return p, X, out


@pytest.fixture(
    scope="module",
    params=[
        "host",
        pytest.param("qemu-mps2-an386", marks=pytest.mark.emulator),
        pytest.param("qemu-riscv32", marks=pytest.mark.emulator),
    ],
)
def board(request, pipeline_export, tmp_path_factory):
    need_tools(*BOARD_TOOLS[request.param])
    p, X, out = pipeline_export
    return request.param, p, X, build_hil(ported(request.param), out, tmp_path_factory.mktemp("nf_fw"))


def test_windows_with_nan_and_inf_agree_as_nonfinite(board):
    name, p, X, elf = board
    W = X[:12].copy()
    W[2][:] = np.nan
    W[5][3, 0] = np.inf
    W[9][19, 2] = -np.inf
    with session.open_emulated(name, elf) as s:
        run = runner.run_windows(s.client, W, p, board=name)
    labels = [(r.host_label, r.board_label) for r in run.records]
    for i in (2, 5, 9):
        assert labels[i] == ("nonfinite", "nonfinite"), labels[i]
    assert run.agreement == 1.0 and run.passed
    assert [r.board_label for r in run.records if r.host_label != "nonfinite"] == list(
        p.predict(np.delete(W, [2, 5, 9], 0))
    )


def test_stream_with_a_nan_sample_agrees(board):
    name, p, X, elf = board
    signal = np.concatenate(list(X[:15]))
    signal[101, 1] = np.nan
    with session.open_emulated(name, elf) as s:
        run = runner.run_stream(s.client, signal, p, board=name, window_length=20, hop=20)
    assert [r.index for r in run.records if r.host_label == "nonfinite"] == [5]
    assert run.records[5].board_label == "nonfinite" and run.agreement == 1.0 and run.passed
