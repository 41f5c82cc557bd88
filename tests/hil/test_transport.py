"""Transports: pyserial's loop:// (no hardware), the fault injector's statistics."""

from __future__ import annotations

import numpy as np
import pytest

from sensorflow.errors import HILTimeout
from sensorflow.hil import protocol as P
from sensorflow.hil.client import BoardClient
from sensorflow.hil.transport import FaultyTransport, SerialTransport


def test_loop_url_round_trip():
    t = SerialTransport("loop://")
    t.write(b"\x00abc\x00")
    assert t.read(0.5) == b"\x00abc\x00"
    assert t.read(0.01) == b""
    t.close()


def test_request_to_nobody_times_out_naming_the_port():
    """On loop:// the request comes back as itself, which is not an answer: ignored."""
    client = BoardClient(SerialTransport("loop://"), timeout=0.02, retries=2)
    with pytest.raises(HILTimeout, match=r"board on loop:// did not answer 'ping' after 3 tries"):
        client.ping()
    assert client.retried == 2


def test_fault_injector_rates():
    class Sink:
        name = "sink"

        def __init__(self):
            self.data = b""

        def write(self, data):
            self.data += data

    sink = Sink()
    faulty = FaultyTransport(sink, np.random.default_rng(0), p_corrupt=0.01, p_drop=0.02, p_dup=0.03)
    sent = bytes(200_000)
    faulty.write(sent)
    n = len(sent)
    # length changes by dups - drops; corrupt bytes are non-zero here
    assert abs(len(sink.data) - n * (1 - 0.02 + 0.03 * 0.98)) < 0.003 * n
    assert abs(sum(1 for b in sink.data if b) - n * 0.98 * 0.01 * (1 + 0.03)) < 0.002 * n


def test_frames_through_a_noisy_loop_are_intact_or_absent():
    t = FaultyTransport(SerialTransport("loop://"), np.random.default_rng(5), 0.0005, 0.0005, 0.0005)
    sent = [(P.LOAD, i, bytes(np.random.default_rng(i).integers(0, 256, 200, dtype=np.uint8))) for i in range(100)]
    dec = P.FrameDecoder()
    got = []
    for frame in sent:
        t.write(P.encode_frame(*frame))
        got += dec.feed(t.read(0.2))
    got = [(f.type, f.seq, f.body) for f in got]
    assert set(got) <= set(sent) and 20 < len(got) < 100 and dec.bad_frames > 0
