"""The fixed-point log-mel / MFCC kernels (sf_q15_logmel, sf_q15_dct) against their numpy
reference (sensorflow.dsp.fixed_mel): bit for bit, strict flags at -O2 and ASan/UBSan, on
noise at three levels, tones, silence, a full-scale square wave and a lone -32768."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from conftest import need_tools

from sensorflow.codegen.c import cgen
from sensorflow.codegen.c.library import RUNTIME_DIR
from sensorflow.device.toolchain import STRICT_CFLAGS
from sensorflow.dsp import dct_matrix, fixed, mel_filterbank, window_vector
from sensorflow.dsp import fixed_mel as fm
from sensorflow.testing.ccompare import SANITIZE, host_cc

N, M, D, FS = 256, 24, 10, 8000


def _tables():
    win = fixed.q15(window_vector("hann", N).astype(np.float64))
    mel = mel_filterbank(FS, N, M)
    wq, wmax = fm.weights_q15(mel)
    dq = fixed.q15(dct_matrix(D, M))
    return win, wq, dq, fm.db_offset_q16(N, 15, wmax)


def _frames() -> np.ndarray:
    rng = np.random.default_rng(2)
    t = np.arange(N) / FS
    rows = [rng.standard_normal(N) * a for a in (0.3, 0.01, 0.0003)]
    rows += [np.sin(2 * np.pi * f * t) * 0.5 for f in (200.0, 1234.0)]
    x = np.clip(np.rint(np.array(rows) * 32768), -32768, 32767).astype(np.int16)
    square = np.where(np.arange(N) % 16 < 8, 32767, -32768).astype(np.int16)
    lone = np.zeros(N, np.int16)
    lone[7] = -32768
    return np.vstack([x, np.zeros((1, N), np.int16), square, lone])


def _program(win, wq, dq, offset) -> str:
    wr, wi = fixed.twiddles(N // 2)
    ar, ai, br, bi = fixed.split_tables(N)
    start = [int(np.flatnonzero(r)[0]) if r.any() else 0 for r in wq]
    length = [int(np.flatnonzero(r)[-1]) + 1 - s if r.any() else 0 for r, s in zip(wq, start)]
    runs = np.concatenate([r[s : s + n] for r, s, n in zip(wq, start, length)])
    t = [
        cgen.array(name, ctype, vals)
        for name, ctype, vals in [
            ("win", "int16_t", win),
            ("wr", "int16_t", wr),
            ("wi", "int16_t", wi),
            ("rev", "uint16_t", fixed.bitrev(N // 2)),
            ("ar", "int16_t", ar),
            ("ai", "int16_t", ai),
            ("br", "int16_t", br),
            ("bi", "int16_t", bi),
            ("mstart", "uint16_t", start),
            ("mlen", "uint16_t", length),
            ("mw", "int16_t", runs),
            ("dct", "int16_t", dq),
        ]
    ]
    return (
        '#include <stdio.h>\n#include "sf_q15.h"\n'
        + "".join(t)
        + f"static const sf_q15_logmel_config cfg = {{ {N}, {M}, win, wr, wi, rev, ar, ai, br, bi, mstart, mlen, mw, "
        f"{offset} }};\n"
        f"int main(void) {{\n    static int16_t frame[{N}];\n    static int32_t work[{N}], "
        f"db[{M}], c[{D}];\n    unsigned i;\n"
        f"    while (fread(frame, sizeof frame, 1, stdin) == 1) {{\n"
        f"        sf_q15_logmel(&cfg, frame, work, db);\n        sf_q15_dct(dct, {D}u, {M}u, db, c);\n"
        f'        for (i = 0; i < {M}u; i++) printf(" %ld", (long)db[i]);\n'
        f'        for (i = 0; i < {D}u; i++) printf(" %ld", (long)c[i]);\n        printf("\\n");\n    }}\n    return 0;\n}}\n'
    )


@pytest.mark.parametrize("sanitize", [False, True], ids=["strict-O2", "asan-ubsan"])
def test_logmel_mfcc_c_bit_identical(tmp_path, sanitize):
    need_tools("cc")
    win, wq, dq, offset = _tables()
    frames = _frames()
    (tmp_path / "main.c").write_text(_program(win, wq, dq, offset))
    exe = tmp_path / "mel"
    flags = [*SANITIZE, "-O1"] if sanitize else ["-O2"]
    cmd = [host_cc(), *STRICT_CFLAGS, *flags, "-I", str(RUNTIME_DIR), str(tmp_path / "main.c"),
           str(RUNTIME_DIR / "sf_q15.c"), "-o", str(exe)]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True)
    res = subprocess.run([str(exe)], input=frames.tobytes(), capture_output=True, check=True)
    assert res.stderr == b""
    got = np.array([[int(v) for v in ln.split()] for ln in res.stdout.decode().splitlines()])
    db = fm.logmel_db_q16(frames, win, wq, offset)
    np.testing.assert_array_equal(got[:, :M], db)
    np.testing.assert_array_equal(got[:, M:], fm.dct_q16(db, dq))


def test_log2_q16_c_equals_reference(tmp_path):
    """sf_q15_log2_q16 (on 32-bit words) against fixed_mel.log2_q16 on every bit length and its
    neighbours, both sides of 2^32 included."""
    need_tools("cc")
    rng = np.random.default_rng(5)
    p = np.uint64(1) << np.arange(64, dtype=np.uint64)
    v = np.concatenate([[0, 1, 2, 3], p, p - np.uint64(1), p + np.uint64(1), rng.integers(0, 2**63, 2000, np.uint64)])
    v = v.astype(np.uint64)
    src = (
        '#include <stdio.h>\n#include "sf_q15.h"\nint main(void) {\n    unsigned long long x;\n'
        '    while (fread(&x, sizeof x, 1, stdin) == 1) printf("%ld\\n", (long)sf_q15_log2_q16((uint64_t)x));\n'
        "    return 0;\n}\n"
    )
    (tmp_path / "main.c").write_text(src)
    exe = tmp_path / "log2"
    cmd = [host_cc(), *STRICT_CFLAGS, *SANITIZE, "-O1", "-I", str(RUNTIME_DIR), str(tmp_path / "main.c"),
           str(RUNTIME_DIR / "sf_q15.c"), "-o", str(exe)]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True)
    res = subprocess.run([str(exe)], input=v.tobytes(), capture_output=True, check=True)
    got = np.array([int(x) for x in res.stdout.decode().split()])
    np.testing.assert_array_equal(got, fm.log2_q16(v))
