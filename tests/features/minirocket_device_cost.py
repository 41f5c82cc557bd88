"""Instructions per window of sf_minirocket_f32 on the emulated Cortex-M4F (qemu-mps2-an386,
-icount) against the number of kept features k, and agreement of its features with the numpy
reference (the image prints them). Uses the bench measuring image (qemu_harness.measure_c).
Run: python tests/features/minirocket_device_cost.py [DATASET ...]

Measured 2026-12-06 (M4F instructions per window, features equal to numpy's in every case):

| dataset (length x channels) | all 9,996 | k=2000 | k=500 | k=100 |
|---|---|---|---|---|
| GunPoint (150 x 1) | 13.9 M | 3.48 M | 1.04 M | 283 k |
| JapaneseVowels (29 x 12) | 2.87 M | 827 k | 400 k | 159 k |
| ACSF1 (1460 x 1) | 150 M | 35.2 M | 9.70 M | 2.89 M |
| BasicMotions (100 x 6) | 10.8 M | 3.17 M | 1.17 M | 498 k |
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

from sensorflow.device import measure as qh
from sensorflow.stages.minirocket import MiniRocket

RUNTIME = Path(__file__).resolve().parents[2] / "sensorflow" / "runtime" / "c"
KS = (None, 2000, 500, 100)


def _floats(v) -> str:
    return ", ".join(f"{float(x)!r}f" if np.isfinite(x) else "0.0f" for x in np.asarray(v, dtype=np.float32))


def source(stage, window) -> str:
    """A C file with the stage's entries, one window and the bench entry points."""
    L, C = window.shape
    n = len(stage.bias_)
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


def measure(name: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from minirocket_accuracy import load

    Xtr, ytr, Xte, _ = load(name)
    for k in KS:
        stage = MiniRocket(n_features=10_000, keep=k, random_state=0).fit(Xtr, ytr)
        with tempfile.TemporaryDirectory() as d:
            src = Path(d) / "mr_bench.c"
            src.write_text(source(stage, Xte[0]))
            m = qh.measure_c(
                [src, RUNTIME / "sf_minirocket.c"],
                "bench_entry",
                include_dirs=[RUNTIME],
                extra_cflags=["-Wall", "-Wextra", "-Werror", "-Wdouble-promotion", "-Wfloat-conversion"],
            )
        ref = stage.transform(Xte[:1])[0]
        same = np.array_equal(m.floats(), ref)
        print(
            f"| {name} | k={k or len(stage.bias_)} | {m.instructions_per_call:,.0f} instr | "
            f"image flash {m.image_sizes['flash']:,} B | equal to numpy: {same} |",
            flush=True,
        )


if __name__ == "__main__":
    for name in sys.argv[1:] or ("GunPoint", "JapaneseVowels", "ACSF1", "BasicMotions"):
        measure(name)
