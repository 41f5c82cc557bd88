"""sf_q8_requantize_sums (the per-frame sums' requantisation and the short path of every int8
kernel's requantisation) against the numpy reference, on the edges of the short path: |x| around
2^29, shifts 0, -1, -30, -31 and > 0, ties of the rounding, saturation (host C, strict flags and
ASan/UBSan)."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from conftest import need_board

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


def conv_cases(rng) -> np.ndarray:
    """(x0..3 of position a, x0..3 of b, w0..3 of filter 0, of filter 1, bias0, bias1, mult, shift):
    accumulators around the short path's |acc| < 2^29, shifts around its [-22, 0]."""
    rows = []
    for sh in (0, -1, -9, -22, -23, -30, 2):
        for m in (1 << 30, (1 << 31) - 1, 1518500250):
            for b in (0, 5, -5, (1 << 29) - 100, -(1 << 29) + 100, (1 << 29) + 100, -(1 << 29) - 100, 1 << 30):
                x = rng.integers(-128, 128, 8)
                w = rng.integers(-127, 128, 8)
                rows.append([*x, *w, b, -b // 3, m, sh])
    return np.array(rows, np.int64)


def conv_program(rows: np.ndarray, zp: int, lo: int) -> str:
    body = ",".join(str(int(v)) for v in rows.ravel())
    return (
        '#include "sf_q8.h"\n'
        f"static const long cases[{rows.size}] = {{{body}}};\n"
        "int entry(int i);\n"
        "int entry(int i)\n{\n"
        f"    const long *c = &cases[i * {rows.shape[1]}];\n"
        "    int8_t x[8], w[8], y[4], sh[2];\n    int32_t bias[2], mult[2];\n    int k;\n"
        "    for (k = 0; k < 8; k++) { x[k] = (int8_t)c[k]; w[k] = (int8_t)c[8 + k]; }\n"
        "    bias[0] = (int32_t)c[16]; bias[1] = (int32_t)c[17]; mult[0] = mult[1] = (int32_t)c[18];\n"
        "    sh[0] = sh[1] = (int8_t)c[19];\n"
        f"    {{ sf_q8_layer L = {{w, bias, mult, sh, 0, 4u, 2u, {zp}, {lo}}};\n"
        "      sf_q8_conv1d(x, 2u, 4u, 1u, 1u, &L, y); }\n"
        "    return (y[0] & 255) | (y[1] & 255) << 8 | (y[2] & 255) << 16 | (y[3] & 255) << 24;\n}\n"
    )


@pytest.mark.emulator
@pytest.mark.slow
@pytest.mark.parametrize("zp, lo", [(-3, -128), (-7, -7)], ids=["plain", "relu"])
def test_conv_block_requantisation_on_m4(tmp_path, zp, lo):
    """The Cortex-M4's assembly requantisation of the conv 2 x 2 block, and its fall-back to
    requantize() when an accumulator or shift is off the short path, equal the reference."""
    from sensorflow.device import measure

    need_board("qemu-mps2-an386")
    rows = conv_cases(np.random.default_rng(3))
    rt = runtime_files(["sf_common", "sf_q8"])
    for name, text in rt.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "cases.c").write_text(conv_program(rows, zp, lo))
    srcs = [tmp_path / "cases.c", *(tmp_path / n for n in rt if n.endswith(".c"))]
    m = measure.measure_c(srcs, "entry", "qemu-mps2-an386", n_inputs=1, n_results=len(rows), include_dirs=[tmp_path])
    got = np.array(m.results, np.int64) & 0xFFFFFFFF
    x, w = rows[:, :8].reshape(-1, 2, 4), rows[:, 8:16].reshape(-1, 2, 4)
    acc = np.einsum("npc,nfc->npf", x, w) + rows[:, None, 16:18]  # (case, position, filter)
    r = requantize(acc, rows[:, 18, None, None], rows[:, 19, None, None])
    codes = np.clip(r + zp, lo, 127) & 255
    want = codes[:, 0, 0] | codes[:, 0, 1] << 8 | codes[:, 1, 0] << 16 | codes[:, 1, 1] << 24
    ok = np.all(np.abs(r) < (1 << 30), axis=(1, 2))  # near the int32 limits + zp wraps (see above)
    assert ok.sum() > 0.8 * len(rows)
    bad = np.flatnonzero((got != want) & ok)
    assert bad.size == 0, rows[bad[:3]].tolist()
