"""A HIL soak run: many windows through the runner on an emulated board over a line that flips,
drops and duplicates bytes, drops and duplicates whole requests, and resets the board at
random; every answer is checked against the host reference as in any HIL run."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import HILError
from . import runner, session
from .transport import FaultyTransport, Transport


class RequestFaults(Transport):
    """Whole-request faults: each request frame written (a write may hold several, e.g. a
    window's LOAD frames) is lost (``p_drop``), sent twice (``p_dup``), and/or followed by a
    press of the board's reset button (``p_reset``)."""

    def __init__(self, inner: Transport, rng: np.random.Generator, reset, p_drop=0.0, p_dup=0.0, p_reset=0.0):
        self.inner, self.rng, self.reset = inner, rng, reset
        self.p_drop, self.p_dup, self.p_reset = p_drop, p_dup, p_reset
        self.name = inner.name
        self.dropped = self.duplicated = self.resets = 0

    def write(self, data: bytes) -> None:
        for block in data.split(b"\0"):
            if block:
                self._one(b"\0" + block + b"\0")

    def _one(self, data: bytes) -> None:
        drop, dup, reset = self.rng.random(3)
        if drop < self.p_drop:
            self.dropped += 1
        else:
            self.inner.write(data)
            if dup < self.p_dup:
                self.inner.write(data)
                self.duplicated += 1
        if reset < self.p_reset:
            self.reset()
            self.resets += 1

    def read(self, timeout: float) -> bytes:
        return self.inner.read(timeout)

    def reset_input(self) -> None:
        self.inner.reset_input()

    def close(self) -> None:
        self.inner.close()


@dataclass
class SoakFaults:
    """Probabilities: per byte and direction (flip one bit, drop, duplicate) and per request
    (lose it, send it twice, reset the board after it)."""

    p_bit_flip: float = 2e-4
    p_byte_drop: float = 2e-4
    p_byte_dup: float = 2e-4
    p_request_drop: float = 2e-3
    p_request_dup: float = 2e-3
    p_reset: float = 5e-4


@dataclass
class SoakResult:
    board: str
    windows: int
    compared: int
    passed: bool
    agreement: float
    retries: int
    resets_injected: int
    resets_seen: int
    byte_faults: int
    requests_dropped: int
    requests_duplicated: int
    bad_frames: int
    wall_s: float
    error: str | None = None


def soak(
    board: str,
    elf: Path,
    reference,
    windows: np.ndarray,
    *,
    faults: SoakFaults | None = None,
    seed: int = 0,
    timeout: float = 0.05,
    retries: int = 40,
    max_resets: int = 3,
    progress=None,
) -> SoakResult:
    """Run ``windows`` on the emulated ``board`` (firmware ``elf``) through the faults; a run
    that stops (too many resets, a request unanswered after every retry) is reported with its
    error, not raised, so a soak report always has a row per board."""
    f = faults or SoakFaults()
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    with session.open_emulated(board, elf, timeout=timeout, retries=retries) as s:
        assert s.emulated is not None
        line = FaultyTransport(s.client.transport, rng, f.p_bit_flip, f.p_byte_drop, f.p_byte_dup)
        requests = RequestFaults(line, rng, s.emulated.hard_reset, f.p_request_drop, f.p_request_dup, f.p_reset)
        s.client.transport = requests  # whole-request faults on clean frames, then byte noise
        error, run = None, None
        try:
            run = runner.run_windows(
                s.client, windows, reference, board=board, max_resets=max_resets, progress=progress
            )
        except HILError as exc:
            error = str(exc).splitlines()[0]
        client = s.client
    return SoakResult(
        board=board,
        windows=len(windows),
        compared=run.n if run else 0,
        passed=bool(run and run.passed and run.n == len(windows)),
        agreement=run.agreement if run else 0.0,
        retries=client.retried,
        resets_injected=requests.resets,
        resets_seen=client.resets,
        byte_faults=line.faults,
        requests_dropped=requests.dropped,
        requests_duplicated=requests.duplicated,
        bad_frames=client.decoder.bad_frames,
        wall_s=time.perf_counter() - t0,
        error=error,
    )
