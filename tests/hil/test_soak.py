"""The bounded HIL soak (the 10,000-window run is `sensorflow bench`'s hil_soak section): 300
windows on each QEMU board over a line with bit flips, byte drops and duplicates, lost and
repeated requests and board resets; every answer checked against the host."""

from __future__ import annotations

import numpy as np
import pytest
from hilfix import ScriptedBoard, firmware, linear_export, linear_ref  # noqa: F401  (pytest fixtures)

from sensorflow.hil import protocol as P
from sensorflow.hil.soak import RequestFaults, SoakFaults, soak

# resets ten times as often as the bench's soak, so 300 windows see several
CI_FAULTS = SoakFaults(p_reset=5e-3)


@pytest.mark.emulator
@pytest.mark.parametrize("board", ["qemu-mps2-an386", "qemu-riscv32"])
def test_soak_300_windows_under_faults(firmware, linear_ref, board):
    r = soak(board, firmware(board), linear_ref, linear_ref.windows(300, seed=11), faults=CI_FAULTS, seed=4)
    assert r.error is None, r
    assert r.passed and r.compared == 300 and r.agreement == 1.0, r
    # the faults happened and the client recovered from them
    assert r.byte_faults > 0 and r.retries > 0 and r.requests_dropped + r.requests_duplicated > 0, r
    assert r.resets_injected > 0 and r.resets_seen > 0, r


def test_request_faults_drop_repeat_and_reset():
    """The request-level injector against a scripted board: what it drops never arrives, what it
    repeats arrives twice, and it presses reset after the requests it picks."""
    board = ScriptedBoard(lambda req: [])
    presses = []
    faults = RequestFaults(board, np.random.default_rng(0), lambda: presses.append(1), 0.2, 0.2, 0.1)
    for seq in range(500):
        faults.write(P.encode_frame(P.PING, seq, b"x"))
    assert faults.dropped > 50 and faults.duplicated > 50 and faults.resets == len(presses) > 20
    assert len(board.requests) == 500 - faults.dropped + faults.duplicated


def test_bench_section_without_emulators_says_why(monkeypatch):
    """`sensorflow bench` lists the soak; without QEMU it reports "not available" with the reason."""
    from sensorflow.bench import emulated_boards, hil_soak_section
    from sensorflow.bench.runner import SECTIONS

    assert SECTIONS["hil_soak"][0] == "sensorflow.bench.hil_soak_section"
    monkeypatch.setattr(emulated_boards.measure, "tools_available", lambda board: f"no emulator for {board}")
    sec = hil_soak_section.run(quick=True)
    assert not sec.available and "no emulator for qemu-mps2-an386" in sec.reason


def test_soak_pipeline_is_a_fitted_four_class_pipeline():
    from sensorflow.bench.hil_soak_section import soak_pipeline, soak_windows

    pipe = soak_pipeline()
    X = soak_windows(200)
    assert list(pipe.classes_) == ["a", "b", "c", "d"] and pipe.predict_proba(X).shape == (200, 4)
    assert len(set(pipe.predict(X))) == 4  # the windows exercise every class


def test_request_faults_count_each_frame_of_a_burst():
    """A write holding several frames (a window's LOAD frames back to back) is faulted frame by frame."""
    board = ScriptedBoard(lambda req: [])
    faults = RequestFaults(board, np.random.default_rng(1), lambda: None, 0.5, 0.0, 0.0)
    for start in range(0, 400, 4):
        faults.write(b"".join(P.encode_frame(P.LOAD, seq, b"abcd") for seq in range(start, start + 4)))
    assert 150 < faults.dropped < 250 and len(board.requests) == 400 - faults.dropped
