"""Build and run the runtime-kernel test driver with the host C compiler (optionally under
ASan/UBSan). The driver reads raw float32 from stdin and writes raw float32 to stdout."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
RUNTIME = REPO / "sensorflow" / "runtime" / "c"
DRIVER = Path(__file__).resolve().parent / "drivers" / "kernel_driver.c"
KERNELS = sorted(p.name for p in RUNTIME.glob("sf_*.c"))
DSP_KERNELS = KERNELS  # every kernel of the runtime directory: a new one is built and tested without a list

WARN = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-Wdouble-promotion", "-Wfloat-conversion", "-Wshadow"]
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"]


def build_driver(out_dir: Path, sanitize: bool = False, opt: str = "-O2") -> Path:
    cc = shutil.which("cc") or shutil.which("gcc")
    exe = out_dir / ("driver_san" if sanitize else "driver")
    srcs = [str(RUNTIME / k) for k in DSP_KERNELS] + [str(DRIVER)]
    cmd = [cc, *WARN, opt, "-g", "-I", str(RUNTIME), *(SANITIZE if sanitize else []), *srcs, "-lm", "-o", str(exe)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise AssertionError(f"compile failed: {' '.join(cmd)}\n{res.stderr}")
    return exe


def run(exe: Path, args, data: np.ndarray) -> np.ndarray:
    """Run ``exe args...`` with ``data`` (float32) on stdin; return stdout as float32."""
    payload = np.ascontiguousarray(data, dtype=np.float32).tobytes()
    res = subprocess.run([str(exe), *map(str, args)], input=payload, capture_output=True, timeout=120)
    if res.returncode != 0 or res.stderr:
        raise AssertionError(f"{exe.name} {args} exited {res.returncode}: {res.stderr.decode(errors='replace')}")
    return np.frombuffer(res.stdout, dtype=np.float32).copy()


def pack_rfft(X: np.ndarray) -> np.ndarray:
    """numpy.fft.rfft output in the packed layout of arm_rfft_fast_f32 / sf_rfft."""
    X = np.asarray(X)
    n = 2 * (X.shape[-1] - 1)
    out = np.zeros(X.shape[:-1] + (n,))
    out[..., 0] = X[..., 0].real
    out[..., 1] = X[..., -1].real
    out[..., 2::2] = X[..., 1:-1].real
    out[..., 3::2] = X[..., 1:-1].imag
    return out
