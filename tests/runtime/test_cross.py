"""Every DSP runtime kernel (and the C emitted for DSP pipelines) cross-compiles with zero
warnings for Cortex-M4F and rv32imc, and the headers can be included from several files."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from cbuild import DSP_KERNELS, RUNTIME, WARN
from conftest import need_tools
from stage_compare import one_stage_pipeline

from sensorflow.codegen.c import generate

TARGETS = {
    "cortex-m4f": ("arm-none-eabi-gcc", ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]),
    "rv32imc": (
        "riscv64-unknown-elf-gcc",
        ["-march=rv32imc", "-mabi=ilp32", "-misa-spec=2.2", "-mcmodel=medany", "--specs=picolibc.specs"],
    ),
}
HEADERS = sorted(p.name for p in RUNTIME.glob("sf_*.h"))  # every runtime header, no list to keep


def _compile(cc, flags, src, out, include):
    cmd = [cc, *flags, *WARN, "-O2", "-I", str(include), "-c", str(src), "-o", str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    assert res.returncode == 0 and not res.stderr.strip(), f"{' '.join(cmd)}\n{res.stderr}"


@pytest.mark.emulator
@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("kernel", DSP_KERNELS)
def test_kernel_cross_compiles_clean(tmp_path, target, kernel):
    cc, flags = TARGETS[target]
    need_tools(cc)
    _compile(cc, flags, RUNTIME / kernel, tmp_path / "k.o", RUNTIME)


@pytest.mark.emulator
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_headers_link_from_two_files(tmp_path, target):
    """static inline helpers: a header included from two translation units still links."""
    cc, flags = TARGETS[target]
    need_tools(cc)
    inc = "".join(f'#include "{h}"\n' for h in HEADERS)
    (tmp_path / "a.c").write_text(inc + "int sf_test_a(void);\nint sf_test_a(void) { return 1; }\n")
    (tmp_path / "b.c").write_text(inc + "int sf_test_b(void);\nint sf_test_b(void) { return 2; }\n")
    objs = []
    for name in ("a", "b"):
        _compile(cc, flags, tmp_path / f"{name}.c", tmp_path / f"{name}.o", RUNTIME)
        objs.append(str(tmp_path / f"{name}.o"))
    link_flags = [f for f in flags if not f.startswith("--specs")]
    res = subprocess.run(
        [cc, *link_flags, "-r", "-nostdlib", *objs, "-o", str(tmp_path / "ab.o")], capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr


PIPELINES = [
    (
        {"type": "mfcc", "n_fft": 512, "hop_length": 160, "n_mels": 40, "n_mfcc": 13, "center": False},
        [{"type": "pre_emphasis"}],
        16000.0,
        ["mic"],
        16000,
        4000,
    ),
    ({"type": "log_mel", "n_fft": 400, "hop_length": 160, "n_mels": 40}, [], 16000.0, ["mic"], 8000, 8000),
    (
        {"type": "envelope_spectrum", "band": [150.0, 450.0], "frequencies": [17.0, 34.0]},
        [{"type": "dc_remove"}],
        1000.0,
        ["x", "y"],
        512,
        512,
    ),
    (
        {"type": "spectral", "n_peaks": 2},
        [{"type": "butter", "cutoff": 20.0}, {"type": "magnitude"}],
        100.0,
        ["ax", "ay", "az"],
        100,
        50,
    ),
    (
        {"type": "band_energy", "n_bands": 4, "spacing": "log", "fmin": 1.0, "db": True},
        [{"type": "scale", "gain": 2.0}],
        100.0,
        ["ax", "ay"],
        128,
        64,
    ),
    ({"type": "stats"}, [], 50.0, ["ax", "ay", "az"], 100, 50),
    ({"type": "fft", "n_fft": 64, "scaling": "power"}, [], 100.0, ["ax"], 100, 100),
]


@pytest.mark.emulator
@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("case", range(len(PIPELINES)))
def test_emitted_dsp_pipeline_cross_compiles_clean(tmp_path, target, case):
    cc, flags = TARGETS[target]
    need_tools(cc)
    stage, before, sr, chans, length, hop = PIPELINES[case]
    pipe = one_stage_pipeline(stage, sr, chans, length, hop=hop, before=before)
    gen = generate(pipe)
    gen.write(tmp_path)
    for src in gen.sources:
        _compile(cc, flags, tmp_path / src, tmp_path / (src + ".o"), tmp_path)
    assert np.isfinite(len(gen.sources))
