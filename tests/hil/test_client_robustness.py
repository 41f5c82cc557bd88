"""HIL client and CLI details (issue 29, items 7 and 8): the hello must answer our request, a
reset while the round trip is measured is retried, ``--retries N``, and a board or sensor
whose port closes mid-run ends with its summary and one line naming the port (exit 1)."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time

import numpy as np
import pytest
from hilfix import (  # noqa: F401  (pytest fixtures)
    ResetAfter,
    ScriptedBoard,
    firmware,
    hello_body,
    linear_export,
    linear_ref,
    small_artifact,
    small_windows,
)

from sensorflow.cli import main
from sensorflow.device import firmware as fw
from sensorflow.device import processes
from sensorflow.hil import protocol as P
from sensorflow.hil import runner, session
from sensorflow.hil.client import BoardClient
from sensorflow.hil.transport import FaultyTransport, SerialTransport, Transport


# ------------------------------------------------------------------ the hello
def test_a_hello_that_answers_another_request_is_ignored():
    """A stale hello (an earlier session's answer, another sequence number) arrives first; the
    client waits for the one that answers its own request."""

    def answer(req):
        if req.type != P.HELLO:
            return []
        stale = (P.HELLO | P.RESPONSE, (req.seq + 1000) & 0xFFFF, hello_body(pipeline_hash="stalestalestale0"))
        return [stale, (P.HELLO | P.RESPONSE, req.seq, hello_body(pipeline_hash="fresh00000000000"))]

    client = BoardClient(ScriptedBoard(answer))
    assert client.connect(boot_timeout=2.0).pipeline_hash == "fresh00000000000"


def test_a_boot_hello_is_not_taken_for_the_answer():
    """The board boots while we ask: its boot hello (seq 0) makes the client ask again; the
    hello it keeps answers that request."""

    def answer(req):
        if req.type != P.HELLO:
            return []
        if len(board.requests) == 1:  # the first request is lost in the boot; the board announces itself
            return [(P.HELLO | P.RESPONSE, 0, hello_body(boot=True, pipeline_hash="booting000000000"))]
        return [(P.HELLO | P.RESPONSE, req.seq, hello_body(pipeline_hash="answer0000000000"))]

    board = ScriptedBoard(answer)
    hello = BoardClient(board).connect(boot_timeout=2.0)
    assert not hello.boot and hello.pipeline_hash == "answer0000000000"
    assert len(board.requests) == 2


def test_connect_gives_up_when_no_hello_answers_it():
    """Only hellos with foreign sequence numbers: no hello is accepted, the client times out."""
    board = ScriptedBoard(
        lambda req: [(P.HELLO | P.RESPONSE, (req.seq + 1) & 0xFFFF, hello_body())] if req.type == P.HELLO else []
    )
    with pytest.raises(Exception, match="no hello from the board on scripted"):
        BoardClient(board).connect(boot_timeout=0.6)


# ------------------------------------------------------------------ reset during the ping
def test_reset_during_the_ping_measurement_is_retried(firmware, linear_ref):
    X = linear_ref.windows(4)
    with session.open_emulated("host", firmware("host")) as s:
        s.client.transport = ResetAfter(s.client.transport, s.emulated, {3}, on=P.PING)
        notes = []
        run = runner.run_windows(s.client, X, linear_ref, board="host", progress=notes.append)
    assert run.resets == 1 and run.n == 4 and run.passed and run.ping_seconds > 0
    assert any("reset during the ping measurement" in n for n in notes)


def test_a_board_that_resets_at_every_ping_fails_clearly(firmware, linear_ref):
    with session.open_emulated("host", firmware("host")) as s:
        s.client.transport = ResetAfter(s.client.transport, s.emulated, set(range(1, 100)), on=P.PING)
        with pytest.raises(Exception, match=r"reset 4 times while measuring the round trip"):
            runner.run_windows(s.client, linear_ref.windows(2), linear_ref, board="host")


# ------------------------------------------------------------------ the CLI
@pytest.fixture(scope="module")
def small_hil(small_artifact, tmp_path_factory):
    """(artifact, HIL firmware of it for the host board), built by `sensorflow hil` once."""
    build = tmp_path_factory.mktemp("hilbuild")
    assert main(["hil", str(small_artifact), "--board", "host", "--build-dir", str(build), "-q"]) == 0
    return small_artifact, build / "host" / "hil-host.elf"


def _noisy(monkeypatch, seed=3):
    """Every port `sensorflow hil` opens corrupts, drops and duplicates 0.1% of the bytes each way."""
    rng = np.random.default_rng(seed)
    monkeypatch.setattr(
        session, "SerialTransport", lambda url, **kw: FaultyTransport(SerialTransport(url, **kw), rng, 1e-3, 1e-3, 1e-3)
    )


@pytest.mark.parametrize("retries, ok", [(0, False), (40, True)])
def test_retries_option_on_a_noisy_line(small_hil, monkeypatch, capsys, tmp_path, retries, ok):
    art, elf = small_hil
    windows = tmp_path / "w.npy"
    np.save(windows, small_windows(30, seed=2)[0])
    _noisy(monkeypatch)
    with processes.launch(fw.ported("host"), elf) as board:
        capsys.readouterr()
        argv = ["hil", str(art), "--board", "host", "--port", board.port, "--no-flash", "--windows", str(windows)]
        rc = main([*argv, "--timeout", "0.1", "--retries", str(retries), "--json"])
    res = json.loads(capsys.readouterr().out)
    if ok:
        assert rc == 0 and res["passed"] and res["n"] == 30 and res["retries"] > 0, res
    else:
        assert rc == 1 and "after 1 tries" in res["error"], res


@pytest.mark.parametrize("value", ["-1", "1001"])
def test_retries_option_is_checked(small_artifact, capsys, value):
    rc = main(["hil", str(small_artifact), "--board", "host", "--retries", value])
    err = capsys.readouterr().err
    assert rc == 2 and f"--retries must be an integer from 0 to 1000, got {value}" in err


def test_hil_port_closed_mid_run_prints_the_summary(small_hil, monkeypatch, capsys, tmp_path):
    """The board's process dies and its pty goes away (as a USB board unplugged) after 20
    windows: the table of those 20, one line naming the port, exit 1, no traceback."""
    art, elf = small_hil
    windows = tmp_path / "w.npy"
    np.save(windows, small_windows(200, seed=2)[0])
    with processes.launch(fw.ported("host"), elf) as board:

        def unplug_after_20(url, **kw):
            return ResetAfter(SerialTransport(url, **kw), type("Unplug", (), {"hard_reset": board.stop})(), {21})

        monkeypatch.setattr(session, "SerialTransport", unplug_after_20)
        capsys.readouterr()
        rc = main(
            ["hil", str(art), "--board", "host", "--port", board.port, "--no-flash", "--windows", str(windows), "-q"]
        )
        port = board.port
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert rc == 1 and len(lines) == 1 and "Traceback" not in err, err
    assert f"port {port} closed" in lines[0] and "after 20 of 200 windows" in lines[0], lines[0]
    table = dict(line.split("  ", 1) for line in out.strip().splitlines())
    assert table["windows"].strip() == "20 (stopped: the port closed)", out
    assert table["label agreement"].strip() == "100.00 %" and table["result"].strip() == "FAIL", out


def _sensor_server(lines: list[str]) -> str:
    """A TCP sensor: accepts one connection, sends ``lines``, closes (socket:// URL)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def serve():
        conn, _ = srv.accept()
        # pyserial discards what is already waiting when it opens a socket:// port (reset_input_buffer);
        # a real sensor streams on, this one sends its lines once, so give the client time to open first
        time.sleep(0.5)
        with conn:
            conn.sendall("".join(f"{line}\r\n" for line in lines).encode())
        srv.close()

    threading.Thread(target=serve, daemon=True).start()
    return f"socket://127.0.0.1:{srv.getsockname()[1]}"


@pytest.mark.parametrize("as_json", [False, True])
def test_run_on_a_socket_sensor_that_disconnects(small_artifact, capsys, as_json):
    X = small_windows(4, seed=5)[0]
    lines = ["boot: sensor ready", "a,b"] + [f"{a:.9g},{b:.9g}" for a, b in X.reshape(-1, 2)]
    url = _sensor_server(lines)
    capsys.readouterr()
    rc = main(["run", str(small_artifact), "--port", url, "--timeout", "10", "--json" if as_json else "-q"])
    out, err = capsys.readouterr()
    assert rc == 1 and "Traceback" not in err
    if as_json:
        res = json.loads(out)
        assert res["ok"] is False and res["n_samples"] == 128 and res["n_windows"] == 4
        assert f"port {url} closed" in res["error"]
    else:
        lines_err = err.strip().splitlines()
        assert len(lines_err) == 1 and f"port {url} closed" in lines_err[0], err
        assert f"{url}: 128 samples, 4 windows" in out


class LoseBootHellos(Transport):
    """Passes the board's frames through, except boot hellos: as if line noise destroyed them."""

    def __init__(self, inner):
        self.inner, self.name, self._tail, self.lost = inner, inner.name, b"", 0

    def write(self, data):
        self.inner.write(data)

    def read(self, timeout):
        *blocks, self._tail = (self._tail + self.inner.read(timeout)).split(b"\0")
        kept = []
        for block in blocks:
            try:
                frame = P.decode_block(block) if block else None
            except P.FrameError:
                frame = None
            if frame and frame.type == P.HELLO | P.RESPONSE and P.Hello.parse(frame.body).boot:
                self.lost += 1
                continue
            kept.append(block)
        return b"".join(b + b"\0" for b in kept)

    def close(self):
        self.inner.close()


def test_a_reset_whose_boot_hello_is_lost_is_detected(firmware, linear_ref):
    """The board resets right after an INFER request and its boot hello never arrives: the
    firmware refuses state requests until a new hello ("no session"), so the client notices,
    opens a session, and the runner re-uploads the window (it used to get answers computed on
    the wiped window: a false disagreement)."""
    X = linear_ref.windows(6)
    with session.open_emulated("host", firmware("host")) as s:
        lossy = LoseBootHellos(s.client.transport)
        s.client.transport = ResetAfter(lossy, s.emulated, {3})
        run = runner.run_windows(s.client, X, linear_ref, board="host")
    assert lossy.lost == 1
    assert run.resets == 1 and run.n == 6 and run.passed


# ------------------------------------------------------------------ pipelined window upload
def test_pipelined_upload_resends_only_the_unanswered_chunk():
    """A window of 2 LOAD frames goes out back to back; the board loses the second once: only
    that one is sent again, and every chunk is acknowledged in order."""
    lost = []

    def answer(req):
        if req.type == P.HELLO:
            return [(P.HELLO | P.RESPONSE, req.seq, hello_body())]
        offset = struct.unpack_from("<I", req.body)[0]
        if offset == 64 and not lost:
            lost.append(req.seq)
            return []
        end = offset + (len(req.body) - 4) // 4
        return [(P.LOAD | P.RESPONSE, req.seq, struct.pack("<I", end))]

    board = ScriptedBoard(answer)
    client = BoardClient(board, timeout=0.05)
    client.connect(boot_timeout=1.0)
    client.pipeline_loads = True
    client.upload(np.arange(120, dtype=np.float32).reshape(40, 3))  # 120 floats: chunks at 0, 64
    loads = [struct.unpack_from("<I", r.body)[0] for r in board.requests if r.type == P.LOAD]
    assert loads == [0, 64, 64] and client.retried == 1
