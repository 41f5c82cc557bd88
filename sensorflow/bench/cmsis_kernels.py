"""CMSIS-DSP's C on the emulated Cortex-M4F: arm_rfft_fast_f32 (512 real) and arm_mfcc_f32
(512-sample frame, 40 mels, 13 coefficients), measured with the batch image.

Sources come from the cmsisdsp source distribution (``peers.cmsis_dsp_dir``), compiled with
CMSIS-DSP's default CMake options (loop unrolling on) at -O2 for the M4F with FP contraction
(as sensorflow's kernels); a minimal ``cmsis_compiler.h`` (attribute macros only) stands in for CMSIS-Core, which the sdist lacks.
MFCC tables are built with the package's own helpers (``cmsisdsp.mfcc.melFilterMatrix``,
``dctMatrix``, a periodic Hann window), as its documentation example does. Both kernels
overwrite their input, so each call copies the frame first; the copy is measured in the same
image (an entry that only copies) and subtracted, exactly as ``qemu_kernels`` does for
sensorflow's rfft (a copy measured in another image can be optimised away and count 0)."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import numpy as np

from ..device import firmware
from ..device import measure as qh
from .peers import cmsis_dsp_dir

BOARD = "qemu-mps2-an386"
SHIM = firmware.FIRMWARE_DIR / "cmsis_shim"
SOURCES = [
    "TransformFunctions/arm_mfcc_f32",
    "TransformFunctions/arm_mfcc_init_f32",
    "TransformFunctions/arm_rfft_fast_f32",
    "TransformFunctions/arm_rfft_fast_init_f32",
    "TransformFunctions/arm_cfft_f32",
    "TransformFunctions/arm_cfft_init_f32",
    "TransformFunctions/arm_cfft_radix8_f32",
    "TransformFunctions/arm_bitreversal2",
    "CommonTables/arm_common_tables",
    "CommonTables/arm_const_structs",
    "BasicMathFunctions/arm_scale_f32",
    "BasicMathFunctions/arm_mult_f32",
    "BasicMathFunctions/arm_offset_f32",
    "BasicMathFunctions/arm_dot_prod_f32",
    "ComplexMathFunctions/arm_cmplx_mag_f32",
    "FastMathFunctions/arm_vlog_f32",
    "MatrixFunctions/arm_mat_vec_mult_f32",
    "StatisticsFunctions/arm_absmax_f32",
]
DEFINES = ("ARM_MATH_LOOPUNROLL",)
# -std=c99 (ISO C) turns GCC's floating-point contraction off; sensorflow's DSP kernels turn it
# back on (#pragma GCC optimize("fp-contract=fast")), and CMSIS-DSP's own builds (GNU dialect)
# have it on, so the peer gets the same: fused multiply-adds (vfma) where the source allows.
PEER_CFLAGS = ("-ffp-contract=fast",)
# An independent count of arm_rfft_fast_f32 on 512 real points, this build: QEMU single-stepped
# (-singlestep -d exec), instructions from the bl to its return address = 24,212-24,213 per call.
RFFT512_INDEPENDENT = 24_212


@dataclasses.dataclass
class KernelResult:
    name: str
    instructions: float
    max_abs_diff: float
    reference: str


def test_frames(n: int = 4, length: int = 512, sr: int = 16000, seed: int = 0) -> np.ndarray:
    """Speech-like frames: a few harmonics with a random pitch plus noise, float32 in [-1, 1]."""
    rng = np.random.default_rng(seed)
    t = np.arange(length) / sr
    frames = []
    for _ in range(n):
        f0 = rng.uniform(90, 260)
        x = sum(rng.uniform(0.05, 0.4) * np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6.3)) for k in range(1, 9))
        x = x + 0.02 * rng.standard_normal(length)
        frames.append(x / np.max(np.abs(x)) * 0.8)
    return np.asarray(frames, dtype=np.float32)


def _arr(name: str, values, ctype: str = "float32_t") -> str:
    vals = np.asarray(values).ravel()
    if ctype == "float32_t":
        body = ", ".join(f"{float(np.float32(v)):.9e}f" for v in vals)
    else:
        body = ", ".join(str(int(v)) for v in vals)
    return f"static const {ctype} {name}[{len(vals)}] = {{{body}}};\n"


def mfcc_tables(fft_len=512, n_mels=40, n_dct=13, sr=16000, fmin=0.0, fmax=8000.0):
    from cmsisdsp import datatype as dt
    from cmsisdsp import mfcc
    from scipy.signal import get_window

    flen, fpos, coefs = mfcc.melFilterMatrix(dt.F32, fmin, fmax, n_mels, sr, fft_len)
    dct = mfcc.dctMatrix(dt.F32, n_dct, n_mels)
    window = get_window("hann", fft_len).astype(np.float32)
    return flen, fpos, coefs, dct, window


def cmsis_python_mfcc(frames, tables, fft_len=512, n_mels=40, n_dct=13):
    import cmsisdsp as dsp

    flen, fpos, coefs, dct, window = tables
    inst = dsp.arm_mfcc_instance_f32()
    dsp.arm_mfcc_init_f32(inst, fft_len, n_mels, n_dct, dct, fpos, flen, coefs, window)
    tmp = np.zeros(fft_len + 2)
    return np.asarray([dsp.arm_mfcc_f32(inst, f.copy(), tmp) for f in frames], dtype=np.float32)


def _objects(work: Path) -> list[Path]:
    root = cmsis_dsp_dir()
    if root is None:
        raise FileNotFoundError("CMSIS-DSP C sources not fetched")
    incs = (SHIM, root / "Include", root / "PrivateInclude")
    return [
        qh.compile_object(
            root / "Source" / f"{s}.c",
            BOARD,
            include_dirs=incs,
            defines=DEFINES,
            extra_cflags=PEER_CFLAGS,
            out=work / f"{Path(s).name}.o",
        )
        for s in SOURCES
    ]


def peer_source(frames, tables, fft_len: int = 512, n_mels: int = 40, n_dct: int = 13) -> str:
    """One C file for every measured entry, so each image holds the same code and data and only
    BENCH_ENTRY differs: ``copy_entry`` (the frame copy the kernels need, since both overwrite
    their input), ``rfft_entry`` and ``mfcc_entry`` (the same copy, then the kernel)."""
    flen, fpos, coefs, dct, window = tables
    copy = f"    memcpy(work, &frames[i * {fft_len}], sizeof work);\n"
    return (
        '#include <string.h>\n#include "arm_math.h"\n#include "bench.h"\n'
        + _arr("frames", frames)
        + _arr("window", window)
        + _arr("dct", dct)
        + _arr("fcoef", coefs)
        + _arr("fpos", fpos, "uint32_t")
        + _arr("flen", flen, "uint32_t")
        + f"static float32_t work[{fft_len}];\nstatic float32_t tmp[{2 * fft_len + 2}];\n"
        + f"static float32_t out[{n_dct}];\nstatic arm_rfft_fast_instance_f32 R;\nstatic arm_mfcc_instance_f32 S;\n"
        + "static int ready;\nstatic void setup(void)\n{\n    if (ready) return;\n"
        + f"    arm_rfft_fast_init_f32(&R, {fft_len});\n"
        + f"    arm_mfcc_init_f32(&S, {fft_len}, {n_mels}, {n_dct}, dct, fpos, flen, fcoef, window);\n"
        + "    ready = 1;\n}\n"
        + "int copy_entry(int i);\nint copy_entry(int i)\n{\n    setup();\n"
        + copy
        + '    __asm__ volatile("" ::: "memory");\n    return 0;\n}\n'
        + "int rfft_entry(int i);\nint rfft_entry(int i)\n{\n    setup();\n"
        + copy
        + "    arm_rfft_fast_f32(&R, work, tmp, 0);\n    return 0;\n}\n"
        + "int mfcc_entry(int i);\nint mfcc_entry(int i)\n{\n    setup();\n"
        + copy
        + "    arm_mfcc_f32(&S, work, out, tmp);\n    return 0;\n}\n"
        + "#ifndef PEER_REPORT_N\n#define PEER_REPORT_N 0\n#endif\n"
        + "void bench_report(int i);\nvoid bench_report(int i)\n{\n    (void)i;\n"
        + "    const float32_t *src = PEER_REPORT_N == "
        + f"{n_dct} ? out : tmp;\n"
        + "    for (int k = 0; k < PEER_REPORT_N; ++k) bench_out_f32(src[k]);\n}\n"
    )


def measure_entries(src: Path, objs, entries, n_inputs: int, work: Path, report_n: dict | None = None) -> dict:
    """Instructions per call of each entry of ``src`` (same sources and objects for all), with
    the harness's empty-loop region subtracted; returns {entry: Measurement}."""
    root = cmsis_dsp_dir()
    incs = (SHIM, root / "Include", root / "PrivateInclude") if root else (SHIM,)
    out = {}
    for entry in entries:
        n = (report_n or {}).get(entry, 0)
        out[entry] = qh.measure_c(
            [*objs, src],
            entry,
            BOARD,
            n_inputs=n_inputs,
            include_dirs=incs,
            defines=(*DEFINES, f"PEER_REPORT_N={n}"),
            extra_cflags=PEER_CFLAGS,
            workdir=work / entry,
        )
    return out


def measure(fft_len: int = 512, n_mels: int = 40, n_dct: int = 13) -> list[KernelResult]:
    """Instructions per call of CMSIS-DSP's rfft and MFCC on the emulated M4F, with agreement checks.

    Measured as sensorflow's kernels are (``qemu_kernels``): one source, one image per entry that
    differs only in BENCH_ENTRY, the harness's empty-loop region subtracted, and the frame copy
    measured in that same image (``copy_entry``) subtracted from each kernel's count."""
    frames = test_frames(length=fft_len)
    tables = mfcc_tables(fft_len, n_mels, n_dct)
    with tempfile.TemporaryDirectory(prefix="sf-bench-cmsis-") as d:
        work = Path(d)
        objs = _objects(work)
        src = work / "peers.c"
        src.write_text(peer_source(frames, tables, fft_len, n_mels, n_dct))
        m = measure_entries(
            src,
            objs,
            ("copy_entry", "rfft_entry", "mfcc_entry"),
            len(frames),
            work,
            {"rfft_entry": fft_len, "mfcc_entry": n_dct},
        )
    copy = m["copy_entry"].instructions_per_call
    got = m["rfft_entry"].floats().reshape(len(frames), fft_len)
    ref = np.fft.rfft(frames.astype(np.float64), axis=1)
    packed = np.empty_like(got, dtype=np.float64)
    packed[:, 0::2] = ref[:, :-1].real
    packed[:, 1::2] = ref[:, :-1].imag
    packed[:, 1] = ref[:, -1].real  # CMSIS packs the Nyquist bin's real part into [1]
    rfft_diff = float(np.max(np.abs(got - packed)) / np.max(np.abs(packed)))
    mfcc_got = m["mfcc_entry"].floats().reshape(len(frames), n_dct)
    mfcc_ref = cmsis_python_mfcc(frames, tables, fft_len, n_mels, n_dct)
    return [
        KernelResult(
            f"CMSIS-DSP arm_rfft_fast_f32, {fft_len} real",
            m["rfft_entry"].instructions_per_call - copy,
            rfft_diff,
            "numpy.fft.rfft (relative to max |X|)",
        ),
        KernelResult(
            f"CMSIS-DSP arm_mfcc_f32, {fft_len} samples, {n_mels} mels, {n_dct} coeffs",
            m["mfcc_entry"].instructions_per_call - copy,
            float(np.max(np.abs(mfcc_got - mfcc_ref))),
            "cmsisdsp Python arm_mfcc_f32, same tables (its own MFCC definition, not librosa's)",
        ),
    ]
