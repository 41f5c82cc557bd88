"""Device cost of a trained wake-word artifact (docs/experiments/2026-12-07-wakeword-m4-instruction-cost.md).

Loads an artifact directory (``sensorflow.artifact.load``: e.g. the ``artifact/`` that
``scripts/wakeword_framing_cost.py`` writes) and measures it as the demo's ``measure`` step does
(``device.measure.measure_pipeline``, int8 path) on each board, with the test windows stored in
the artifact. Prints RAM, flash and instructions per second through ``_push`` and ``_push_i16``.

    python scripts/wakeword_measure_artifact.py build/framing/base/artifact --out build/cost/after
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from sensorflow import artifact
from sensorflow.device import measure

FIGURES = ("agree", "k", "labels", "ram", "stack", "flash", "instr_infer", "instr_per_second", "instr_per_second_i16")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("artifact", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--boards", nargs="+", default=["qemu-mps2-an386", "qemu-riscv32"])
    args = ap.parse_args()
    pipe, _ = artifact.load(args.artifact)
    X = np.load(args.artifact / "test_windows.npy")
    for board in args.boards:
        m = measure.measure_pipeline(pipe, X[:8], board, args.out / board, "int8")
        print(board, json.dumps({k: m[k] for k in FIGURES if k in m}), flush=True)


if __name__ == "__main__":
    main()
