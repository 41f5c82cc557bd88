"""Instructions per function of a measuring image (docs/experiments/2026-12-07-wakeword-m4-instruction-cost.md).

Runs an image built by ``device.measure.measure_c`` (e.g. the ``push16/bench.elf`` that
``measure_pipeline`` leaves in its work directory) under QEMU with one guest instruction per
translation block and the ``exec`` trace, then attributes every executed instruction to the
function whose symbol covers its address (``nm``). Counts cover the whole run (results pass,
timed passes, harness), so divide by the calls of interest; the headline figures come from
``measure_pipeline`` (-icount), this only splits them.

    python scripts/trace_profile.py build/.../push16/bench.elf [--board qemu-mps2-an386] [--calls N]
"""

from __future__ import annotations

import argparse
import bisect
import collections
import re
import subprocess
import tempfile
from pathlib import Path

from sensorflow.device import measure


def symbols(elf: Path, nm: str) -> tuple[list[int], list[str]]:
    out = subprocess.run([nm, "-S", "--defined-only", "-n", str(elf)], capture_output=True, text=True, check=True)
    starts, names = [], []
    for line in out.stdout.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2].lower() in ("t", "w"):
            starts.append(int(parts[0], 16) & ~1)
            names.append(parts[3])
    return starts, names


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("elf", type=Path)
    ap.add_argument("--board", default="qemu-mps2-an386")
    ap.add_argument("--calls", type=float, default=1.0, help="divide the counts by this")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--pcs", help="also print the count of every address of this function (hot loops)")
    args = ap.parse_args()
    b = measure.get_board(args.board)
    nm = re.sub(r"gcc$", "nm", b.toolchain.cc)
    starts, names = symbols(args.elf, nm)
    argv = [a for a in measure.qemu_argv(b) if a not in ("-icount", "shift=0")]
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "exec.log"
        subprocess.run(
            [*argv, "-singlestep", "-d", "exec,nochain", "-D", str(log), "-kernel", str(args.elf)],
            check=True,
            capture_output=True,
            timeout=3600,
        )
        counts: collections.Counter = collections.Counter()
        pat = re.compile(r"Trace \S+: \S+ \[[0-9a-f]+/([0-9a-f]+)/")
        with log.open() as fh:
            for line in fh:
                m = pat.search(line)
                if m:
                    counts[int(m.group(1), 16) & ~1] += 1
    per_fn: collections.Counter = collections.Counter()
    for pc, n in counts.items():
        i = bisect.bisect_right(starts, pc) - 1
        per_fn[names[i] if i >= 0 else "?"] += n
    total = sum(per_fn.values())
    print(f"total {total / args.calls:,.0f} per call ({total:,} instructions, {args.calls:g} calls)")
    for name, n in per_fn.most_common(args.top):
        print(f"{n / args.calls:12,.0f}  {100 * n / total:5.1f}%  {name}")
    if args.pcs:
        for pc in sorted(counts):
            i = bisect.bisect_right(starts, pc) - 1
            if i >= 0 and names[i] == args.pcs:
                print(f"{pc:08x} {counts[pc]}")


if __name__ == "__main__":
    main()
