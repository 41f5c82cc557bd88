"""Frame codec: round trips, CRC against zlib, COBS against the cobs package, the firmware's
C codec (sensorflow/device/firmware/hil/hil_proto.c) against both, and a decoder fuzzed with noise."""

from __future__ import annotations

import ctypes
import struct
import subprocess
import zlib

import numpy as np
import pytest
from cobs import cobs
from conftest import need_tools
from hypothesis import given, settings
from hypothesis import strategies as st

from sensorflow.device.firmware import HIL_DIR
from sensorflow.hil import protocol as P

frames = st.tuples(st.integers(0, 255), st.integers(0, 0xFFFF), st.binary(max_size=600))


@given(frames)
def test_frame_round_trip(frame):
    type_, seq, body = frame
    wire = P.encode_frame(type_, seq, body)
    assert wire[0] == 0 and wire[-1] == 0 and 0 not in wire[1:-1]
    (got,) = P.FrameDecoder().feed(wire)
    assert (got.type, got.seq, got.body) == (type_, seq, body)


def test_crc_is_zlib_crc32():
    wire = P.encode_frame(P.PING, 0x1234, b"123456789")
    raw = cobs.decode(wire[1:-1])
    assert raw[:3] == bytes([P.PING, 0x34, 0x12])
    assert struct.unpack("<I", raw[-4:])[0] == zlib.crc32(raw[:-4])
    assert zlib.crc32(b"123456789") == 0xCBF43926  # the CRC-32 check value


@given(frames, st.integers(0, 10_000), st.integers(0, 7))
def test_any_single_bit_flip_is_rejected(frame, pos, bit):
    wire = bytearray(P.encode_frame(*frame))
    i = 1 + pos % (len(wire) - 2)
    wire[i] ^= 1 << bit
    dec = P.FrameDecoder()
    got = dec.feed(bytes(wire))
    assert all((f.type, f.seq, f.body) != frame or bytes(wire) == P.encode_frame(*frame) for f in got)
    assert not any(f.body == frame[2] and f.seq == frame[1] and f.type == frame[0] for f in got)


@settings(max_examples=200)
@given(
    st.lists(
        st.one_of(frames.map(lambda f: ("frame", f)), st.binary(max_size=80).map(lambda b: ("noise", b))), max_size=12
    )
)
def test_decoder_survives_noise_between_frames(items):
    """Frames separated by arbitrary noise: every frame that was sent intact comes out, and
    nothing comes out that was not sent (CRC-32 lets noise through with p = 2^-32)."""
    wire = b"".join(P.encode_frame(*v) if kind == "frame" else v for kind, v in items)
    sent = [v for kind, v in items if kind == "frame"]
    got = [(f.type, f.seq, f.body) for f in P.FrameDecoder().feed(wire)]
    assert got == sent


def test_decoder_accepts_bytes_one_at_a_time():
    wire = P.encode_frame(P.LOAD, 7, bytes(range(256)) * 2)
    dec = P.FrameDecoder()
    out = [f for b in wire for f in dec.feed(bytes([b]))]
    assert len(out) == 1 and out[0].body == bytes(range(256)) * 2


def test_hello_and_results_parse():
    body = struct.pack("<BBH10IB3x", 1, 1, 260, 100, 6, 36, 4, 50, 640, 65536, 300, 4000, 9000, 1)
    body += b"0123456789abcdef" + b"sf-hil 1".ljust(16, b"\0") + b"qemu-mps2-an386".ljust(24, b"\0")
    h = P.Hello.parse(body)
    assert (h.window_length, h.n_channels, h.n_features, h.n_classes, h.hop) == (100, 6, 36, 4, 50)
    assert h.boot and h.counter_unit == "instructions" and h.pipeline_hash == "0123456789abcdef"
    assert h.board == "qemu-mps2-an386" and h.floats_per_frame == 64
    res = struct.pack("<iiQQII", 2, 1, 1000, 200, 512, 3) + np.array([0.1, 0.2, 0.7], "<f4").tobytes()
    r = P.InferResult.parse(res)
    assert r.label == 2 and r.count_features == 1000 and np.allclose(r.scores, [0.1, 0.2, 0.7])
    with pytest.raises(P.FrameError):
        P.InferResult.parse(res[:-1])
    assert "infer: bad length" in P.describe_error(struct.pack("<BBi", 2, P.INFER, 5))


def test_hello_capabilities_and_push_i16_round_trip():
    """Hello byte 45 (capabilities) and 46 (k, int8): 0 on a protocol-1 firmware older than
    PUSH_I16, so such a board parses as one without the int16 push; a PUSH_I16 body is the
    counts as int16 LE and comes back out of a frame exactly."""
    head = struct.pack("<BBH10IB", 1, 0, 260, 2400, 1, 132, 2, 400, 64, 4096, 512, 1024, 2048, 1)
    tail = b"0123456789abcdef" + b"sf-hil 1".ljust(16, b"\0") + b"host".ljust(24, b"\0")
    old = P.Hello.parse(head + bytes(3) + tail)
    assert not old.push_i16 and old.capabilities == 0 and old.i16_k == 0
    for k in (15, 0, -3):
        h = P.Hello.parse(head + struct.pack("<Bbx", P.CAP_PUSH_I16, k) + tail)
        assert h.push_i16 and h.i16_k == k and h.counts_per_frame == P.MAX_I16_PER_FRAME == 128
    # k is only read with the capability bit: another bit alone carries no scale
    h = P.Hello.parse(head + struct.pack("<Bbx", 0x02, 9) + tail)
    assert not h.push_i16 and h.i16_k == 0
    counts = np.resize(np.array([-32768, -1, 0, 1, 255, 256, 32767], dtype=np.int16), 128)
    wire = P.encode_frame(P.PUSH_I16, 0xBEEF, P.counts(counts))
    (frame,) = P.FrameDecoder().feed(wire)
    assert (frame.type, frame.seq, len(frame.body)) == (P.PUSH_I16, 0xBEEF, 256)
    np.testing.assert_array_equal(np.frombuffer(frame.body, "<i2"), counts)
    for not_counts in (counts.astype(np.float32), counts.astype(np.int32)):
        with pytest.raises(ValueError, match="int16 array"):
            P.counts(not_counts)  # rounding or wrapping is the caller's choice, never done here
    assert "push_i16: bad length" in P.describe_error(struct.pack("<BBi", 2, P.PUSH_I16, 3))


# ------------------------------------------------------------------ the firmware's C codec
@pytest.fixture(scope="module")
def c_proto(tmp_path_factory):
    need_tools("cc")
    out = tmp_path_factory.mktemp("proto") / "libhilproto.so"
    src = HIL_DIR / "hil_proto.c"
    subprocess.run(
        ["cc", "-std=c99", "-O1", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", str(src), "-o", str(out)],
        check=True,
    )
    lib = ctypes.CDLL(str(out))
    lib.hil_crc32.restype = ctypes.c_uint32
    lib.hil_crc32.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    lib.hil_cobs_encode.restype = ctypes.c_size_t
    lib.hil_cobs_encode.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p]
    lib.hil_cobs_decode.restype = ctypes.c_int
    lib.hil_cobs_decode.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    return lib


@settings(max_examples=300)
@given(st.one_of(st.binary(max_size=700), st.integers(0, 700).map(lambda n: b"\x01" * n)))
def test_c_codec_matches_python(c_proto, data):
    assert c_proto.hil_crc32(data, len(data)) == zlib.crc32(data)
    buf = ctypes.create_string_buffer(len(data) + len(data) // 254 + 2)
    n = c_proto.hil_cobs_encode(data, len(data), buf)
    assert buf.raw[:n] == cobs.encode(data)
    enc = ctypes.create_string_buffer(cobs.encode(data), len(cobs.encode(data)))
    assert c_proto.hil_cobs_decode(enc, len(enc.raw)) == len(data)
    assert enc.raw[: len(data)] == data


@settings(max_examples=300)
@given(st.binary(min_size=1, max_size=300))
def test_c_decoder_rejects_what_python_rejects(c_proto, block):
    block = block.replace(b"\x00", b"\x01") if np.random.default_rng(len(block)).random() < 0.5 else block
    buf = ctypes.create_string_buffer(block, len(block))
    n = c_proto.hil_cobs_decode(buf, len(block))
    try:
        want = cobs.decode(block)
    except cobs.DecodeError:
        assert n == -1
    else:
        assert n == len(want) and buf.raw[:n] == want
