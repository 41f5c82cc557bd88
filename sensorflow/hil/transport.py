"""Byte transports for the HIL link: any pyserial URL (``/dev/ttyUSB0``, ``/dev/pts/N``,
``socket://host:port``, ``loop://``), several serial lanes of one emulated board as one link,
and a fault-injecting wrapper for tests."""

from __future__ import annotations

import select
import socket
import time

import numpy as np
import serial

from ..errors import HILError
from . import protocol as P


class PortClosed(HILError):
    """The serial port went away under us: a USB board unplugged, an emulator that exited,
    a socket the other end closed. ``partial``, when a run was under way, is what it had
    compared so far (set by the runner)."""

    partial = None


class Transport:
    """What the client needs: write bytes, read what arrived within a timeout, close."""

    name = "?"

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def read(self, timeout: float) -> bytes:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def reset_input(self) -> None:
        pass


class SerialTransport(Transport):
    """pyserial's ``serial_for_url``; TCP sockets get TCP_NODELAY (pyserial does not set it,
    and without it each small frame waits ~40 ms for Nagle's algorithm)."""

    def __init__(self, url: str, baudrate: int = 115200, dtr: bool | None = None, rts: bool | None = None):
        self.name = url
        try:
            self.port = serial.serial_for_url(url, baudrate=baudrate, timeout=0, do_not_open=True)
            if dtr is not None:
                self.port.dtr = dtr
            if rts is not None:
                self.port.rts = rts
            self.port.open()
        except (serial.SerialException, ValueError, OSError) as exc:
            raise HILError(
                f"cannot open serial port {url}: {exc}; check the port name and that no other program holds it"
            ) from None
        sock = getattr(self.port, "_socket", None)
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def write(self, data: bytes) -> None:
        try:
            self.port.write(data)
            self.port.flush()
        except (serial.SerialException, OSError) as exc:
            raise PortClosed(f"port {self.name} closed while writing ({exc})") from None

    def read(self, timeout: float) -> bytes:
        try:
            self.port.timeout = timeout
            first = self.port.read(1)
            if not first:
                return b""
            self.port.timeout = 0
            return first + self.port.read(4096)
        except (serial.SerialException, OSError) as exc:
            raise PortClosed(f"port {self.name} closed while reading ({exc}); did the board disconnect?") from None

    def reset_input(self) -> None:
        try:
            self.port.reset_input_buffer()
        except (serial.SerialException, OSError):
            pass

    def pulse_reset(self, seconds: float = 0.1) -> None:
        """Reset a board through RTS (wired to EN/RESET on ESP32-style USB adapters), keeping
        DTR (GPIO0/BOOT) released so it boots the application."""
        import time

        self.port.dtr = False
        self.port.rts = True
        time.sleep(seconds)
        self.port.rts = False

    def close(self) -> None:
        try:
            self.port.close()
        except (serial.SerialException, OSError):
            pass


class LaneTransport(Transport):
    """Several serial devices of one emulated board (its HIL lanes, docs/design.md) as one link.
    Each frame written goes whole to one lane; the board answers on the lane a frame came from.
    A LOAD frame goes to the lane its window offset was first given (offsets are dealt to the
    lanes in turn), every other frame to lane 0. So a late copy of a request (a retry, or the
    original of one) always sits on the lane of the later request that could overwrite what it
    writes, ahead of it, as on a single line. ``read`` returns only whole frames (up to each
    lane's last delimiter), so frames of different lanes never interleave in the stream the
    client decodes. Bytes without any delimiter (raw garbage in tests) go to lane 0 as they are."""

    MAX_PENDING = 4096  # a lane holding this much without a delimiter is passed on, closed by one

    def __init__(self, lanes: list[SerialTransport]):
        if not lanes:
            raise HILError("a lane transport needs at least one serial port")
        self.lanes = lanes
        self.name = lanes[0].name
        self._load_lane: dict[int, int] = {}  # window offset -> lane
        self._pending = [b""] * len(lanes)
        self._fds = [lane.port.fileno() for lane in lanes]
        self.frames_out = [0] * len(lanes)  # frames written to each lane
        self.bytes_in = [0] * len(lanes)  # bytes the board sent on each lane

    def write(self, data: bytes) -> None:
        blocks = data.split(b"\0")
        if len(blocks) == 1:
            self.lanes[0].write(data)
            return
        out = [bytearray() for _ in self.lanes]
        for block in blocks:
            if block:
                lane = self._lane_of(block)
                out[lane] += b"\0" + block + b"\0"
                self.frames_out[lane] += 1
        for lane, chunk in zip(self.lanes, out):
            if chunk:
                lane.write(bytes(chunk))

    def _lane_of(self, block: bytes) -> int:
        try:
            frame = P.decode_block(block)
        except P.FrameError:
            return 0  # damaged on the way here: the board drops it on any lane
        if frame.type != P.LOAD or len(frame.body) < 4:
            return 0
        offset = int.from_bytes(frame.body[:4], "little")
        return self._load_lane.setdefault(offset, len(self._load_lane) % len(self.lanes))

    def read(self, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        while True:
            try:
                ready, _, _ = select.select(self._fds, [], [], max(0.0, deadline - time.monotonic()))
            except (OSError, ValueError) as exc:
                raise PortClosed(f"port {self.name} closed while reading ({exc}); did the board disconnect?") from None
            out = bytearray()
            for i, lane in enumerate(self.lanes):
                if self._fds[i] in ready:
                    data = lane.read(0)
                    self.bytes_in[i] += len(data)
                    self._pending[i] += data
                buf = self._pending[i]
                if len(buf) > self.MAX_PENDING:
                    out += buf + b"\0"
                    self._pending[i] = b""
                    continue
                cut = buf.rfind(b"\0") + 1
                if cut:
                    out += buf[:cut]
                    self._pending[i] = buf[cut:]
            if out or time.monotonic() >= deadline:
                return bytes(out)

    def reset_input(self) -> None:
        for lane in self.lanes:
            lane.reset_input()
        self._pending = [b""] * len(self.lanes)

    def close(self) -> None:
        for lane in self.lanes:
            lane.close()


class FaultyTransport(Transport):
    """Corrupts, drops and duplicates single bytes at random in both directions, as a noisy
    serial line does. ``rng`` is a numpy Generator so failures reproduce from a seed."""

    def __init__(self, inner: Transport, rng: np.random.Generator, p_corrupt=0.002, p_drop=0.002, p_dup=0.002):
        self.inner = inner
        self.rng = rng
        self.p = (p_corrupt, p_drop, p_dup)
        self.name = f"{inner.name} (fault-injecting)"
        self.faults = 0

    def _mangle(self, data: bytes) -> bytes:
        if not data:
            return data
        out = bytearray()
        p_corrupt, p_drop, p_dup = self.p
        draws = self.rng.random((len(data), 3))
        for byte, (a, b, c) in zip(data, draws):
            if b < p_drop:
                self.faults += 1
                continue
            if a < p_corrupt:
                byte ^= 1 << int(self.rng.integers(8))
                self.faults += 1
            out.append(byte)
            if c < p_dup:
                out.append(byte)
                self.faults += 1
        return bytes(out)

    def write(self, data: bytes) -> None:
        self.inner.write(self._mangle(data))

    def read(self, timeout: float) -> bytes:
        return self._mangle(self.inner.read(timeout))

    def reset_input(self) -> None:
        self.inner.reset_input()

    def close(self) -> None:
        self.inner.close()
