"""HIL on int16 counts (PUSH_I16 -> sf_model_push_i16, issue 27): a streaming q15 log_mel
export takes the sensor's raw counts on the board as it does the float32 samples, and the host
reference on ``counts * 2^-k`` is the board's answer bit for bit (the int8 path) on the host
pty board, the emulated Cortex-M4F and rv32imc; the wire carries half the bytes. A board that
does not offer it (an export without ``_push_i16``, or firmware older than PUSH_I16) is refused
in one line naming the port before anything is pushed; bad bodies are refused by length."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
from conftest import need_tools
from hilfix import (  # noqa: F401  (pytest fixtures)
    BOARD_TOOLS,
    ScriptedBoard,
    firmware,
    hello_body,
    linear_export,
    linear_ref,
)

from sensorflow import artifact
from sensorflow.cli import main
from sensorflow.device import processes
from sensorflow.device.firmware import ported
from sensorflow.dsp import fixed
from sensorflow.errors import HILError
from sensorflow.hil import protocol as P
from sensorflow.hil import report, runner, session
from sensorflow.hil.client import BoardClient
from sensorflow.hil.throughput import CountingTransport
from sensorflow.testing import int16_stream
from sensorflow.testing.int16_stream import Q15_HOP, Q15_LENGTH, export_firmware, q15_stream_pipeline
from sensorflow.testing.int16_stream import Q15_K as K
from sensorflow.windowing import frame

SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-g"]


@pytest.fixture(scope="module")
def int8_stream():
    """(pipeline, float signal, its int16 counts, the int8 reference) of the one-channel integer pipeline."""
    return int16_stream.int8_stream()


@pytest.fixture(scope="module")
def int8_firmware(int8_stream, tmp_path_factory):
    """firmware(board, sanitize=False) -> HIL ELF of the integer pipeline's export for that board."""
    built = {}

    def get(board: str, sanitize: bool = False):
        need_tools(*BOARD_TOOLS[board])
        if (board, sanitize) not in built:
            work, flags = tmp_path_factory.mktemp(board), SANITIZE if sanitize else None
            built[board, sanitize] = export_firmware(int8_stream[0], board, work, "int8", flags)
        return built[board, sanitize]

    return get


def test_counts_scaled_back_are_the_counts_on_the_host(int8_stream):
    """The host side of the claim: every int16 count c, as the float32 c * 2^-k, quantises back
    to c, so the host pipeline on counts * 2^-k computes on the very counts the board's
    _push_i16 copies (and the float signal's own counts give the same features)."""
    c = np.arange(-32768, 32768, dtype=np.int16)
    for k in (15, 9, 0, -2):
        np.testing.assert_array_equal(fixed.quantize(c.astype(np.float32) * np.float32(2.0**-k), k), c)
    pipe, signal, counts, _ = int8_stream
    scaled = counts.astype(np.float32) * np.float32(2.0**-K)
    a, b = (pipe.transform(frame(x, Q15_LENGTH, Q15_HOP)) for x in (signal, scaled))
    np.testing.assert_array_equal(a.view(np.uint32), b.view(np.uint32))


def test_host_board_push_i16_equals_the_reference_bit_for_bit(int8_stream, int8_firmware):
    """Under ASan/UBSan: counts pushed in random chunk sizes (1..128, never aligned with the
    frames or the hop) give, window for window, the int8 reference's scores on counts * 2^-k as
    float32 bits, and the same bits as the float32 push of those values. A stretch of full-scale
    square wave puts -32768 and 32767 on the wire (0x8000 must arrive as -32768)."""
    pipe, _, counts, ref = int8_stream
    counts = counts.copy()
    counts[9000:9600, 0] = np.where(np.arange(600) % 16 < 8, -32768, 32767)
    scaled = counts.astype(np.float32) * np.float32(2.0**-K)
    want = ref.predict_proba(frame(scaled, Q15_LENGTH, Q15_HOP)).astype(np.float32)
    rng = np.random.default_rng(5)
    with session.open_emulated("host", int8_firmware("host", sanitize=True)) as s:
        assert s.client.hello.push_i16 and s.client.hello.i16_k == K
        for push, x, most in ((s.client.push_i16, counts, 128), (s.client.push, scaled, 64)):
            s.client.reset_state()
            got, start = [], 0
            while start < len(x):
                n = int(rng.integers(1, most + 1))
                res = push(x[start : start + n])
                start += n
                assert res.completed in (0, 1)
                if res.completed:
                    got.append(res.scores)
            assert len(got) == len(want)
            np.testing.assert_array_equal(np.array(got).view(np.uint32), want.view(np.uint32))
        assert s.emulated.proc.poll() is None


def test_hostile_push_i16_bodies_are_refused_by_length(int8_stream, int8_firmware):
    """Under ASan/UBSan: an odd byte count, an empty body, 129 counts (one over a frame) and a
    body past the receive buffer are refused with 'bad length'; the stream then goes on."""
    _, _, counts, _ = int8_stream
    with session.open_emulated("host", int8_firmware("host", sanitize=True)) as s:
        s.client.retries = 0
        s.client.reset_state()
        for n in (1, 3, 255, 0, 258, 260):
            body = bytes(range(256))[:n] if n <= 256 else b"\x01\x02" * (n // 2)
            with pytest.raises(HILError, match=rf"push_i16: bad length \({n}\)"):
                s.client.request(P.PUSH_I16, body)
        res = s.client.request(P.PUSH_I16, struct.pack("<3h", -32768, 32767, -1))
        assert P.PushResult.parse(res.body).completed == 0
        assert s.client.push_i16(counts[:128]).completed == 0
        assert s.emulated.proc.poll() is None


def test_float_export_is_refused_in_one_line_naming_the_port(firmware, linear_ref):
    """The linear fixture has no _push_i16: its hello does not offer it, the runner refuses
    before pushing anything, and a PUSH_I16 sent anyway is an unknown command."""
    with session.open_emulated("host", firmware("host")) as s:
        assert not s.client.hello.push_i16
        with pytest.raises(HILError) as err:
            runner.run_stream(
                s.client,
                np.zeros((60, 3), np.int16),
                linear_ref,
                board="host",
                window_length=40,
                hop=20,
                samples="int16",
            )
        msg = str(err.value)
        assert "\n" not in msg and s.client.port in msg and "--samples float32" in msg
        with pytest.raises(HILError, match="push_i16: unknown command"):
            s.client.request(P.PUSH_I16, b"\0" * 6)
        assert s.client.ping() > 0


def test_older_firmware_is_refused_without_a_push(linear_ref):
    """A protocol-1 board from before PUSH_I16 (hello bytes 45-47 zero): no PUSH_I16 frame is
    ever written to it, and the refusal comes at once, not after timeouts."""

    def answer(f):
        if f.type == P.HELLO:
            return [(P.HELLO | P.RESPONSE, f.seq, hello_body(pipeline_hash=linear_ref.pipeline_hash))]
        if f.type == P.PING:
            return [(P.PING | P.RESPONSE, f.seq, f.body)]
        return [(P.ERROR, f.seq, struct.pack("<BBi", 1, f.type, 0))]

    board = ScriptedBoard(answer)
    client = BoardClient(board, timeout=5.0)
    client.connect(boot_timeout=5.0)
    with pytest.raises(HILError, match="board on scripted does not offer the int16 push"):
        runner.run_stream(
            client, np.zeros((60, 3), np.int16), linear_ref, board="fake", window_length=40, hop=20, samples="int16"
        )
    assert P.PUSH_I16 not in {f.type for f in board.requests} and P.PUSH not in {f.type for f in board.requests}


def test_two_channel_float_path_on_counts(tmp_path):
    """Two channels (the interleaved copy of _push_i16) on the float model path: the int16
    stream and the float32 stream of counts * 2^-k give the same scores bit for bit, within
    tolerance of the float64 host pipeline; a body of an odd number of counts (half a frame)
    is refused by length."""
    need_tools("cc")
    pipe, signal = q15_stream_pipeline(2)
    counts = fixed.quantize(signal, K)
    elf = export_firmware(pipe, "host", tmp_path, "float", SANITIZE)
    assert "#define SF_MODEL_PUSH_I16" in (tmp_path / "export" / "sf_model.h").read_text()
    with session.open_emulated("host", elf) as s:
        runs = {
            how: runner.run_stream(s.client, x, pipe, board="host", window_length=Q15_LENGTH, hop=Q15_HOP, samples=how)
            for how, x in (("int16", counts), ("float32", counts.astype(np.float32) * np.float32(2.0**-K)))
        }
        with pytest.raises(HILError, match=r"push_i16: bad length \(6\)"):
            s.client.request(P.PUSH_I16, b"\0" * 6)
    assert all(r.passed and r.n == 75 for r in runs.values())
    for how, entry in (("int16", "int16 counts (sf_model_push_i16)"), ("float32", "float32 samples (sf_model_push)")):
        d = report.to_dict(runs[how])
        assert d["samples"] == how and entry in report.format_table(d)
    assert [r.host_label for r in runs["int16"].records] == [r.host_label for r in runs["float32"].records]
    assert [r.score_error for r in runs["int16"].records] == [r.score_error for r in runs["float32"].records]


@pytest.mark.emulator
@pytest.mark.slow
@pytest.mark.parametrize("board", ["qemu-mps2-an386", "qemu-riscv32"])
def test_emulated_board_streams_counts(int8_stream, int8_firmware, board):
    """The emulated boards: the stream of counts through PUSH_I16 agrees with the host
    reference on every window with score error 0 (the int8 path), as the float32 stream does,
    and writes at most 0.55 of its bytes (2 bytes a sample instead of 4, plus framing)."""
    _, signal, counts, ref = int8_stream
    wrapped = {}

    def wrap(t):
        wrapped["t"] = CountingTransport(t)
        return wrapped["t"]

    sent = {}
    with session.open_emulated(board, int8_firmware(board), wrap=wrap) as s:
        for how, x in (("float32", signal), ("int16", counts)):
            before = wrapped["t"].sent
            run = runner.run_stream(s.client, x, ref, board=board, window_length=Q15_LENGTH, hop=Q15_HOP, samples=how)
            sent[how] = wrapped["t"].sent - before
            assert run.passed and run.n == 75 and run.samples == how
            assert max(r.score_error for r in run.records) == 0.0, how
            assert all(r.count_features > 0 for r in run.records)
    assert sent["int16"] <= 0.55 * sent["float32"], sent


def _q15_artifact(tmp_path):
    pipe, signal = q15_stream_pipeline(1)
    return artifact.save(pipe, tmp_path / "art"), signal


@pytest.mark.slow
def test_cli_streams_an_int16_recording_through_push_i16(tmp_path, capsys):
    """``sensorflow hil --recording counts.npy`` (int16) on the host board: auto picks the int16
    push, every window agrees; --samples float32 on a float recording keeps sf_model_push; on a
    board given by --port (--no-flash) auto reads the capability from its hello."""
    need_tools("cc")
    art, signal = _q15_artifact(tmp_path)
    np.save(tmp_path / "counts.npy", fixed.quantize(signal[:, 0], K))
    np.save(tmp_path / "floats.npy", signal[:, 0])
    base = ["hil", str(art), "--board", "host", "--build-dir", str(tmp_path / "b"), "--json"]
    for rec, extra, how in (("counts.npy", [], "int16"), ("floats.npy", ["--samples", "float32"], "float32")):
        rc = main([*base, "--recording", str(tmp_path / rec), *extra])
        res = json.loads(capsys.readouterr().out)
        assert rc == 0 and res["passed"] and res["n"] == 75 and res["samples"] == how, res
    # --port --no-flash: no export to read, so auto asks the board's hello
    with processes.launch(ported("host"), tmp_path / "b" / "host" / "hil-host.elf") as board:
        argv = ["hil", str(art), "--board", "host", "--port", board.port, "--no-flash", "--json"]
        rc = main([*argv, "--recording", str(tmp_path / "counts.npy")])
    res = json.loads(capsys.readouterr().out)
    assert rc == 0 and res["passed"] and res["samples"] == "int16", res
