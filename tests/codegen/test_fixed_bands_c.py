"""The fixed-point band energy and statistics kernels (sf_q15_band_energy, sf_q15_stats_sums,
sf_q15_stat_code, sf_q15_isqrt64) against their numpy reference (sensorflow.dsp.fixed): bit
for bit on hostile int16 windows (silence, a lone -32768, constant full scale of both signs,
full-scale alternation and random signs, full-range noise, small noise, a tone) and odd / short
lengths for the statistics; on the host (strict -O2, ASan/UBSan) and on the emulated boards:
the Cortex-M4's SIMD and FPU paths (two-lane FFT, SMLAD/SMLALD sums, VSQRT isqrt), its portable
C (-DSF_Q15_PORTABLE), rv32imc and lx106."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from conftest import Q15_BOARDS, need_board, need_tools

from sensorflow.codegen.c import cgen
from sensorflow.codegen.c.library import RUNTIME_DIR
from sensorflow.device.toolchain import STRICT_CFLAGS
from sensorflow.dsp import fixed
from sensorflow.stages.spectral import BandEnergy
from sensorflow.stages.stats import FUNCTIONS
from sensorflow.testing.ccompare import SANITIZE, host_cc

L, NFFT, NB = 100, 64, 4
HOPS = [36, 18]  # two frames (one FFT), three (a lone last frame with zeros)
LENGTHS = (L, L - 1, 3, 1)  # statistics over the first n counts: even, odd, short, one


def _stage(hop: int) -> BandEnergy:
    return BandEnergy(n_bands=NB, n_fft=NFFT, hop_length=hop, sample_rate=10, q15_scale=2**-9).fit(
        np.zeros((1, L, 1), np.float32)
    )


def _windows() -> np.ndarray:
    rng = np.random.default_rng(11)
    t = np.arange(L)
    rows = [np.zeros(L), np.full(L, -32768), np.full(L, 32767), np.where(t % 2, 32767, -32768),
            np.where(rng.random(L) < 0.5, -32768, 32767), rng.integers(-32768, 32768, L),
            np.rint(rng.standard_normal(L) * 3), np.rint(np.sin(2 * np.pi * 0.13 * t) * 900 + 40)]  # fmt: skip
    lone = np.zeros(L)
    lone[37] = -32768
    rows.append(lone)
    return np.array(rows).astype(np.int16)


def _expected(x: np.ndarray, stage: BandEnergy) -> np.ndarray:
    hop = stage.hop_length
    bands = fixed.band_codes(x[:, :, None], NFFT, hop, stage.fixed_window(), stage.band_of_bin(), NB)[:, 0]
    out = [bands.view(np.uint32).reshape(len(x), -1)]
    for n in LENGTHS:
        codes = fixed.stat_codes(x[:, :n, None], fixed.FIXED_STATS)[:, 0]
        out.append(codes.astype(np.int64).view(np.uint32).reshape(len(x), -1))
    return np.hstack(out)


def _program(stage: BandEnergy) -> str:
    lo, n = fixed.band_ranges(stage.band_of_bin(), NB)
    ids = [FUNCTIONS.index(f) for f in fixed.FIXED_STATS]
    t = [
        cgen.array(name, ctype, vals)
        for name, ctype, vals in [
            ("win", "int16_t", stage.fixed_window()),
            ("w", "int16_t", np.stack(fixed.twiddles(NFFT), axis=-1).ravel()),
            ("rev", "uint16_t", fixed.bitrev(NFFT)),
            ("blo", "uint16_t", lo),
            ("blen", "uint16_t", n),
            ("ids", "uint8_t", ids),
            ("lengths", "uint32_t", LENGTHS),
        ]
    ]
    return (
        '#include "sf_q15.h"\n'
        + "".join(t)
        + f"static const sf_q15_bands_config cfg = {{ {NFFT}, {stage.hop_length}, {stage.n_frames}, {NB}, win, w, rev, blo, blen }};\n"
        f"static int32_t work[{2 * NFFT}];\n"
        f"/* band codes, then the codes of every statistic over each length, as 32-bit words */\n"
        f"static void run(const int16_t *x, uint32_t *out)\n{{\n    uint64_t bands[{NB}];\n    sf_q15_sums m;\n"
        "    unsigned i, j, o = 0;\n"
        "    sf_q15_band_energy(&cfg, x, work, bands);\n"
        f"    for (i = 0; i < {NB}u; i++) {{ out[o++] = (uint32_t)bands[i]; out[o++] = (uint32_t)(bands[i] >> 32); }}\n"
        f"    for (j = 0; j < {len(LENGTHS)}u; j++) {{\n"
        "        sf_q15_stats_sums(x, lengths[j], &m);\n"
        f"        for (i = 0; i < {len(ids)}u; i++) {{\n"
        "            uint64_t c = (uint64_t)sf_q15_stat_code(&m, ids[i]);\n"
        "            out[o++] = (uint32_t)c;\n            out[o++] = (uint32_t)(c >> 32);\n        }\n    }\n}\n"
    )


def _n_words() -> int:
    return 2 * NB + 2 * len(fixed.FIXED_STATS) * len(LENGTHS)


@pytest.mark.parametrize("hop", HOPS)
@pytest.mark.parametrize("sanitize", [False, True], ids=["strict-O2", "asan-ubsan"])
def test_bands_and_stats_c_bit_identical(tmp_path, sanitize, hop):
    need_tools("cc")
    stage, x = _stage(hop), _windows()
    main = (
        "#include <stdio.h>\n"
        + _program(stage)
        + f"int main(void) {{\n    static int16_t x[{L}];\n    static uint32_t out[{_n_words()}];\n    unsigned i;\n"
        "    while (fread(x, sizeof x, 1, stdin) == 1) {\n        run(x, out);\n"
        f'        for (i = 0; i < {_n_words()}u; i++) printf(" %lu", (unsigned long)out[i]);\n'
        '        printf("\\n");\n    }\n    return 0;\n}\n'
    )
    (tmp_path / "main.c").write_text(main)
    exe = tmp_path / "bands"
    flags = [*SANITIZE, "-O1"] if sanitize else ["-O2"]
    cmd = [host_cc(), *STRICT_CFLAGS, *flags, "-I", str(RUNTIME_DIR), str(tmp_path / "main.c"),
           str(RUNTIME_DIR / "sf_q15.c"), "-o", str(exe)]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True)
    res = subprocess.run([str(exe)], input=x.tobytes(), capture_output=True, check=True)
    assert res.stderr == b""
    got = np.array([[int(v) for v in ln.split()] for ln in res.stdout.decode().splitlines()], dtype=np.uint64)
    np.testing.assert_array_equal(got.astype(np.uint32), _expected(x, stage))


def test_isqrt64_c_is_exact(tmp_path):
    """sf_q15_isqrt64 (host: the bit loop) on squares, their neighbours and 2^64 - 1."""
    need_tools("cc")
    v = _isqrt_cases()
    src = (
        '#include <stdio.h>\n#include "sf_q15.h"\nint main(void) {\n    unsigned long long x;\n'
        '    while (fread(&x, sizeof x, 1, stdin) == 1) printf("%lu\\n", (unsigned long)sf_q15_isqrt64((uint64_t)x));\n'
        "    return 0;\n}\n"
    )
    (tmp_path / "main.c").write_text(src)
    exe = tmp_path / "isqrt"
    cmd = [host_cc(), *STRICT_CFLAGS, *SANITIZE, "-O1", "-I", str(RUNTIME_DIR), str(tmp_path / "main.c"),
           str(RUNTIME_DIR / "sf_q15.c"), "-o", str(exe)]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True)
    res = subprocess.run([str(exe)], input=v.tobytes(), capture_output=True, check=True)
    np.testing.assert_array_equal(np.array([int(s) for s in res.stdout.split()]), _isqrt_ref(v))


def _isqrt_cases() -> np.ndarray:
    rng = np.random.default_rng(9)
    u = np.uint64
    r = np.concatenate([np.array([0, 1, 2, 3, 46340, 46341, 65535, 65536, 2**31, 2**32 - 1], u),
                        rng.integers(0, 2**32, 200, dtype=u)])  # fmt: skip
    sq = r * r  # (2^32 - 1)^2 < 2^64: no wrap
    edges = np.array([2**64 - 1, 2**63, 2**53 + 1, 2**24 + 1], u)
    return np.concatenate([sq, sq[sq > 0] - u(1), sq + u(1), edges, rng.integers(0, 2**63, 300, dtype=u)])


def _isqrt_ref(v: np.ndarray) -> np.ndarray:
    from math import isqrt

    return np.array([isqrt(int(x)) for x in v], dtype=np.int64)


@pytest.mark.emulator
@pytest.mark.slow
@pytest.mark.parametrize("board, defines", Q15_BOARDS)
@pytest.mark.parametrize("hop", HOPS)
def test_bands_stats_isqrt_emulated_bit_identical(tmp_path, board, defines, hop):
    from sensorflow.device import boards, measure
    from sensorflow.errors import ToolMissingError

    need_board(board)
    stage, x = _stage(hop), _windows()
    v = _isqrt_cases()
    nw, nv = _n_words(), -(-len(v) // len(x))
    vpad = np.concatenate([v, np.zeros(nv * len(x) - len(v), np.uint64)])
    rows = ",".join(str(int(a)) for a in x.ravel())
    vals = ",".join(f"{int(a)}ull" for a in vpad)
    prog = (
        '#include "bench.h"\n' + _program(stage) + f"static const int16_t xs[{len(x)}][{L}] = {{{rows}}};\n"
        f"static const uint64_t vs[{len(vpad)}] = {{{vals}}};\n"
        f"static uint32_t out[{len(x)}][{nw + nv}];\n"
        "int q_entry(int i);\n"
        f"int q_entry(int i) {{ unsigned j; run(xs[i], out[i]); for (j = 0; j < {nv}u; j++) "
        f"out[i][{nw}u + j] = sf_q15_isqrt64(vs[i * {nv} + j]); return (int)out[i][0]; }}\n"
        f"void bench_report(int i) {{ unsigned j; for (j = 0; j < {nw + nv}u; j++) bench_out_u32(out[i][j]); }}\n"
    )
    (tmp_path / "q.c").write_text(prog)
    b = boards.get(board)
    try:
        res = measure.measure_c(
            [tmp_path / "q.c", RUNTIME_DIR / "sf_q15.c"], "q_entry", board, n_inputs=len(x),
            include_dirs=[RUNTIME_DIR], defines=(*b.toolchain.defines, *defines), workdir=tmp_path / "w",
        )  # fmt: skip
    except ToolMissingError as exc:
        pytest.skip(str(exc))
    got = np.array(res.words, dtype=np.uint32).reshape(len(x), nw + nv)
    np.testing.assert_array_equal(got[:, :nw], _expected(x, stage))
    np.testing.assert_array_equal(got[:, nw:].ravel()[: len(v)], _isqrt_ref(v))
