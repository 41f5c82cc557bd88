"""Instructions per window of the MiniRocket C on the emulated Cortex-M4F (qemu-mps2-an386,
-icount) against the number of kept features k, and agreement of its features with the numpy
reference (the image prints them): the export's straight-line function
(``codegen/c/emitters/minirocket_unrolled.py``; TABLE=1 measures sf_minirocket_f32 instead). Uses the bench measuring image (qemu_harness.measure_c).
Run: python tests/features/minirocket_device_cost.py [DATASET ...] [--k 100,300,0]  (0 = all;
TABLE=1: sf_minirocket_f32, TABLE=both: both on each fitted stage)

Measured 2026-12-07 (M4F instructions per window, features equal to numpy's in every case;
before: the table-driven kernel with a compare per count, 2026-12-06):

| dataset (length x channels) | k=100 | k=300 | k=500 | k=800 | k=1000 | k=2000 | all 9,996 |
|---|---|---|---|---|---|---|---|
| ACSF1 (1460 x 1), straight-line | 1.68 M | 3.27 M | 4.91 M | 7.25 M | 8.87 M | | |
| ACSF1 before | 2.89 M | 6.26 M | 9.70 M | | 18.4 M | 35.2 M | 150 M |
| ACSF1, TABLE=1 (sign-bit count) | | 5.19 M | | | | | |
| GunPoint (150 x 1), straight-line | 149 k | 310 k | 459 k | 672 k | | | |
| GunPoint before | 283 k | | 1.04 M | | | 3.48 M | 13.9 M |
| JapaneseVowels (29 x 12), table | 151 k | | 367 k | | | 695 k | 2.20 M |
| JapaneseVowels before | 159 k | | 400 k | | | 827 k | 2.87 M |
| JapaneseVowels, straight-line (2026-12-07, blocks of one padding) | 96.2 k | | 222 k | | | 484 k | |
| BasicMotions (100 x 6), table | 467 k | | 1.05 M | | | 2.67 M | 8.31 M |
| BasicMotions, straight-line | 269 k | | 669 k | | | 1.77 M | |
| BasicMotions before | 498 k | | 1.17 M | | | 3.17 M | 10.8 M |
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from sensorflow.codegen.c.emitters.minirocket_unrolled import ppv_function, work_floats
from sensorflow.device import measure as qh
from sensorflow.stages.minirocket import MiniRocket

RUNTIME = Path(__file__).resolve().parents[2] / "sensorflow" / "runtime" / "c"
KS = (None, 2000, 500, 100)


def _floats(v) -> str:
    return ", ".join(f"{float(x)!r}f" if np.isfinite(x) else "0.0f" for x in np.asarray(v, dtype=np.float32))


def source(stage, window, table: bool = False) -> str:
    """A C file with the stage's entries, one window and the bench entry points: the table-driven
    sf_minirocket_f32 (TABLE=1 or several channels) or the export's straight-line function."""
    L, C = window.shape
    n = len(stage.bias_)
    if not table:
        work = work_floats(L, int(np.max(stage.dilation_)), C)
        return f"""#include "sf_minirocket.h"
#include "bench.h"
{ppv_function("ppv", stage, L, C)}
static const float window[{L * C}] = {{{_floats(window.ravel())}}};
static float scratch[{work}];
static float out[{n}];
int bench_entry(int i);
int bench_entry(int i)
{{
    (void)i;
    ppv(window, scratch, out);
    return 0;
}}
void bench_report(int i)
{{
    int f;
    (void)i;
    for (f = 0; f < {n}; f++) bench_out_f32(out[f]);
}}
"""
    rows = ",\n".join(
        f"    {{{float(b)!r}f, {d}u, {g}u, {k}u, {p}u}}"
        for b, d, g, k, p in zip(stage.bias_, stage.dilation_, stage.combination_, stage.kernel_, stage.padding_)
    )
    offs = ", ".join(str(int(v)) for v in stage.combination_offsets_)
    chans = ", ".join(str(int(v)) for v in stage.combination_channels_)
    return f"""#include "sf_minirocket.h"
#include "bench.h"
static const sf_minirocket_feature entries[{n}] = {{
{rows}
}};
static const uint16_t offs[] = {{{offs}}};
static const uint16_t chans[] = {{{chans}}};
static const float window[{L * C}] = {{{_floats(window.ravel())}}};
static float scratch[{L + C * (2 * L + 8 * int(np.max(stage.dilation_)))}];
static float out[{n}];
int bench_entry(int i);
int bench_entry(int i)
{{
    (void)i;
    return sf_minirocket_f32(window, {L}u, {C}u, entries, {n}u, offs, chans, scratch, sizeof scratch / sizeof scratch[0], out);
}}
void bench_report(int i)
{{
    int f;
    (void)i;
    for (f = 0; f < {n}; f++) bench_out_f32(out[f]);
}}
"""


def measure(name: str, ks=KS, modes=(False,)) -> None:
    """``modes``: False the straight-line function, True sf_minirocket_f32 (same fitted stage)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from minirocket_accuracy import load

    Xtr, ytr, Xte, _ = load(name)
    for k in ks:
        stage = MiniRocket(n_features=10_000, keep=k, random_state=0).fit(Xtr, ytr)
        for table in modes:
            with tempfile.TemporaryDirectory() as d:
                src = Path(d) / "mr_bench.c"
                src.write_text(source(stage, Xte[0], table))
                m = qh.measure_c(
                    [src, RUNTIME / "sf_minirocket.c"],
                    "bench_entry",
                    include_dirs=[RUNTIME],
                    extra_cflags=["-Wall", "-Wextra", "-Werror", "-Wdouble-promotion", "-Wfloat-conversion"],
                )
            ref = stage.transform(Xte[:1])[0]
            same = np.array_equal(m.floats(), ref)
            print(
                f"| {name} | {'table' if table else 'straight-line'} | k={k or len(stage.bias_)} | "
                f"{m.instructions_per_call:,.0f} instr | cost() {stage.cost().ops:,} | "
                f"image flash {m.image_sizes['flash']:,} B | equal to numpy: {same} |",
                flush=True,
            )


if __name__ == "__main__":
    args = sys.argv[1:]
    ks = KS
    if "--k" in args:  # --k 100,300,1000 (0 = all features)
        i = args.index("--k")
        ks = tuple(int(v) or None for v in args[i + 1].split(","))
        del args[i : i + 2]
    modes = {"": (False,), "1": (True,), "both": (True, False)}[os.environ.get("TABLE", "")]
    for name in args or ("GunPoint", "JapaneseVowels", "ACSF1", "BasicMotions"):
        measure(name, ks, modes)
