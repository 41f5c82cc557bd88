"""The HIL wire format (mirrors sensorflow/device/firmware/hil/hil_proto.h; described in hil/README.md).

A frame is ``COBS(type u8, seq u16 LE, body, CRC-32 LE) + b"\\x00"``. COBS is Cheshire &
Baker's byte stuffing (the ``cobs`` package), the CRC is zlib's CRC-32 (IEEE 802.3).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

import numpy as np
from cobs import cobs

PROTO_VERSION = 1

HELLO, PING, LOAD, INFER, FEATURES, PUSH, RESET = 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07
PUSH_I16 = 0x08  # int16 counts through <prefix>_push_i16; served only when the hello has CAP_PUSH_I16
RESPONSE = 0x80
ERROR = 0xFF
NAMES = {
    HELLO: "hello",
    PING: "ping",
    LOAD: "load",
    INFER: "infer",
    FEATURES: "features",
    PUSH: "push",
    RESET: "reset",
    PUSH_I16: "push_i16",
}
CAP_PUSH_I16 = 0x01  # hello byte 45 (capabilities; 0 on firmware older than PUSH_I16)

ERR_NO_SESSION = 5  # the board was reset since the host's last hello (see hil/README.md)
ERROR_TEXT = {
    1: "unknown command",
    2: "bad length",
    3: "offset out of range",
    4: "pipeline returned an error",
    ERR_NO_SESSION: "no session since the board reset",
}
COUNTER_UNITS = {0: None, 1: "instructions", 2: "cycles", 3: "ns"}
MAX_FLOATS_PER_FRAME = 64
MAX_I16_PER_FRAME = 128  # a PUSH_I16 body: the 256 bytes of 64 floats


class FrameError(ValueError):
    """A received block is not a valid frame (bad COBS, too short, CRC mismatch)."""


@dataclass(frozen=True)
class Frame:
    type: int
    seq: int
    body: bytes


def encode_frame(type_: int, seq: int, body: bytes = b"") -> bytes:
    """The bytes to send: a leading delimiter flushes any garbage the receiver holds."""
    raw = struct.pack("<BH", type_, seq & 0xFFFF) + body
    raw += struct.pack("<I", zlib.crc32(raw))
    return b"\x00" + cobs.encode(raw) + b"\x00"


def decode_block(block: bytes) -> Frame:
    """Decode one COBS block (delimiter removed)."""
    try:
        raw = cobs.decode(block)
    except cobs.DecodeError as exc:
        raise FrameError(f"bad COBS: {exc}") from None
    if len(raw) < 7:
        raise FrameError(f"frame too short ({len(raw)} bytes)")
    (crc,) = struct.unpack_from("<I", raw, len(raw) - 4)
    if zlib.crc32(raw[:-4]) != crc:
        raise FrameError("CRC mismatch")
    type_, seq = struct.unpack_from("<BH", raw)
    return Frame(type_, seq, bytes(raw[3:-4]))


class FrameDecoder:
    """Split a byte stream into frames; corrupted blocks are counted and skipped."""

    def __init__(self, max_block: int = 65536):
        self._buf = bytearray()
        self.max_block = max_block
        self.bad_frames = 0

    def feed(self, data: bytes) -> list[Frame]:
        frames = []
        for byte in data:
            if byte == 0:
                if self._buf:
                    try:
                        frames.append(decode_block(bytes(self._buf)))
                    except FrameError:
                        self.bad_frames += 1
                self._buf.clear()
            elif len(self._buf) < self.max_block:
                self._buf.append(byte)
        return frames


# ---------------------------------------------------------------- message bodies
@dataclass(frozen=True)
class Hello:
    proto_version: int
    boot: bool
    rx_max: int
    window_length: int
    n_channels: int
    n_features: int
    n_classes: int
    hop: int
    state_bytes: int
    stack_size: int
    stack_used: int
    ram_bytes: int
    flash_bytes: int
    counter_unit: str | None
    pipeline_hash: str
    firmware: str
    board: str
    capabilities: int = 0  # CAP_* bits (byte 45)
    i16_k: int = 0  # with CAP_PUSH_I16: the counts' scale is 2^-i16_k (byte 46, int8)

    @classmethod
    def parse(cls, body: bytes) -> Hello:
        if len(body) < 104:
            raise FrameError(f"hello body has {len(body)} bytes, expected 104")
        v = struct.unpack_from("<BBH10IBBb", body)
        if v[2] < 8:  # a LOAD carries an offset u32 and at least one float
            raise FrameError(f"hello advertises a receive body of {v[2]} bytes; a LOAD needs at least 8")
        text = lambda a, b: body[a:b].split(b"\0", 1)[0].decode("ascii", "replace")  # noqa: E731
        return cls(
            v[0],
            bool(v[1]),
            v[2],
            v[3],
            v[4],
            v[5],
            v[6],
            v[7],
            v[8],
            v[9],
            v[10],
            v[11],
            v[12],
            COUNTER_UNITS.get(v[13]),
            text(48, 64),
            text(64, 80),
            text(80, 104),
            v[14],
            v[15] if v[14] & CAP_PUSH_I16 else 0,
        )

    @property
    def push_i16(self) -> bool:
        """The firmware serves PUSH_I16 (its export has ``_push_i16``)."""
        return bool(self.capabilities & CAP_PUSH_I16)

    @property
    def floats_per_frame(self) -> int:
        return min(MAX_FLOATS_PER_FRAME, (self.rx_max - 4) // 4)

    @property
    def counts_per_frame(self) -> int:
        return min(MAX_I16_PER_FRAME, self.rx_max // 2)


@dataclass(frozen=True)
class InferResult:
    label: int
    infer_consistent: int  # 1 agrees, 0 differs, -1 not checked
    count_features: int
    count_classify: int
    stack_used: int
    scores: np.ndarray

    @classmethod
    def parse(cls, body: bytes) -> InferResult:
        if len(body) < 32:
            raise FrameError("infer result too short")
        label, consistent, cf, cc, stack, n = struct.unpack_from("<iiQQII", body)
        if len(body) != 32 + 4 * n:
            raise FrameError(f"infer result for {n} classes has {len(body)} bytes")
        return cls(label, consistent, cf, cc, stack, np.frombuffer(body, "<f4", n, 32).copy())


@dataclass(frozen=True)
class PushResult:
    completed: int
    label: int
    count: int
    stack_used: int
    scores: np.ndarray
    post: np.ndarray

    @classmethod
    def parse(cls, body: bytes) -> PushResult:
        if len(body) < 24:
            raise FrameError("push result too short")
        done, label, count, stack, n = struct.unpack_from("<iiQII", body)
        if len(body) != 24 + 8 * n:
            raise FrameError(f"push result for {n} classes has {len(body)} bytes")
        return cls(
            done,
            label,
            count,
            stack,
            np.frombuffer(body, "<f4", n, 24).copy(),
            np.frombuffer(body, "<f4", n, 24 + 4 * n).copy(),
        )


def floats(values) -> bytes:
    return np.ascontiguousarray(values, dtype="<f4").tobytes()


def counts(values) -> bytes:
    """int16 LE bytes of ``values``, which must be int16 counts already (no rounding here)."""
    arr = np.asarray(values)
    if arr.dtype != np.int16:
        raise ValueError(f"counts must be an int16 array, got {arr.dtype}")
    return np.ascontiguousarray(arr, dtype="<i2").tobytes()


def error_code(body: bytes) -> int | None:
    """The code of an error frame's body, None if it is malformed."""
    return body[0] if len(body) >= 6 else None


def describe_error(body: bytes) -> str:
    if len(body) < 6:
        return "malformed error frame"
    code, req, detail = struct.unpack_from("<BBi", body)
    what = NAMES.get(req, f"command 0x{req:02x}")
    return f"{what}: {ERROR_TEXT.get(code, f'error {code}')} ({detail})"
