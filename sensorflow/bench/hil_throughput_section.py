"""HIL throughput: 1,000 gesture-shaped windows (100 x 6 float32, the gesture pipeline's stages;
100 with --quick) per emulated board through the HIL runner, every answer compared, over one
serial lane and over all the board's HIL lanes (docs/design.md). Reported: ms per window, bytes
each way, host -> board bytes/s against the line's ceiling (window uploads back to back),
and the wire time of the same bytes on a real UART at 115,200 and 921,600 baud."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np

from ..device import firmware
from ..hil.throughput import REAL_BAUDS, measure
from ..pipeline import Pipeline
from .emulated_boards import hil_firmware, usable_boards
from .report import Section, Table, Target, not_available

TITLE = "HIL throughput on emulated boards"
BOARDS = ("qemu-mps2-an386", "qemu-riscv32")
WINDOWS, QUICK_WINDOWS = 1_000, 100
GOAL_MS_PER_WINDOW = 60.0  # 1,000 windows in under 60 s
GESTURE_SHAPED = """\
name: gesture_shaped
sensor: {kind: imu, sample_rate: 10, channels: [ax, ay, az, gx, gy, gz]}
window: {length: 100}
stages:
  - type: stats
    functions: [mean, std, ptp, rms, abs_mean, zero_crossing_rate]
  - type: band_energy
    n_bands: 4
    n_fft: 64
    hop_length: 36
  - type: random_forest
    n_estimators: 10
    max_depth: 6
"""


def gesture_shaped(n: int, seed: int = 0) -> tuple[Pipeline, np.ndarray]:
    """The gesture pipeline's stages (pipelines/gesture.yaml: 60 features, a 10-tree forest) fitted
    on 200 synthetic windows of four classes, and ``n`` fresh windows: the bytes per window of a
    gesture HIL run without the dataset."""
    rng = np.random.default_rng(seed)

    def draw(m):
        y = rng.integers(0, 4, m)
        t = np.arange(100)[None, :, None] / 10.0
        X = np.sin(2 * np.pi * (0.5 + y[:, None, None]) * t) + 0.3 * rng.normal(size=(m, 100, 6))
        return X.astype(np.float32), y

    X, y = draw(200)
    pipe = Pipeline.from_string(GESTURE_SHAPED).fit(X, np.array(["a", "b", "c", "d"])[y])
    return pipe, draw(n)[0]


def run(quick: bool = False) -> Section:
    boards, missing = usable_boards(BOARDS)
    if not boards:
        return not_available("hil_throughput", TITLE, "; ".join(missing.values()))
    n = QUICK_WINDOWS if quick else WINDOWS
    sec = Section("hil_throughput", TITLE)
    sec.notes.append(
        f"{n:,} windows of 100 x 6 float32 per run through `sensorflow.hil.runner.run_windows` (what `sensorflow "
        "hil` runs: labels equal, scores and features within tolerance). Lanes: serial devices of the emulated "
        "board the window's frames are spread over (one = the single UART a real board has). Line ceiling: "
        "host -> board bytes/s of window uploads one after the other on the same link (LOAD frames and their "
        "acknowledgements only: no inference, no features), best of 5 rounds. Real UART: the run's bytes each way at 10 bits a "
        "byte, one frame after the other, before round trips and device time."
    )
    bauds = [f"real UART {b:,} baud ms / window" for b in REAL_BAUDS]
    cols = ["board", "lanes", "windows", "all equal", "wall s", "ms / window", "host -> board B / window"]
    cols += ["board -> host B / window", "host -> board B/s", "line ceiling B/s", "% of ceiling", *bauds]
    table = Table("", cols)
    pipe, windows = gesture_shaped(n)
    work = Path(tempfile.mkdtemp(prefix="sf-bench-throughput-"))
    best: dict[str, float] = {}
    try:
        for board in boards:
            try:
                elf, ref = hil_firmware(pipe, board, work)
            except Exception as exc:  # one board's failure must not hide the other's rows
                table.rows.append([board, None, f"failed: {type(exc).__name__}: {str(exc)[:160]}"] + [None] * 10)
                continue
            fw = firmware.ported(board).firmware
            for lanes in sorted({1, fw.hil_lanes if fw else 1}):
                r = measure(board, elf, ref, windows, lanes=lanes)
                if r.passed:
                    best[board] = min(best.get(board, float("inf")), r.ms_per_window)
                table.rows.append(
                    [
                        board,
                        r.lanes,
                        r.windows,
                        r.passed,
                        r.wall_s,
                        r.ms_per_window,
                        r.up_per_window,
                        r.down_per_window,
                        r.up_bytes_per_s,
                        r.ceiling_up_bytes_per_s,
                        100 * r.up_bytes_per_s / r.ceiling_up_bytes_per_s,
                        *[r.real_uart_ms_per_window(b) for b in REAL_BAUDS],
                    ]
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for board, why in missing.items():
        table.rows.append([board, None, f"not available: {why}"] + [None] * 10)
    sec.tables.append(table)
    for board in BOARDS:
        sec.targets.append(
            Target(
                f"{board}: ms per window, all lanes, every answer compared (1,000 windows in < 60 s)",
                best.get(board),
                GOAL_MS_PER_WINDOW,
                unit="ms",
                reason="" if board in best else "not measured in this run",
            )
        )
    return sec
