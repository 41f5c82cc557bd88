"""The fixed-point log-mel / MFCC kernels (sf_q15_logmel, sf_q15_dct) against their numpy
reference (sensorflow.dsp.fixed_mel): bit for bit, strict flags at -O2 and ASan/UBSan, on
noise at three levels, tones, silence, a full-scale square wave, a lone -32768, full-range
noise and full-scale random signs; on the emulated boards too (the Cortex-M4's SIMD path)."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from conftest import Q15_BOARDS, need_board, need_tools

from sensorflow.codegen.c import cgen
from sensorflow.codegen.c.library import RUNTIME_DIR
from sensorflow.device.toolchain import STRICT_CFLAGS
from sensorflow.dsp import dct_matrix, fixed, mel_filterbank, window_vector
from sensorflow.dsp import fixed_mel as fm
from sensorflow.testing.ccompare import SANITIZE, host_cc

N, M, D, FS = 256, 24, 10, 8000


def _tables(N=N):
    win = fixed.q15(window_vector("hann", N).astype(np.float64))
    mel = mel_filterbank(FS, N, M)
    wq, wmax = fm.weights_q15(mel)
    dq = fixed.q15(dct_matrix(D, M))
    return win, wq, dq, fm.db_offset_q16(N, 15, wmax)


def _frames(N=N) -> np.ndarray:
    rng = np.random.default_rng(2)
    t = np.arange(N) / FS
    rows = [rng.standard_normal(N) * a for a in (0.3, 0.01, 0.0003)]
    rows += [np.sin(2 * np.pi * f * t) * 0.5 for f in (200.0, 1234.0)]
    x = np.clip(np.rint(np.array(rows) * 32768), -32768, 32767).astype(np.int16)
    square = np.where(np.arange(N) % 16 < 8, 32767, -32768).astype(np.int16)
    lone = np.zeros(N, np.int16)
    lone[7] = -32768
    # the FFT's largest values (int16 lanes on the Cortex-M4): full-range noise, +-full-scale signs
    loud = np.vstack([rng.integers(-32768, 32768, N), np.where(rng.random(N) < 0.5, -32768, 32767)])
    return np.vstack([x, np.zeros((1, N), np.int16), square, lone, loud.astype(np.int16)])


def _program(win, wq, dq, offset, N=N, pairs=(0, 0)) -> str:
    wr, wi = fixed.twiddles(N // 2)
    ar, ai, br, bi = fixed.split_tables(N)
    start = [int(np.flatnonzero(r)[0]) if r.any() else 0 for r in wq]
    length = [int(np.flatnonzero(r)[-1]) + 1 - s if r.any() else 0 for r, s in zip(wq, start)]
    runs = np.concatenate([r[s : s + n] for r, s, n in zip(wq, start, length)])
    t = [
        cgen.array(name, ctype, vals)
        for name, ctype, vals in [
            ("win", "int16_t", win),
            ("w", "int16_t", np.stack([wr, wi], axis=-1).ravel()),
            ("rev", "uint16_t", fixed.bitrev(N // 2)),
            ("a", "int16_t", np.stack([ar, ai], axis=-1).ravel()),
            ("b", "int16_t", np.stack([br, bi], axis=-1).ravel()),
            ("mstart", "uint16_t", start),
            ("mlen", "uint16_t", length),
            ("mw", "int16_t", runs),
            ("dct", "int16_t", dq),
        ]
    ]
    return (
        '#include <stdio.h>\n#include "sf_q15.h"\n'
        + "".join(t)
        + f"static const sf_q15_logmel_config cfg = {{ {N}, {M}, win, w, rev, a, b, mstart, mlen, mw, "
        f"{offset}, {pairs[0]}, {pairs[1]} }};\n"
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


@pytest.mark.emulator
@pytest.mark.slow
@pytest.mark.parametrize("board, defines", Q15_BOARDS)
@pytest.mark.parametrize("n, padded", [(256, False), (512, False), (512, True)], ids=["256", "512", "512-padded"])
def test_logmel_emulated_bit_identical(tmp_path, board, defines, n, padded):
    """sf_q15_logmel on the emulated board (measuring image, -O2): the Cortex-M4's SIMD path
    (int16 lanes, SMUSD/SMUADX, SHADD16/SHSUB16), its portable C (-DSF_Q15_PORTABLE), rv32imc
    and lx106 give the numpy reference's Q16 dB on every frame, bit for bit; n_fft 256 (a
    128-point FFT: two-stage passes and a last radix-2 stage) and 512 (two-stage passes only)."""
    from sensorflow.device import boards, measure
    from sensorflow.errors import ToolMissingError

    need_board(board)
    win, wq, dq, offset = _tables(n)
    pairs = (0, 0)
    if padded:  # a window shorter than n_fft (taps only in the middle 3/4): the pairs outside are skipped
        win = win.copy()
        win[: n // 8], win[n - n // 8 :] = 0, 0
        pairs = (n // 16, n // 2 - n // 16)
    frames = _frames(n)
    prog = _program(win, wq, dq, offset, n, pairs).replace("#include <stdio.h>\n", '#include "bench.h"\n')
    prog = prog[: prog.index("int main(void)")]
    rows = ",".join(str(int(v)) for v in frames.ravel())
    prog += (
        f"static const int16_t frames[{len(frames)}][{n}] = {{{rows}}};\n"
        f"static int32_t work[{n}], db[{len(frames)}][{M}];\n"
        "int mel_entry(int i);\n"
        "int mel_entry(int i) { sf_q15_logmel(&cfg, frames[i], work, db[i]); return (int)db[i][0]; }\n"
        f"void bench_report(int i) {{ unsigned m; for (m = 0; m < {M}u; m++) bench_out_u32((uint32_t)db[i][m]); }}\n"
    )
    (tmp_path / "mel.c").write_text(prog)
    b = boards.get(board)
    try:
        res = measure.measure_c(
            [tmp_path / "mel.c", RUNTIME_DIR / "sf_q15.c"], "mel_entry", board, n_inputs=len(frames),
            include_dirs=[RUNTIME_DIR], defines=(*b.toolchain.defines, *defines), workdir=tmp_path / "w",
        )  # fmt: skip
    except ToolMissingError as exc:
        pytest.skip(str(exc))
    got = np.array(res.words, dtype=np.uint32).view(np.int32).reshape(len(frames), M)
    np.testing.assert_array_equal(got, fm.logmel_db_q16(frames, win, wq, offset))
