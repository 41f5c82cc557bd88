"""Start-up time of the ``sensorflow`` command: ``python -m sensorflow.bench.cli_startup``.

Runs each command line N times in a fresh interpreter (as a user's shell does) and prints the
best and the median wall time, and the heavy libraries each one imported. The best of N is the
figure least disturbed by other load on the machine (``timeit``'s advice). Byte-code caching
is left on (``PYTHONDONTWRITEBYTECODE`` is dropped), as in an installed wheel, and one
warm-up run per command writes the caches first. The CPU time of the child (user + system,
``getrusage``) is printed too: on a machine shared with other jobs it moves far less than the
wall time, and on an idle one the two are close. The target (issue 24): ``--help`` and
``validate`` under 0.3 s. A benchmark, not a test: the numbers depend on the machine."""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HEAVY = ("sklearn", "scipy", "matplotlib", "pandas", "rich")
TARGET_S = 0.3


def _cases(pipeline: str) -> dict[str, list[str]]:
    return {
        "python -c pass (interpreter alone)": ["-c", "pass"],
        "sensorflow --help": ["-m", "sensorflow", "--help"],
        "sensorflow validate --help": ["-m", "sensorflow", "validate", "--help"],
        f"sensorflow validate {pipeline}": ["-m", "sensorflow", "validate", pipeline],
        "sensorflow train --help": ["-m", "sensorflow", "train", "--help"],
    }


def _imported(args: list[str], env: dict) -> list[str]:
    """The heavy top-level packages a command line imports (run once under ``-X importtime``)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", *args], env=env, capture_output=True, text=True)
    names = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines() if "|" in line}
    return sorted(names & set(HEAVY))


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def measure(args: list[str], runs: int, env: dict) -> tuple[list[float], list[float]]:
    """(wall times, CPU times) of ``runs`` runs, in seconds."""
    subprocess.run([sys.executable, *args], env=env, capture_output=True)  # warm-up: byte-code caches
    times, cpu = [], []
    for _ in range(runs):
        c0, t0 = _children_cpu(), time.perf_counter()
        subprocess.run([sys.executable, *args], env=env, capture_output=True)
        times.append(time.perf_counter() - t0)
        cpu.append(_children_cpu() - c0)
    return times, cpu


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10, help="timed runs per command line (default 10)")
    ap.add_argument("--pipeline", default="pipelines/gesture.yaml", help="pipeline for 'validate'")
    ap.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = ap.parse_args(argv)
    if not Path(args.pipeline).is_file():
        print(f"{args.pipeline}: no such file; pass --pipeline PATH", file=sys.stderr)
        return 2
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    rows = []
    for name, cmd in _cases(args.pipeline).items():
        times, cpu = measure(cmd, args.runs, env)
        rows.append(
            {
                "command": name,
                "best_s": round(min(times), 4),
                "median_s": round(statistics.median(times), 4),
                "best_cpu_s": round(min(cpu), 4),
                "runs": len(times),
                "heavy_imports": _imported(cmd, env),
            }
        )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    if args.json:
        print(json.dumps({"target_s": TARGET_S, "load_average_1min": load, "rows": rows}))
        return 0
    print(f"{'command':48s} {'best':>7s} {'median':>7s} {'cpu':>7s}  heavy imports (target {TARGET_S} s; load {load})")
    for r in rows:
        print(
            f"{r['command']:48s} {r['best_s']:7.3f} {r['median_s']:7.3f} {r['best_cpu_s']:7.3f}  "
            f"{', '.join(r['heavy_imports']) or '-'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
