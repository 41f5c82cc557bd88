"""Start emulated boards on a serial device and always stop them again (the one process and
pseudo-terminal manager: HIL's QEMU and native boards, the MicroPython board).

* QEMU boards: ``-serial pty -S -monitor unix:...``; the pty is opened first, then the
  monitor says ``cont`` (output written before the port is open would be lost). ``-icount
  shift=0`` makes instruction counts exact and repeatable; with ``emulator.hil_icount_sleep:
  false`` (``sleep=off``) virtual time jumps to the next timer while the guest waits for input
  instead of following the host clock (counts stay exact; shorter round trips on a board whose
  firmware arms no timer, busy time-warping on one that does). A board with ``firmware.hil_lanes`` N > 1
  gets N ``-serial pty`` devices (UART0..N-1); ``ports`` lists them, ``port`` is UART0.
* The host board: the native firmware on a pseudo-terminal. The slave is put in raw mode
  before the process starts (else the line discipline echoes the board's output back to
  it); the process gets the master, the runner opens the slave's path with pyserial.

Every process runs in its own process group (:func:`spawn`), dies with its parent
(PR_SET_PDEATHSIG), and is killed by ``stop()``, by the context manager, and by an atexit hook
— also when a test fails or the run is interrupted.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import tty
import weakref
from pathlib import Path

from ..errors import HILError, HILTimeout
from .boards import Board
from .firmware import require_tools

_LIVE: weakref.WeakSet = weakref.WeakSet()  # anything with stop(): stopped at exit
PTY_LINE = re.compile(rb"char device redirected to (/dev/pts/\d+) \(label serial(\d+)\)")
TCP_WAIT = re.compile(rb"QEMU waiting for connection on")


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def spawn(owner, argv: list[str], **kw) -> subprocess.Popen:
    """Start ``argv`` in its own process group, killed with us; ``owner.stop()`` runs at exit."""
    proc = subprocess.Popen(argv, start_new_session=True, preexec_fn=_die_with_parent, **kw)
    _LIVE.add(owner)
    return proc


def forget(owner) -> None:
    _LIVE.discard(owner)


def raw_pty() -> tuple[int, int]:
    """A pseudo-terminal (master, slave) with the slave in raw mode: set before the process
    starts, or the line discipline echoes the board's output back to it."""
    master, slave = os.openpty()
    tty.setraw(slave)
    return master, slave


def kill_group(proc: subprocess.Popen | None, timeout: float = 2.0) -> None:
    """SIGTERM the process group, SIGKILL it if still alive after ``timeout``."""
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=timeout)


@atexit.register
def stop_all() -> None:
    """Stop every emulated board still running (atexit, and callable from tests)."""
    for board in list(_LIVE):
        board.stop()


def live_pids() -> list[int]:
    return [b.proc.pid for b in list(_LIVE) if getattr(b, "proc", None) is not None and b.proc.poll() is None]


class EmulatedBoard:
    """Base: ``with board:`` starts it and yields itself; ``port`` is its pyserial URL."""

    def __init__(self, board: Board, elf: Path):
        self.board = board
        self.elf = Path(elf)
        self.proc: subprocess.Popen | None = None
        self.port: str | None = None
        self.ports: list[str] = []  # every serial lane, lane 0 first (== [port] but for multi-lane QEMU boards)
        self.boot_seconds: float | None = None

    def __enter__(self) -> EmulatedBoard:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> str:
        raise NotImplementedError

    def release(self) -> None:
        """Let the board run once the host holds the port open (QEMU waits under -S)."""

    def hard_reset(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        kill_group(self.proc)
        forget(self)

    def _spawn(self, argv: list[str], **kw) -> subprocess.Popen:
        return spawn(self, argv, **kw)


def _free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class QemuBoard(EmulatedBoard):
    """``serial="pty"`` (default) gives a /dev/pts path per lane; ``serial="tcp"`` a socket://
    URL (QEMU waits for the connection; Nagle is off on both ends; one lane)."""

    def __init__(
        self, board: Board, elf: Path, extra_args: list[str] | None = None, serial: str = "pty", lanes: int = 1
    ):
        super().__init__(board, elf)
        if serial not in ("pty", "tcp"):
            raise HILError(f"serial must be 'pty' or 'tcp', got {serial!r}")
        if lanes > 1 and serial != "pty":
            raise HILError(f"serial lanes ({lanes}) need serial='pty'")
        self.serial = serial
        self.lanes = lanes
        self.extra_args = extra_args or []
        self._tmp: tempfile.TemporaryDirectory | None = None
        self.monitor_path: str | None = None

    def start(self, timeout: float = 10.0) -> str:
        require_tools(self.board)
        self._tmp = tempfile.TemporaryDirectory(prefix="sf-hil-")
        self.monitor_path = os.path.join(self._tmp.name, "monitor.sock")
        tcp_port = _free_tcp_port() if self.serial == "tcp" else None
        serial_arg = f"tcp:127.0.0.1:{tcp_port},server=on,wait=on,nodelay=on" if tcp_port else "pty"
        assert self.board.emulator is not None
        argv = [
            *self.board.emulator.argv(),
            "-kernel",
            str(self.elf),
            "-display",
            "none",
            *[arg for _ in range(self.lanes) for arg in ("-serial", serial_arg)],
            "-monitor",
            f"unix:{self.monitor_path},server=on,wait=off",
            "-icount",
            "shift=0" if self.board.emulator.hil_icount_sleep else "shift=0,sleep=off",
            "-S",
            *self.extra_args,
        ]
        t0 = time.monotonic()
        self.proc = proc = self._spawn(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert proc.stdout is not None
        seen = b""
        try:
            os.set_blocking(proc.stdout.fileno(), False)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                chunk = proc.stdout.read() or b""
                seen += chunk
                if tcp_port is not None and TCP_WAIT.search(seen):
                    self.ports = [f"socket://127.0.0.1:{tcp_port}"]
                ptys = {int(m.group(2)): m.group(1).decode() for m in PTY_LINE.finditer(seen)}
                if tcp_port is None and len(ptys) >= self.lanes:
                    self.ports = [ptys[i] for i in range(self.lanes)]
                if self.ports:
                    self.port = self.ports[0]
                    self.boot_seconds = time.monotonic() - t0
                    return self.port
                if self.proc.poll() is not None:
                    raise HILError(
                        f"{self.board.emulator.program} for board '{self.board.name}' exited with "
                        f"{self.proc.returncode}: {seen.decode(errors='replace').strip()[:300]}"
                    )
                time.sleep(0.01)
            raise HILTimeout(f"{self.board.emulator.program} did not open a serial pty within {timeout:g} s")
        except BaseException:
            self.stop()
            raise

    def monitor(self, command: str, timeout: float = 5.0) -> str:
        """Run one QEMU monitor command; returns its output."""
        if self.monitor_path is None or self.proc is None:
            raise HILError(f"board '{self.board.name}' is not running")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            deadline = time.monotonic() + timeout
            while True:  # QEMU creates the socket after the serial device (a TCP one waits for us)
                try:
                    sock.connect(self.monitor_path)
                    break
                except (FileNotFoundError, ConnectionRefusedError):
                    if time.monotonic() > deadline or self.proc.poll() is not None:
                        raise HILError(f"the QEMU monitor of board '{self.board.name}' did not come up") from None
                    time.sleep(0.01)
            buf = b""
            while not buf.endswith(b"(qemu) "):
                buf += sock.recv(4096)
            sock.sendall(command.encode() + b"\n")
            buf = b""
            while not buf.endswith(b"(qemu) "):
                data = sock.recv(4096)
                if not data:
                    break
                buf += data
            return buf.decode(errors="replace")

    def release(self) -> None:
        self.monitor("cont")

    def hard_reset(self) -> None:
        """Press the reset button: the board reboots and sends a fresh boot hello."""
        self.monitor("system_reset")

    def stop(self) -> None:
        super().stop()
        if self.proc is not None and self.proc.stdout is not None:
            with contextlib.suppress(OSError):
                self.proc.stdout.close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


class HostBoard(EmulatedBoard):
    """The firmware built for the host, on a pseudo-terminal."""

    def __init__(self, board: Board, elf: Path):
        super().__init__(board, elf)
        self._master: int | None = None
        self._slave: int | None = None

    def start(self) -> str:
        require_tools(self.board)
        self._master, self._slave = raw_pty()
        self.port = os.ttyname(self._slave)
        self.ports = [self.port]
        t0 = time.monotonic()
        self._launch()
        self.boot_seconds = time.monotonic() - t0
        return self.port

    def _launch(self) -> None:
        self.proc = self._spawn([str(self.elf)], stdin=self._master, stdout=self._master, stderr=subprocess.DEVNULL)

    def hard_reset(self) -> None:
        """Kill the process and start a fresh one on the same pty (a power cycle)."""
        kill_group(self.proc)
        self._launch()

    def stop(self) -> None:
        super().stop()
        for fd in (self._master, self._slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = None


def launch(board: Board, elf: Path, serial: str = "pty", lanes: int = 1) -> EmulatedBoard:
    """An (unstarted) emulated board; use it as a context manager. ``serial`` ("pty" or "tcp")
    and ``lanes`` (serial devices, at most the firmware's ``hil_lanes``) apply to QEMU boards; a
    native board is always on one pty."""
    if board.emulator is None:
        raise HILError(f"board '{board.name}' has no emulator: section in {board.source}")
    if board.emulator.kind == "native":
        return HostBoard(board, elf)
    return QemuBoard(board, elf, serial=serial, lanes=lanes)
