"""The HIL runner against the native firmware on a pseudo-terminal: agreement with the host
reference, a noisy line, a reset in the middle, garbage, streaming, and clean-up."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest
from hilfix import ResetAfter, _alive, firmware, linear_export, linear_ref  # noqa: F401  (pytest fixtures)

from sensorflow.device import processes
from sensorflow.device.firmware import build_hil, ported
from sensorflow.errors import HILError, HILTimeout
from sensorflow.hil import protocol as P
from sensorflow.hil import runner, session
from sensorflow.hil.client import BoardClient
from sensorflow.hil.transport import FaultyTransport, SerialTransport


def test_host_board_agrees_with_reference(firmware, linear_ref):
    X = linear_ref.windows(30)
    with session.open_emulated("host", firmware("host")) as s:
        hello = s.client.hello
        assert hello.pipeline_hash == linear_ref.pipeline_hash and hello.board == "host"
        assert hello.stack_size == 256 * 1024 and 0 < hello.stack_used < 16 * 1024
        run = runner.run_windows(s.client, X, linear_ref, board="host", expected_hash=linear_ref.pipeline_hash)
    assert run.n == 30 and run.agreement == 1.0 and run.passed
    assert [r.board_label for r in run.records] == list(linear_ref.predict(X))
    assert max(r.score_error for r in run.records) < 1e-5
    assert max(r.feature_error for r in run.records) < 1e-4
    assert run.resets == 0
    assert 0 < max(r.stack_used for r in run.records) < 16 * 1024


def test_wrong_pipeline_is_refused(firmware, linear_ref):
    with session.open_emulated("host", firmware("host")) as s:
        with pytest.raises(HILError, match="runs pipeline .* expected 0000"):
            runner.run_windows(
                s.client, linear_ref.windows(1), linear_ref, board="host", expected_hash="0000000000000000"
            )
        other = type(linear_ref).random(seed=1, window_length=41, n_channels=3, n_classes=4)
        with pytest.raises(HILError, match="window length 40.*41"):
            runner.run_windows(s.client, other.windows(1), other, board="host")


@pytest.mark.parametrize("seed", [pytest.param(0, marks=pytest.mark.slow), pytest.param(1, marks=pytest.mark.slow), 2])
def test_noisy_line_never_yields_a_wrong_result(firmware, linear_ref, seed):
    """0.3% of bytes corrupted, dropped or duplicated in each direction (~1 frame in 2 damaged): every accepted answer
    equals the clean one, and the run completes thanks to retries."""
    X = linear_ref.windows(6, seed=seed)
    noisy = lambda t: FaultyTransport(t, np.random.default_rng(seed), 0.001, 0.001, 0.001)  # noqa: E731
    with session.open_emulated("host", firmware("host"), timeout=0.08, wrap=noisy) as s:
        s.client.retries = 40
        run = runner.run_windows(s.client, X, linear_ref, board="host")
        faults = s.client.transport.faults
    assert faults > 5, "the fault injector did not inject"
    assert run.retries > 0
    assert run.n == 6 and run.agreement == 1.0 and run.passed


def test_hopeless_line_fails_with_a_message_naming_the_port(firmware, linear_ref):
    drop_all = lambda t: FaultyTransport(t, np.random.default_rng(0), 0, 0.5, 0)  # noqa: E731
    with session.open_emulated("host", firmware("host")) as s:
        port = s.client.port
        s.client.transport = drop_all(s.client.transport)
        s.client.timeout, s.client.retries = 0.05, 3
        with pytest.raises(HILTimeout, match=f"{port}.*did not answer"):
            runner.run_windows(s.client, linear_ref.windows(3), linear_ref, board="host")


def test_reset_in_the_middle_resumes(firmware, linear_ref):
    X = linear_ref.windows(10)
    with session.open_emulated("host", firmware("host")) as s:
        s.client.transport = ResetAfter(s.client.transport, s.emulated, {4, 7})
        notes = []
        run = runner.run_windows(s.client, X, linear_ref, board="host", progress=notes.append)
    assert run.resets == 2 and run.n == 10 and run.passed
    assert sum("reset during window" in n for n in notes) == 2


def test_board_that_keeps_resetting_fails_clearly(firmware, linear_ref):
    with session.open_emulated("host", firmware("host")) as s:
        s.client.transport = ResetAfter(s.client.transport, s.emulated, set(range(1, 100)))
        with pytest.raises(HILError, match=r"reset 4 times while running window 0"):
            runner.run_windows(s.client, linear_ref.windows(3), linear_ref, board="host")


def test_garbage_then_ping(firmware, rng):
    """Random bytes (with and without delimiters, longer than any buffer) never hang it."""
    with session.open_emulated("host", firmware("host")) as s:
        for n in (1, 7, 300, 5000, 20000):
            s.client.send_raw(rng.integers(0, 256, n, dtype=np.uint8).tobytes())
            s.client.send_raw(rng.integers(1, 256, n, dtype=np.uint8).tobytes())
            assert s.client.ping(b"alive") > 0
        # valid frames with bad bodies are refused, not obeyed
        with pytest.raises(HILError, match="load: offset out of range"):
            s.client.request(P.LOAD, (10**6).to_bytes(4, "little") + b"\0" * 8)
        with pytest.raises(HILError, match="unknown command"):
            s.client.request(0x55, b"x")
        assert s.client.ping(b"still alive") > 0


def test_garbage_fuzz_under_sanitizers(linear_export, tmp_path, rng):
    """The shared firmware built with ASan/UBSan survives random frames and noise."""
    elf = build_hil(
        ported("host"),
        linear_export,
        tmp_path,
        extra_cflags=["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-g"],
    )
    with session.open_emulated("host", elf) as s:
        for i in range(200):
            body = rng.integers(0, 256, int(rng.integers(0, 400)), dtype=np.uint8).tobytes()
            type_ = int(rng.integers(0, 12))
            s.client.send_raw(P.encode_frame(type_, i, body))
            if i % 20 == 0:
                s.client.send_raw(rng.integers(0, 256, 2000, dtype=np.uint8).tobytes())
        assert s.client.ping() > 0
        assert s.emulated.proc.poll() is None


def test_length_boundaries_under_sanitizers(linear_export, tmp_path):
    """Every body length at the firmware's limit (max - 1, max, max + 1, max + 2), on purpose:
    a 261-262 byte PING used to be echoed past the end of tx_raw (ASan: global-buffer-overflow)."""
    elf = build_hil(
        ported("host"),
        linear_export,
        tmp_path,
        extra_cflags=["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-g"],
    )
    limit = 260  # HIL_RX_BODY_MAX: u32 offset + 64 floats
    with session.open_emulated("host", elf) as s:
        for n in (limit - 1, limit):
            body = bytes(range(256)) * 2
            assert s.client.request(P.PING, body[:n]).body == body[:n]
        s.client.retries = 0
        for n in (limit + 1, limit + 2):
            for type_ in (P.PING, P.LOAD, P.PUSH, P.INFER):
                # zeros cost COBS no code bytes, so such a frame always reaches the handler: refused by
                # length; without zeros a 262-byte body is one code byte over the receive buffer and is
                # dropped unanswered (the host times out), as any over-long frame is
                for fill in (b"\0", b"\x01"):
                    with pytest.raises(HILError) as err:
                        s.client.request(type_, fill * n, timeout=2.0)
                    refused = f"bad length ({n})" in str(err.value)
                    assert refused or (fill == b"\x01" and isinstance(err.value, HILTimeout)), str(err.value)
                    assert s.emulated.proc.poll() is None, f"firmware died on a {n}-byte body"
        assert s.client.ping(b"after the boundaries") > 0


def test_streaming_matches_host_windows(firmware, linear_ref, rng):
    signal = rng.normal(size=(205, 3)).astype(np.float32)
    with session.open_emulated("host", firmware("host")) as s:
        run = runner.run_stream(s.client, signal, linear_ref, board="host", window_length=40, hop=20)
    assert run.n == (205 - 40) // 20 + 1 and run.passed


def test_no_answer_times_out_naming_the_port(firmware):
    """A pty with nobody on the other end."""
    master, slave = os.openpty()
    try:
        import tty

        tty.setraw(slave)
        port = os.ttyname(slave)
        t = SerialTransport(port)
        with pytest.raises(HILTimeout, match=f"no hello from the board on {port}"):
            BoardClient(t).connect(boot_timeout=0.3)
        t.close()
    finally:
        os.close(master)
        os.close(slave)


def test_bad_port_is_a_clear_error():
    with pytest.raises(HILError, match="cannot open serial port /dev/nonexistent-tty"):
        SerialTransport("/dev/nonexistent-tty")


# ------------------------------------------------------------------ clean-up
def test_process_is_killed_when_the_body_raises(firmware):
    with pytest.raises(RuntimeError):
        with session.open_emulated("host", firmware("host")) as s:
            pid = s.emulated.proc.pid
            raise RuntimeError("test failure inside the session")
    assert not _alive(pid)
    assert pid not in processes.live_pids()


def test_process_is_killed_on_keyboard_interrupt(firmware):
    with pytest.raises(KeyboardInterrupt):
        with session.open_emulated("host", firmware("host")) as s:
            pid = s.emulated.proc.pid
            raise KeyboardInterrupt
    assert not _alive(pid)


@pytest.mark.parametrize("how", ["exit", "sigkill"])
def test_board_dies_with_its_parent(firmware, how):
    """atexit stops boards on a normal exit; PR_SET_PDEATHSIG even when the parent is killed."""
    code = f"""
import os, signal, sys
from pathlib import Path
from sensorflow.device import firmware, processes
b = processes.launch(firmware.ported("host"), Path({str(firmware("host"))!r}))
b.start()
print(b.proc.pid, flush=True)
{"os.kill(os.getpid(), signal.SIGKILL)" if how == "sigkill" else "sys.exit(0)"}
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    pid = int(proc.stdout.split()[0])
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)
