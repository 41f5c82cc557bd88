"""Requests to a HIL board with sequence numbers, CRC-checked answers and retries.

Every request carries a fresh 16-bit sequence number; the board answers with the same
number and caches its last answer, so a retried request is answered again, not run twice.
An unsolicited boot hello means the board reset; so does the firmware's "no session" refusal
(a reset whose boot hello was lost on the line). Either way the client opens a new session
(hello) and raises ``BoardReset`` so the caller can re-send its state (the runner re-uploads
the current window)."""

from __future__ import annotations

import os
import struct
import time
from collections import deque

import numpy as np

from ..errors import HILError, HILTimeout
from . import protocol as P
from .transport import Transport


class BoardReset(HILError):
    """The board sent a boot hello in the middle of a session."""

    def __init__(self, message: str, hello: P.Hello):
        super().__init__(message)
        self.hello = hello


DEFAULT_RETRIES = 10
"""Tries after the first per request. Each costs one timeout only when a frame was lost; 10
leaves a line that damages half the frames one failed request in 2,000 (0.5 ** 11), and a
board that went silent is reported after 11 timeouts."""


class BoardClient:
    def __init__(self, transport: Transport, timeout: float = 2.0, retries: int = DEFAULT_RETRIES):
        self.transport = transport
        self.timeout = timeout
        self.retries = retries
        self.decoder = P.FrameDecoder()
        self._hello: P.Hello | None = None
        self.resets = 0
        self.retried = 0
        self._pending: deque[P.Frame] = deque()  # frames read but not yet looked at
        self._seq = int.from_bytes(os.urandom(2), "little")
        # a window's LOAD frames back to back, not each after the last's answer: for emulated boards
        # (the emulator holds bytes until the guest reads them); a real board's UART can overrun
        # while the board sends an answer, so it gets one frame at a time
        self.pipeline_loads = False

    @property
    def hello(self) -> P.Hello:
        """The board's last hello (from ``connect()`` or a reset)."""
        if self._hello is None:
            raise HILError(f"no hello from the board on {self.port} yet; call connect() first")
        return self._hello

    @hello.setter
    def hello(self, value: P.Hello) -> None:
        self._hello = value

    @property
    def port(self) -> str:
        return self.transport.name

    def _frames(self, timeout: float):
        """Frames already received, else the frames of the next read (at most ``timeout`` s)."""
        if not self._pending:
            self._pending.extend(self.decoder.feed(self.transport.read(max(0.0, timeout))))
        while self._pending:
            yield self._pending.popleft()

    def _next_seq(self) -> int:
        self._seq = (self._seq + 1) & 0xFFFF
        return self._seq

    # ---------------------------------------------------------------- session
    def connect(self, boot_timeout: float = 10.0) -> P.Hello:
        """Wait for the board's hello (it may be booting, or resetting because the port was
        opened), asking for one every 0.5 s. Only a hello that answers one of these requests
        (same sequence number, not a boot hello) is taken: a stale answer to an earlier
        session's request, or a boot hello, may describe a board state that is gone. A boot
        hello makes us ask again at once (the board has just come up). Returns the hello."""
        deadline = time.monotonic() + boot_timeout
        asked: set[int] = set()
        while time.monotonic() < deadline:
            seq = self._next_seq()
            asked.add(seq)
            self.transport.write(P.encode_frame(P.HELLO, seq))
            until = min(deadline, time.monotonic() + 0.5)
            while time.monotonic() < until:
                for frame in self._frames(until - time.monotonic()):
                    if frame.type != P.HELLO | P.RESPONSE:
                        continue
                    try:
                        hello = P.Hello.parse(frame.body)
                    except P.FrameError:
                        continue
                    if hello.boot:
                        until = 0.0  # just booted: ask now instead of at the next 0.5 s tick
                        continue
                    if frame.seq not in asked:
                        continue
                    self._check_version(hello)
                    self.hello = hello
                    return hello
        raise HILTimeout(
            f"no hello from the board on {self.port} within {boot_timeout:g} s; check that the HIL firmware "
            "is flashed, the port and baud rate are right, and the board is powered"
        )

    def _check_version(self, hello: P.Hello) -> None:
        if hello.proto_version != P.PROTO_VERSION:
            raise HILError(
                f"board on {self.port} speaks HIL protocol {hello.proto_version}, this sensorflow "
                f"speaks {P.PROTO_VERSION}; rebuild and flash the firmware"
            )

    def request(self, type_: int, body: bytes = b"", timeout: float | None = None) -> P.Frame:
        return self.requests(type_, [body], timeout)[0]

    def requests(self, type_: int, bodies: list[bytes], timeout: float | None = None) -> list[P.Frame]:
        """Send requests of one type back to back and return their answers in order. Each
        request has its own sequence number; the unanswered ones are re-sent after ``timeout``
        seconds without any answer, up to ``retries`` times. Only for requests the board may
        run again harmlessly (any request, when there is one; LOAD chunks, several), since the
        board's answer cache holds only its last answer."""
        timeout = self.timeout if timeout is None else timeout
        frames: dict[int, tuple[int, bytes]] = {}
        for i, body in enumerate(bodies):
            seq = self._next_seq()
            frames[seq] = (i, P.encode_frame(type_, seq, body))
        answers: dict[int, P.Frame] = {}
        for attempt in range(self.retries + 1):
            if attempt:
                self.retried += len(frames)
            self.transport.write(b"".join(data for _, data in frames.values()))
            deadline = time.monotonic() + timeout  # moves on with every answer
            while frames:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                for frame in self._frames(left):
                    if frame.type == P.HELLO | P.RESPONSE:
                        try:
                            hello = P.Hello.parse(frame.body)
                        except P.FrameError:
                            continue
                        if hello.boot:
                            self._after_reset(type_, "boot hello")
                        continue
                    if frame.seq not in frames:
                        continue  # an answer to an earlier try or request
                    if frame.type == P.ERROR:
                        if P.error_code(frame.body) == P.ERR_NO_SESSION:
                            self._after_reset(type_, "it refused the request: no session")
                        raise HILError(f"board on {self.port} refused {P.describe_error(frame.body)}")
                    if frame.type == type_ | P.RESPONSE:
                        answers[frames.pop(frame.seq)[0]] = frame
                        deadline = time.monotonic() + timeout
            if not frames:
                return [answers[i] for i in range(len(bodies))]
        raise HILTimeout(
            f"board on {self.port} did not answer '{P.NAMES.get(type_, type_)}' after {self.retries + 1} tries "
            f"of {timeout:g} s each; is it still running the HIL firmware?"
        )

    def _after_reset(self, type_: int, how: str) -> None:
        """The board reset (seen by ``how``): open a new session (its firmware refuses state
        requests until a hello), count the reset and raise BoardReset with the new hello."""
        self.resets += 1
        hello = self.connect(boot_timeout=self.timeout * (self.retries + 1))
        raise BoardReset(f"board on {self.port} reset ({how}) during '{P.NAMES.get(type_, type_)}'", hello)

    # ---------------------------------------------------------------- commands
    def ping(self, payload: bytes = b"sf") -> float:
        """Round trip in seconds; checks the echo."""
        t0 = time.perf_counter()
        frame = self.request(P.PING, payload)
        if frame.body != payload:
            raise HILError(f"board on {self.port} echoed a different ping payload")
        return time.perf_counter() - t0

    def upload(self, window: np.ndarray) -> None:
        """Send one window (interleaved ``window[t, c]``) in frames that fit the board's RX
        buffer: back to back when ``pipeline_loads`` is set, else each after the last's answer."""
        flat = np.ascontiguousarray(window, dtype=np.float32).reshape(-1)
        step = self.hello.floats_per_frame
        offsets = range(0, len(flat), step)
        bodies = [struct.pack("<I", o) + P.floats(flat[o : o + step]) for o in offsets]
        if self.pipeline_loads:
            answers = self.requests(P.LOAD, bodies)
        else:
            answers = [self.request(P.LOAD, body) for body in bodies]
        for offset, frame in zip(offsets, answers):
            (end,) = struct.unpack("<I", frame.body[:4])
            expected = min(offset + step, len(flat))
            if end != expected:
                raise HILError(f"board on {self.port} acknowledged window data up to {end}, expected {expected}")

    def infer(self, check_infer: bool = True, n_valid: int | None = None) -> P.InferResult:
        """Run the pipeline on the loaded window; ``n_valid`` (``window.pad: valid`` exports): its
        valid frames, sent as a u32 after the flags (the board then calls ``sf_model_features_n``)."""
        body = bytes([1 if check_infer else 0]) + (b"" if n_valid is None else struct.pack("<I", int(n_valid)))
        frame = self.request(P.INFER, body)
        return P.InferResult.parse(frame.body)

    def features(self) -> np.ndarray:
        n = self.hello.n_features
        out = np.empty(n, dtype=np.float32)
        for offset in range(0, n, P.MAX_FLOATS_PER_FRAME):
            count = min(P.MAX_FLOATS_PER_FRAME, n - offset)
            body = self.request(P.FEATURES, struct.pack("<IH", offset, count)).body
            if len(body) != 4 + 4 * count or struct.unpack_from("<I", body)[0] != offset:
                raise HILError(f"board on {self.port} sent a malformed features answer")
            out[offset : offset + count] = np.frombuffer(body, "<f4", count, 4)
        return out

    def push(self, frames: np.ndarray) -> P.PushResult:
        body = P.floats(np.asarray(frames, dtype=np.float32).reshape(-1))
        return P.PushResult.parse(self.request(P.PUSH, body).body)

    def push_i16(self, frames: np.ndarray) -> P.PushResult:
        """Whole frames of int16 counts through the board's ``sf_model_push_i16`` (at most
        ``hello.counts_per_frame`` counts). A board whose hello does not advertise it (older
        firmware, or an export without ``_push_i16``) is refused here, before anything is sent."""
        self.require_push_i16()
        return P.PushResult.parse(self.request(P.PUSH_I16, P.counts(np.asarray(frames).reshape(-1))).body)

    def require_push_i16(self) -> None:
        """HILError (one line, naming the port) unless the board's hello advertises PUSH_I16."""
        if not self.hello.push_i16:
            raise HILError(
                f"board on {self.port} does not offer the int16 push (its export has no sf_model_push_i16, "
                "or its HIL firmware predates it); rebuild and flash the HIL firmware for a q15 log_mel/mfcc "
                "export, or push float32 samples (sensorflow hil --samples float32)"
            )

    def reset_state(self) -> None:
        body = self.request(P.RESET).body
        (status,) = struct.unpack("<i", body[:4])
        if status != 0:
            raise HILError(f"board on {self.port}: sf_model_init returned {status}")

    def send_raw(self, data: bytes) -> None:
        """Bytes as they are, no framing (used to send garbage in tests)."""
        self.transport.write(data)
