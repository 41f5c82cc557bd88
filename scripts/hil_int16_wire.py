"""Bytes on the wire, device instructions and wall time of one HIL stream through
``sf_model_push`` (float32 samples) and ``sf_model_push_i16`` (int16 counts) on an emulated
board: the one-channel integer pipeline of ``sensorflow.testing.int16_stream`` (q15 log_mel ->
int8 conv1d, 8 kHz, 2400-sample windows, hop 400; the HIL tests' session) on its 4 s test
signal (32,000 samples, 75 windows).
Bytes and instructions are deterministic; wall time is not (other jobs share the machine).

Usage: python scripts/hil_int16_wire.py <board> <work_dir> [repeats]   (board: qemu-mps2-an386, qemu-riscv32, host)"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

from sensorflow.hil import runner, session
from sensorflow.hil.throughput import CountingTransport
from sensorflow.testing.int16_stream import Q15_HOP, Q15_LENGTH, export_firmware, int8_stream


def main(board: str, work: str, repeats: int = 3) -> None:
    work_dir = Path(work)
    pipe, signal, counts, ref = int8_stream()
    elf = export_firmware(pipe, board, work_dir / board)
    held: dict[str, CountingTransport] = {}

    def wrap(t):
        held["t"] = CountingTransport(t)
        return held["t"]

    rows: dict[str, dict] = {}
    with session.open_emulated(board, elf, wrap=wrap) as s:
        t = held["t"]
        for _ in range(repeats):
            for how, x in (("float32", signal), ("int16", counts)):
                sent, got, t0 = t.sent, t.received, time.perf_counter()
                run = runner.run_stream(
                    s.client, x, ref, board=board, window_length=Q15_LENGTH, hop=Q15_HOP, samples=how
                )
                row = rows.setdefault(how, {"wall": []})
                row["wall"].append(time.perf_counter() - t0)
                assert run.passed and max(r.score_error for r in run.records) == 0.0
                # the ping measurement at the start of each run is counted too (10 x 32 bytes out and back)
                row.update(sent=t.sent - sent, received=t.received - got, windows=run.n)
                row["instr"] = float(np.mean([r.count_features for r in run.records[1:]]))  # per hop
    n = len(signal)
    for how, r in rows.items():
        print(
            f"{board} {how}: {r['windows']} windows, sent {r['sent']:,} B, received {r['received']:,} B, "
            f"{(r['sent'] + r['received']) / n:.3f} B/sample, device {r['instr']:,.0f} {s.client.hello.counter_unit} "
            f"per hop, wall median {statistics.median(r['wall']):.2f} s (runs {', '.join(f'{w:.2f}' for w in r['wall'])})"
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *(int(a) for a in sys.argv[3:4]))
