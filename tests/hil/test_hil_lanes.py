"""HIL lanes (docs/design.md): an emulated board's frames spread over several serial devices.
The lane transport over plain pseudo-terminals, and on the emulated Cortex-M4F (five CMSDK
UARTs) the same answers, bit for bit, as over one lane."""

from __future__ import annotations

import os
import select
import struct

import pytest
from hilfix import firmware, linear_export, linear_ref  # noqa: F401  (pytest fixtures)

from sensorflow.device import boards, processes
from sensorflow.errors import ConfigError, HILError
from sensorflow.hil import protocol as P
from sensorflow.hil import session
from sensorflow.hil.throughput import measure, uart_ms
from sensorflow.hil.transport import LaneTransport, SerialTransport

M4F = "qemu-mps2-an386"


@pytest.fixture
def lanes():
    """Three pty pairs: (LaneTransport over the slaves, the masters a fake board holds)."""
    pairs = [processes.raw_pty() for _ in range(3)]
    link = LaneTransport([SerialTransport(os.ttyname(slave)) for _, slave in pairs])
    yield link, [master for master, _ in pairs]
    link.close()
    for master, slave in pairs:
        os.close(master)
        os.close(slave)


def _board_reads(master: int) -> list[P.Frame]:
    data = b""
    while select.select([master], [], [], 0.2)[0]:
        data += os.read(master, 65536)
    return P.FrameDecoder().feed(data)


def _load(seq: int, offset: int) -> bytes:
    return P.encode_frame(P.LOAD, seq, struct.pack("<I", offset) + b"\x01" * 8)


def test_load_frames_go_whole_to_the_lane_of_their_offset(lanes):
    """Offsets are dealt to the lanes in turn and keep their lane, so the next window's chunk
    queues behind any late copy of this window's; every other frame goes to lane 0."""
    link, masters = lanes
    link.write(b"".join(_load(seq, 64 * seq) for seq in range(4)) + P.encode_frame(P.INFER, 4, b"\x01"))
    link.write(b"".join(_load(10 + seq, 64 * seq) for seq in range(4)))
    damaged = bytearray(_load(20, 128))
    damaged[6] ^= 0x40
    link.write(bytes(damaged))  # fails its CRC here: lane 0, where the board drops it too
    got = [[f.seq for f in _board_reads(m)] for m in masters]
    assert got == [[0, 3, 4, 10, 13], [1, 11], [2, 12]]
    assert link.frames_out == [6, 2, 2]
    link.write(b"garbage-without-a-delimiter")  # raw bytes: lane 0, as they are
    assert os.read(masters[0], 100) == b"garbage-without-a-delimiter"


def test_reads_return_whole_frames_only(lanes):
    link, masters = lanes
    a, b = P.encode_frame(P.PING | P.RESPONSE, 1, b"one"), P.encode_frame(P.PING | P.RESPONSE, 2, b"two")
    os.write(masters[1], a + b[:5])  # a whole frame and the start of another on lane 1
    os.write(masters[2], b[5:9])  # bytes of nothing whole on lane 2
    assert [f.seq for f in P.FrameDecoder().feed(link.read(0.5))] == [1]
    os.write(masters[1], b[5:])
    assert [f.seq for f in P.FrameDecoder().feed(link.read(0.5))] == [2]
    assert link.read(0.05) == b""  # lane 2's partial block waits for its delimiter
    assert link.bytes_in == [0, len(a) + len(b), 4]


def test_a_lane_holding_too_much_without_a_delimiter_is_passed_on_closed(lanes):
    link, masters = lanes
    junk = b"\x01" * (LaneTransport.MAX_PENDING + 10)
    passed = b""
    for i in range(0, len(junk), 1024):
        os.write(masters[2], junk[i : i + 1024])
        passed += link.read(0.2)
    assert passed == junk + b"\0" and link._pending[2] == b""
    os.write(masters[0], P.encode_frame(P.PING | P.RESPONSE, 9, b"ok"))
    assert [f.seq for f in P.FrameDecoder().feed(link.read(0.5))] == [9]


def test_hil_lanes_is_validated_in_the_board_file():
    text = boards.BOARDS_DIR.joinpath(f"{M4F}.yaml").read_text().replace("hil_lanes: 5", "hil_lanes: 9")
    with pytest.raises(ConfigError, match="hil_lanes"):
        boards.parse(text, "m4f.yaml")
    assert boards.get(M4F).firmware.hil_lanes == 5 and boards.get("qemu-riscv32").firmware.hil_lanes == 1


@pytest.mark.parametrize(
    "old, new, key",
    [
        ("hil_lanes: 5", "hil_lanes: true", "firmware.hil_lanes"),
        ("hil_lanes: 5", 'hil_lanes: "5"', "firmware.hil_lanes"),
        ("hil_lanes: 5", "hil_lanes: 5.0", "firmware.hil_lanes"),
        ("hil_lanes: 5", "hil_lanes: .nan", "firmware.hil_lanes"),
        ("hil_lanes: 5", "hil_lanes: 99999999999999999999", "firmware.hil_lanes"),
        ("semihosting: true", "semihosting: true\n  hil_icount_sleep: 1", "emulator.hil_icount_sleep"),
        ("semihosting: true", 'semihosting: true\n  hil_icount_sleep: "yes"', "emulator.hil_icount_sleep"),
        ("semihosting: true", "semihosting: true\n  hil_icount_sleep: .nan", "emulator.hil_icount_sleep"),
    ],
)
def test_hil_board_keys_of_a_wrong_type_are_refused_naming_the_key(old, new, key):
    """hil_lanes: true used to be read as 1 lane, hil_icount_sleep: 1 / "yes" as true."""
    text = boards.BOARDS_DIR.joinpath(f"{M4F}.yaml").read_text()
    assert old in text
    with pytest.raises(ConfigError) as err:
        boards.parse(text.replace(old, new, 1), "m4f.yaml")
    assert "m4f.yaml:" in str(err.value) and key in str(err.value) and "\n" not in str(err.value)


def _answers(board_elf, windows, lanes):
    with session.open_emulated(M4F, board_elf, timeout=3.0, lanes=lanes) as s:
        link = s.client.transport
        out = []
        for w in windows:
            s.client.upload(w)
            res = s.client.infer()
            out.append((res.label, res.scores.tobytes(), s.client.features().tobytes()))
        used = (link.frames_out, link.bytes_in) if isinstance(link, LaneTransport) else None
    return out, used


@pytest.mark.emulator
def test_five_lanes_give_the_single_lane_answers_on_the_m4f(firmware, linear_ref):  # noqa: F811
    """Every label, score and feature the board computes over five UARTs equals, bit for bit,
    what it computes over UART0 alone; the window's two chunks went over two lanes and each
    lane that carried requests carried their answers back."""
    elf = firmware(M4F)
    X = linear_ref.windows(12)
    one, _ = _answers(elf, X, lanes=1)
    five, (frames_out, bytes_in) = _answers(elf, X, lanes=5)
    assert five == one
    assert sum(n > 0 for n in frames_out) == 2 and all(b > 0 for f, b in zip(frames_out, bytes_in) if f)
    with pytest.raises(HILError, match="1 to 5 HIL lanes"):
        with session.open_emulated(M4F, elf, lanes=6):
            pass


@pytest.mark.emulator
def test_throughput_run_compares_every_window_and_counts_bytes(firmware, linear_ref):  # noqa: F811
    X = linear_ref.windows(6)
    r = measure(M4F, firmware(M4F), linear_ref, X)
    assert r.passed and r.lanes == 5 and r.windows == 6
    assert r.up_per_window > 4 * X[0].size  # the float32 window, framed
    assert r.down_per_window > 0 and r.ceiling_up_bytes_per_s > 0
    assert r.real_uart_ms_per_window(115_200) == pytest.approx(8 * r.real_uart_ms_per_window(921_600))
    assert uart_ms(11_520, 115_200) == pytest.approx(1000.0)


def test_throughput_bench_section_without_emulators_says_why(monkeypatch):
    from sensorflow.bench import emulated_boards, hil_throughput_section
    from sensorflow.bench.runner import SECTIONS

    assert SECTIONS["hil_throughput"][0] == "sensorflow.bench.hil_throughput_section"
    monkeypatch.setattr(emulated_boards.measure, "tools_available", lambda board: f"no emulator for {board}")
    sec = hil_throughput_section.run(quick=True)
    assert not sec.available and "no emulator for qemu-riscv32" in sec.reason


def test_gesture_shaped_windows_cost_what_gesture_windows_cost():
    """The bench's stand-in for the gesture run: 100 x 6 float32 windows, 60 features, 4 classes."""
    from sensorflow.bench.hil_throughput_section import gesture_shaped

    pipe, X = gesture_shaped(50)
    assert X.shape == (50, 100, 6) and X.dtype == "float32"
    assert pipe.transform(X).shape == (50, 60) and len(pipe.classes_) == 4
    assert len(set(pipe.predict(X))) > 1


def _lane_streams(out: bytes) -> dict[int, bytes]:
    streams, pos = {}, 0
    while pos < len(out):
        lane, n = out[pos], struct.unpack_from("<I", out, pos + 1)[0]
        streams[lane] = out[pos + 5 : pos + 5 + n]
        pos += 5 + n
    return streams


def test_each_lane_receives_bodies_at_the_limit_under_sanitizers(linear_export, tmp_path):  # noqa: F811
    """The multi-lane receive (one buffer per lane, HIL_PORT_LANES=3) at body max - 1, max,
    max + 1 and max + 2 on every lane at once, the lanes' bytes interleaved, under ASan/UBSan
    (a test port feeds the lanes from stdin: tests/hil/fixtures/lanes_port.c): at the limit a
    PING is echoed on its own lane, over it refused by length or dropped, never overflowing, and
    each lane still answers afterwards."""
    import shutil
    import subprocess
    from pathlib import Path

    from sensorflow.device import toolchain
    from sensorflow.device.firmware import HIL_DIR, pipeline_sources

    if shutil.which("cc") is None:
        pytest.skip("no C compiler")
    n_lanes, limit = 3, 260  # HIL_RX_BODY_MAX
    elf = tmp_path / "lanes.elf"
    cmd = [
        "cc",
        *toolchain.STRICT_CFLAGS,
        "-O1",
        "-g",
        "-fsanitize=address,undefined",
        "-fno-sanitize-recover=all",
        "-DSF_PORT_HOST",
        f"-DHIL_PORT_LANES={n_lanes}u",
        f"-I{HIL_DIR}",
        f"-I{linear_export}",
        str(HIL_DIR / "hil_main.c"),
        str(HIL_DIR / "hil_proto.c"),
        str(Path(__file__).parent / "fixtures" / "lanes_port.c"),
        *[str(p) for p in pipeline_sources(linear_export)],
        "-o",
        str(elf),
        "-lm",
    ]
    subprocess.run(cmd, check=True, capture_output=True)
    sent: dict[int, list[tuple[int, int, bytes]]] = {lane: [] for lane in range(n_lanes)}
    stdin = b""
    for lane in range(n_lanes):
        seq, wire = 1000 * (lane + 1), b""
        for n in (limit - 1, limit, limit + 1, limit + 2):
            for type_ in (P.PING, P.LOAD, P.INFER):
                for fill in (b"\0", bytes([lane + 1])):
                    body = (fill * n)[:n]
                    wire += P.encode_frame(type_, seq, body)
                    sent[lane].append((type_, seq, body))
                    seq += 1
        wire += P.encode_frame(P.PING, seq, f"lane {lane} ok".encode())
        sent[lane].append((P.PING, seq, f"lane {lane} ok".encode()))
        stdin += struct.pack("<BI", lane, len(wire)) + wire
    run = subprocess.run([str(elf)], input=stdin, capture_output=True, timeout=60)
    assert run.returncode == 0, run.stderr.decode(errors="replace")[-2000:]
    streams = _lane_streams(run.stdout)
    assert sorted(streams) == list(range(n_lanes))
    for lane in range(n_lanes):
        frames = P.FrameDecoder().feed(streams[lane])
        by_seq = {f.seq: f for f in frames if f.type != P.HELLO | P.RESPONSE}
        mine = {seq for _, seq, _ in sent[lane]}
        assert set(by_seq) <= mine, f"lane {lane} answered another lane's request"
        for type_, seq, body in sent[lane]:
            got = by_seq.get(seq)
            if type_ == P.PING and len(body) <= limit:
                assert got is not None and got.body == body, (lane, len(body))
            elif len(body) > limit and got is not None:
                assert got.type == P.ERROR, (lane, type_, len(body), got)
        refused = [f for f in frames if f.type == P.ERROR and f.seq in mine]
        assert len(refused) >= 6, f"lane {lane}: the over-long zero-filled bodies reached no handler"
