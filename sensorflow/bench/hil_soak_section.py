"""HIL soak: 10,000 windows (300 with --quick) per emulated board through the HIL runner over a
line that flips, drops and duplicates bytes, loses and repeats whole requests and resets the
board at random (``sensorflow.hil.soak``). Every answer is checked as in ``sensorflow hil``:
labels equal to the host's, scores and features within tolerance. Reported: windows compared,
retries, resets (injected and seen by the client), faults injected, wall time."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np

from ..hil.soak import SoakFaults, soak
from ..pipeline import Pipeline
from .emulated_boards import hil_firmware, usable_boards
from .report import Section, Table, Target, not_available

TITLE = "HIL soak under fault injection on emulated boards"
BOARDS = ("qemu-mps2-an386", "qemu-riscv32")
WINDOWS, QUICK_WINDOWS = 10_000, 300
SOAK_PIPELINE = """\
name: soak
sensor: {kind: generic, sample_rate: 100, channels: [x, y, z]}
window: {length: 40}
stages:
  - type: stats
    functions: [mean, std, rms]
  - type: logistic
"""


def soak_pipeline(seed: int = 0) -> Pipeline:
    """The soak's pipeline (3 statistics x 3 channels, logistic regression on 4 classes),
    fitted on 200 synthetic windows of ``soak_windows``' four distributions."""
    rng = np.random.default_rng(seed)
    y = np.arange(200) % 4
    X = rng.normal(size=(200, 40, 3)).astype(np.float32) * (1 + y[:, None, None]) + y[:, None, None]
    return Pipeline.from_string(SOAK_PIPELINE).fit(X, np.array(["a", "b", "c", "d"])[y])


def soak_windows(n: int, seed: int = 1) -> np.ndarray:
    """``n`` fresh windows from the four classes' distributions (none seen in training)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, n)
    return (rng.normal(size=(n, 40, 3)) * (1 + y[:, None, None]) + y[:, None, None]).astype(np.float32)


def run(quick: bool = False) -> Section:
    boards, missing = usable_boards(BOARDS)
    if not boards:
        return not_available("hil_soak", TITLE, "; ".join(missing.values()))
    n = QUICK_WINDOWS if quick else WINDOWS
    faults = SoakFaults()
    sec = Section("hil_soak", TITLE)
    sec.notes.append(
        f"{n:,} windows of 40 x 3 float32 per board (2 LOAD + INFER + FEATURES requests each) through "
        "`sensorflow.hil.runner.run_windows`, the code `sensorflow hil` runs. Injected on the line, each direction: "
        f"bit flip {faults.p_bit_flip:g}, byte drop {faults.p_byte_drop:g}, byte duplicate {faults.p_byte_dup:g} "
        f"per byte; per request: lost {faults.p_request_drop:g}, sent twice {faults.p_request_dup:g}, board reset "
        f"after it {faults.p_reset:g} (QEMU system_reset). Client: 0.05 s per try, up to 40 retries, 3 resets per "
        "window. A reset the client did not see (its boot hello lost to the noise) is caught by the firmware, "
        "which refuses state requests until the host opens a new session."
    )
    table = Table(
        "",
        [
            "board",
            "windows compared",
            "all answers checked and equal",
            "retries",
            "resets injected",
            "resets seen",
            "byte faults",
            "requests lost",
            "requests repeated",
            "bad frames",
            "wall s",
            "ms / window",
        ],
    )
    pipe = soak_pipeline()
    windows = soak_windows(n)
    work = Path(tempfile.mkdtemp(prefix="sf-bench-soak-"))
    results = {}
    try:
        for board in boards:
            try:
                elf, ref = hil_firmware(pipe, board, work)
                # as `sensorflow hil`: an int8 model stage (the default on FPU-less boards) is compared
                # with the int8 network's scores, not the float model's
                r = soak(board, elf, ref, windows, faults=faults, seed=0)
            except Exception as exc:  # one board's failure must not hide the other's row
                why = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}"
                table.rows.append([board, f"failed: {why}"] + [None] * 10)
                continue
            results[board] = r
            table.rows.append(
                [
                    board,
                    f"{r.compared:,} / {r.windows:,}" + (f" (stopped: {r.error[:120]})" if r.error else ""),
                    r.passed,
                    r.retries,
                    r.resets_injected,
                    r.resets_seen,
                    r.byte_faults,
                    r.requests_dropped,
                    r.requests_duplicated,
                    r.bad_frames,
                    r.wall_s,
                    1e3 * r.wall_s / max(1, r.windows),
                ]
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for board, why in missing.items():
        table.rows.append([board, f"not available: {why}"] + [None] * 10)
    sec.tables.append(table)
    for board in BOARDS:
        r = results.get(board)
        sec.targets.append(
            Target(
                f"{board}: windows compared and equal under faults",
                r.compared if r and r.passed else (0 if r else None),
                n,
                at_least=True,
                reason="" if r else "not measured in this run",
            )
        )
    return sec
