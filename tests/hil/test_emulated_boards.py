"""The HIL runner on QEMU boards (Cortex-M4F mps2-an386, rv32imc virt, Xtensa lx106 on lx60) over a real pty:
agreement, exact instruction counts, garbage, a reset in the middle, and clean-up."""

from __future__ import annotations

import numpy as np
import pytest
from hilfix import ResetAfter, _alive, firmware, linear_export, linear_ref  # noqa: F401  (pytest fixtures)

from sensorflow.device import processes
from sensorflow.hil import runner, session

QEMU_BOARDS = ["qemu-mps2-an386", "qemu-riscv32", "qemu-xtensa-lx106"]
pytestmark = pytest.mark.emulator


@pytest.mark.parametrize("board", QEMU_BOARDS)
def test_qemu_board_agrees_and_counts_instructions(firmware, linear_ref, board, rng):
    X = linear_ref.windows(8)
    with session.open_emulated(board, firmware(board), timeout=3.0) as s:
        hello = s.client.hello
        assert hello.board == board and hello.counter_unit == "instructions"
        assert 0 < hello.stack_used < hello.stack_size
        assert hello.flash_bytes > 1000 and hello.ram_bytes >= hello.state_bytes
        run = runner.run_windows(s.client, X, linear_ref, board=board, expected_hash=linear_ref.pipeline_hash)
        again = runner.run_windows(s.client, X[:2], linear_ref, board=board)
        # garbage, then it still answers
        for n in (5, 600):
            s.client.send_raw(rng.integers(0, 256, n, dtype=np.uint8).tobytes())
        assert s.client.ping(b"alive") > 0
    assert run.n == 8 and run.agreement == 1.0 and run.passed
    per = run.per_inference()
    assert per["features"] > 100 and per["classify"] > 20
    if board != "qemu-mps2-an386":  # minstret / ICOUNT are exact: same window, same count
        assert [r.count_features for r in again.records] == [r.count_features for r in run.records[:2]]
    else:  # SysTick x 40: exact to one tick
        assert all(abs(a.count_features - b.count_features) <= 40 for a, b in zip(again.records, run.records))


@pytest.mark.parametrize("board", QEMU_BOARDS)
def test_qemu_reset_in_the_middle_resumes(firmware, linear_ref, board):
    X = linear_ref.windows(5)
    with session.open_emulated(board, firmware(board), timeout=3.0) as s:
        s.client.transport = ResetAfter(s.client.transport, s.emulated, {3})
        run = runner.run_windows(s.client, X, linear_ref, board=board, check_features=False)
    assert run.resets == 1 and run.n == 5 and run.passed


def test_qemu_is_killed_when_the_test_fails(firmware):
    with pytest.raises(AssertionError):
        with session.open_emulated("qemu-mps2-an386", firmware("qemu-mps2-an386")) as s:
            pid = s.emulated.proc.pid
            raise AssertionError("a failing test inside the session")
    assert not _alive(pid)
    assert processes.live_pids() == []


def test_qemu_over_tcp_socket_url(firmware, linear_ref):
    """The same board on -serial tcp, opened as socket://127.0.0.1:PORT (TCP_NODELAY set)."""
    board = "qemu-riscv32"
    with session.open_emulated(board, firmware(board), serial="tcp") as s:
        assert s.client.port.startswith("socket://127.0.0.1:")
        sock = s.client.transport.port._socket
        import socket

        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        run = runner.run_windows(s.client, linear_ref.windows(4), linear_ref, board=board)
    assert run.passed and run.n == 4
