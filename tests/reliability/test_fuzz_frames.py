"""Property-based fuzzing (Hypothesis) of the HIL wire format (sensorflow.hil.protocol): random
and mutated blocks, frames and message bodies give either a correct result or the protocol's
own FrameError, never another exception; valid frames and bodies round-trip, whole or fed in
pieces. CI runs a short profile; ``HYPOTHESIS_PROFILE=fuzz`` (``make fuzz``) many more."""

from __future__ import annotations

import struct

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from relhelp import fuzz_settings

from sensorflow.hil import protocol as P

FUZZ = fuzz_settings("frames", 300, 5000)

frames = st.tuples(st.integers(0, 255), st.integers(0, 0xFFFF), st.binary(max_size=400))
# edits of a valid wire frame: (kind, position, value)
edits = st.lists(
    st.tuples(
        st.sampled_from(["flip", "set", "insert", "delete", "truncate"]), st.integers(0, 2000), st.integers(0, 255)
    ),
    min_size=1,
    max_size=6,
)


def _mutated(wire: bytes, steps) -> bytes:
    b = bytearray(wire)
    for kind, pos, value in steps:
        if not b:
            break
        i = pos % len(b)
        if kind == "flip":
            b[i] ^= 1 << (value % 8)
        elif kind == "set":
            b[i] = value
        elif kind == "insert":
            b.insert(i, value)
        elif kind == "delete":
            del b[i]
        else:
            del b[i:]
    return bytes(b)


def _decode_or_frame_error(block: bytes):
    try:
        return P.decode_block(block)
    except P.FrameError:
        return None


@FUZZ
@given(frames, st.lists(st.integers(1, 64), min_size=1, max_size=8))
def test_valid_frames_round_trip_in_any_pieces(frame, cuts):
    wire = P.encode_frame(*frame) * 2
    dec, got, pos, k = P.FrameDecoder(), [], 0, 0
    while pos < len(wire):
        n = cuts[k % len(cuts)]
        got += dec.feed(wire[pos : pos + n])
        pos, k = pos + n, k + 1
    assert [(f.type, f.seq, f.body) for f in got] == [frame, frame] and dec.bad_frames == 0
    assert P.decode_block(P.encode_frame(*frame)[1:-1]) == P.Frame(*frame)


@FUZZ
@given(st.binary(max_size=700))
def test_random_blocks_give_a_frame_or_frame_error(block):
    frame = _decode_or_frame_error(block.replace(b"\x00", b""))
    if frame is not None:  # only a block that really is a frame (CRC right) decodes
        assert P.encode_frame(frame.type, frame.seq, frame.body)[1:-1] == block.replace(b"\x00", b"")
    dec = P.FrameDecoder(max_block=300)
    out = dec.feed(block)
    assert all(isinstance(f, P.Frame) for f in out)


@FUZZ
@given(frames, edits)
def test_mutated_frames_never_decode_to_something_else(frame, steps):
    """A mutated frame decodes to the original (an edit that changed nothing, e.g. in the
    delimiters) or is rejected; the CRC-32 lets a wrong frame through with p = 2^-32, which a
    run of this size never reaches."""
    wire = P.encode_frame(*frame)
    bad = _mutated(wire, steps)
    dec = P.FrameDecoder()
    for f in dec.feed(bad + b"\x00"):
        assert (f.type, f.seq, f.body) == frame, "a mutated frame decoded to a different frame"
    for block in bad.split(b"\x00"):
        f = _decode_or_frame_error(block)
        assert f is None or (f.type, f.seq, f.body) == frame


# ---------------------------------------------------------------------- message bodies
def _hello_body(rx_max: int, n_classes: int) -> bytes:
    head = struct.pack("<BBH10IB3x", 1, 1, rx_max, 40, 3, 6, n_classes, 20, 512, 8192, 300, 65536, 131072, 1)
    return head + b"0123456789abcdef" + b"sf-hil 1".ljust(16, b"\0") + b"host".ljust(24, b"\0")


@FUZZ
@given(st.one_of(st.integers(0, 12), st.integers(0, 0xFFFF)), st.integers(0, 64), edits, st.booleans())
def test_hello_parses_or_refuses(rx_max, n_classes, steps, mutate):
    """Including the boundary: a board must take at least one float per LOAD (rx_max >= 8), or
    the client's upload step would be 0 or negative and send nothing."""
    body = _hello_body(rx_max, n_classes)
    if not mutate and rx_max < 8:
        try:
            P.Hello.parse(body)
        except P.FrameError:
            return
        raise AssertionError(f"a hello with rx_max {rx_max} was accepted")
    if not mutate:
        h = P.Hello.parse(body)
        assert (h.rx_max, h.n_classes, h.pipeline_hash, h.board) == (rx_max, n_classes, "0123456789abcdef", "host")
        assert 1 <= h.floats_per_frame <= P.MAX_FLOATS_PER_FRAME
        return
    try:
        h = P.Hello.parse(_mutated(body, steps))
    except P.FrameError:
        return
    assert 1 <= h.floats_per_frame <= P.MAX_FLOATS_PER_FRAME, "a hello the client cannot upload with"


@FUZZ
@given(st.integers(8, 0xFFFF), st.integers(0, 255), st.integers(-128, 127), edits, st.booleans())
def test_hello_capabilities_parse_or_refuse(rx_max, caps, k, steps, mutate):
    """Any capability byte and k: the int16 push is offered exactly when bit 0 is set, its k
    only then, and a board it is offered by takes 1 to 128 counts per PUSH_I16 frame."""
    body = bytearray(_hello_body(rx_max, 3))
    body[45], body[46] = caps, k & 0xFF
    try:
        h = P.Hello.parse(_mutated(bytes(body), steps) if mutate else bytes(body))
    except P.FrameError:
        assert mutate
        return
    assert h.push_i16 == bool(h.capabilities & P.CAP_PUSH_I16) and -128 <= h.i16_k <= 127
    assert h.push_i16 or h.i16_k == 0
    assert 1 <= h.counts_per_frame <= P.MAX_I16_PER_FRAME
    if not mutate:
        assert (h.push_i16, h.i16_k) == (bool(caps & 1), k if caps & 1 else 0)


@FUZZ
@given(st.lists(st.integers(-32768, 32767), max_size=P.MAX_I16_PER_FRAME), st.integers(0, 0xFFFF))
def test_push_i16_bodies_round_trip(values, seq):
    counts = np.asarray(values, dtype=np.int16)
    (frame,) = P.FrameDecoder().feed(P.encode_frame(P.PUSH_I16, seq, P.counts(counts)))
    assert (frame.type, frame.seq) == (P.PUSH_I16, seq)
    assert np.frombuffer(frame.body, "<i2").tolist() == counts.tolist()


@FUZZ
@given(
    st.integers(-(2**31), 2**31 - 1), st.lists(st.floats(width=32, allow_nan=False), max_size=20), edits, st.booleans()
)
def test_infer_and_push_results_parse_or_refuse(label, scores, steps, mutate):
    n = len(scores)
    s = np.asarray(scores, dtype="<f4")
    infer = struct.pack("<iiQQII", label, 1, 10, 20, 300, n) + s.tobytes()
    push = struct.pack("<iiQII", 1, label, 30, 300, n) + s.tobytes() + s[::-1].tobytes()
    if not mutate:
        r = P.InferResult.parse(infer)
        assert r.label == label and r.scores.tolist() == s.tolist()
        q = P.PushResult.parse(push)
        assert q.label == label and q.scores.tolist() == s.tolist() and q.post.tolist() == s[::-1].tolist()
        return
    for parse, body, n_at in ((P.InferResult.parse, infer, 28), (P.PushResult.parse, push, 20)):
        bad = _mutated(body, steps)
        try:
            r = parse(bad)
        except P.FrameError:
            continue
        assert len(r.scores) == struct.unpack_from("<I", bad, n_at)[0]


@FUZZ
@given(st.binary(max_size=40))
def test_error_bodies_always_describe(body):
    text = P.describe_error(body)
    assert isinstance(text, str) and "\n" not in text
