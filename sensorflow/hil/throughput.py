"""HIL link throughput on an emulated board: a window run through the HIL runner (every answer
compared, as ``sensorflow hil`` does), the bytes it moves each way, the line's own ceiling
(window uploads back to back: no model work) and the wire time of the same bytes on a real
UART (8N1: 10 bits a byte)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import runner, session
from .transport import Transport

REAL_BAUDS = (115_200, 921_600)


class CountingTransport(Transport):
    """Counts the bytes written (host -> board) and read (board -> host)."""

    def __init__(self, inner: Transport):
        self.inner, self.name = inner, inner.name
        self.sent = self.received = 0

    def write(self, data: bytes) -> None:
        self.sent += len(data)
        self.inner.write(data)

    def read(self, timeout: float) -> bytes:
        data = self.inner.read(timeout)
        self.received += len(data)
        return data

    def reset_input(self) -> None:
        self.inner.reset_input()

    def close(self) -> None:
        self.inner.close()


def uart_ms(n_bytes: float, baud: int) -> float:
    """Wire time of ``n_bytes`` on a UART at ``baud`` (8N1), in ms."""
    return 1e3 * n_bytes * 10 / baud


@dataclass
class Throughput:
    board: str
    lanes: int
    windows: int
    passed: bool
    wall_s: float
    bytes_up: int  # host -> board, whole run
    bytes_down: int
    ceiling_up_bytes_per_s: float  # window uploads back to back

    @property
    def ms_per_window(self) -> float:
        return 1e3 * self.wall_s / self.windows

    @property
    def up_per_window(self) -> float:
        return self.bytes_up / self.windows

    @property
    def down_per_window(self) -> float:
        return self.bytes_down / self.windows

    @property
    def up_bytes_per_s(self) -> float:
        return self.bytes_up / self.wall_s

    def real_uart_ms_per_window(self, baud: int) -> float:
        """Wire time of a window's requests and answers at ``baud``, one after the other (a
        real board gets one frame at a time); round trips and device time come on top."""
        return uart_ms(self.up_per_window + self.down_per_window, baud)


def line_ceiling(client, counting: CountingTransport, window: np.ndarray, uploads: int = 20, rounds: int = 5) -> float:
    """Host -> board bytes per second of uploads of ``window`` one after the other (LOAD frames,
    as a run sends them; the board only acknowledges): what the link carries when no inference,
    features or comparison waits. The best of ``rounds`` rounds of ``uploads / rounds`` uploads,
    since a ceiling is a best case and the host may be busy with other work in any one round.
    ``counting`` wraps ``client``'s transport."""
    best = 0.0
    for _ in range(rounds):
        before = counting.sent
        t0 = time.perf_counter()
        for _ in range(max(1, uploads // rounds)):
            client.upload(window)
        best = max(best, (counting.sent - before) / (time.perf_counter() - t0))
    return best


def measure(board: str, elf: Path, reference, windows: np.ndarray, lanes: int | None = None) -> Throughput:
    """Run ``windows`` on the emulated ``board`` over ``lanes`` serial lanes (default: all the
    firmware serves), features compared too; then the line's ceiling on the same link."""
    with session.open_emulated(board, elf, lanes=lanes) as s:
        counting = CountingTransport(s.client.transport)
        s.client.transport = counting
        t0 = time.perf_counter()
        run = runner.run_windows(s.client, windows, reference, board=board)
        wall = time.perf_counter() - t0
        up, down = counting.sent, counting.received
        ceiling = line_ceiling(s.client, counting, windows[0], uploads=max(20, len(windows) // 10))
        used = len(getattr(counting.inner, "lanes", [counting.inner]))
    return Throughput(board, used, len(windows), bool(run.passed and run.n == len(windows)), wall, up, down, ceiling)
