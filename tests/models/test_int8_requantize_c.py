"""sf_q8_requantize_sums (the per-frame sums' requantisation and the short path of every int8
kernel's requantisation) against the numpy reference, on the edges of the short path: |x| around
2^29, shifts 0, -1, -30, -31 and > 0, ties of the rounding, saturation (host C, strict flags and
ASan/UBSan)."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from sensorflow.codegen.c.library import runtime_files
from sensorflow.device.toolchain import STRICT_CFLAGS
from sensorflow.stages.models.int8 import requantize
from sensorflow.testing.ccompare import SANITIZE, host_cc

MAIN = r"""
#include <stdio.h>
#include "sf_q8.h"
int main(void)
{
    int32_t sums[1], bias[1], mult[1];
    int8_t shift[1], y[1];
    long s, b, m, sh, zp, lo;
    while (scanf("%ld %ld %ld %ld %ld %ld", &s, &b, &m, &sh, &zp, &lo) == 6) {
        sf_q8_layer L = {0, bias, mult, shift, 0, 1u, 1u, 0, 0};
        sums[0] = (int32_t)s; bias[0] = (int32_t)b; mult[0] = (int32_t)m; shift[0] = (int8_t)sh;
        L.zp = (int8_t)zp; L.lo = (int8_t)lo;
        sf_q8_requantize_sums(sums, bias, &L, y);
        printf("%d\n", (int)y[0]);
    }
    return 0;
}
"""


def cases(rng) -> np.ndarray:
    rows = []
    shifts = [0, -1, -2, -7, -15, -29, -30, -31, 1, 3]
    mults = [0, 1 << 30, (1 << 31) - 1, 1518500250, 1762037865]
    edges = [0, 1, -1, (1 << 29) - 1, -(1 << 29), 1 << 29, -(1 << 29) - 1, (1 << 30), -(1 << 31), (1 << 31) - 1]
    for sh in shifts:  # (the rows with x near +-2^31 also run the slow path)
        for m in mults:
            for x in edges:
                rows.append((x, 0, m, sh))
            for x in rng.integers(-(1 << 20), 1 << 20, 40):
                rows.append((int(x), int(rng.integers(-5000, 5000)), m, sh))
    # ties of the rounding: x * mult / 2^31 = k + 1/2 (srdhm) and h = (k + 1/2) 2^e (divide)
    for e in (1, 2, 5, 12):
        for k in (-7, -3, -1, 0, 1, 3, 7):
            rows.append(((2 * k + 1) << (e - 1), 0, 1 << 30, -e))  # h = x / 2
            rows.append(((2 * k + 1) << e, 0, 1 << 30, -e))
    return np.array(rows, np.int64)


@pytest.mark.parametrize("sanitize", [False, True], ids=["strict", "asan-ubsan"])
def test_requantize_sums_equals_reference(tmp_path, sanitize):
    rng = np.random.default_rng(7)
    rows = cases(rng)
    x = ((rows[:, 0] + rows[:, 1] + (1 << 31)) % (1 << 32)) - (1 << 31)
    rows = rows[np.abs(requantize(x, rows[:, 2], rows[:, 3])) < (1 << 30)]  # see below
    src = tmp_path / "main.c"
    src.write_text(MAIN)
    rt = runtime_files(["sf_common", "sf_q8"])
    for name, text in rt.items():
        (tmp_path / name).write_text(text)
    exe = tmp_path / "rq"
    flags = [*STRICT_CFLAGS, "-O2", *(SANITIZE if sanitize else [])]
    c_files = [str(tmp_path / n) for n in rt if n.endswith(".c")]
    subprocess.run([host_cc(), *flags, f"-I{tmp_path}", str(src), *c_files, "-o", str(exe)], check=True, timeout=300)
    zp, lo = -3, -128
    text = "\n".join(f"{s} {b} {m} {sh} {zp} {lo}" for s, b, m, sh in rows) + "\n"
    res = subprocess.run([str(exe)], input=text.encode(), capture_output=True, timeout=120)
    assert res.returncode == 0 and not res.stderr, res.stderr.decode(errors="replace")[:2000]
    got = np.array([int(v) for v in res.stdout.decode().split()], np.int64)
    x = ((rows[:, 0] + rows[:, 1] + (1 << 31)) % (1 << 32)) - (1 << 31)  # the C adds in int32 (wrapping)
    r = requantize(x, rows[:, 2], rows[:, 3])
    want = np.clip(r + zp, lo, 127)
    assert len(got) == len(rows)
    # a requantised value within |zp| of the int32 limits wraps when the C adds the zero point (as
    # it did before the short path; unreachable from a layer's accumulators): not compared
    bad = np.flatnonzero((got != want) & (np.abs(r) < (1 << 30)))
    assert bad.size == 0, rows[bad[:5]].tolist()
