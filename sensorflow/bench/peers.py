"""Peer C sources that only ship inside a registry package: CMSIS-DSP.

The ``cmsisdsp`` wheel holds compiled Python extensions only; its source distribution on
the package registry holds CMSIS-DSP's C (``Include/``, ``PrivateInclude/``, ``Source/``).
``fetch()`` asks pip for that sdist (the installed version) at setup time (``make bench``
runs ``python -m sensorflow.bench.peers``); the benchmark itself never downloads and reports
the section as not available when the sources are absent."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

from ..errors import SensorflowError

FETCH_HINT = "run `python -m sensorflow.bench.peers` (part of `make bench`) to fetch the cmsisdsp source distribution"


def peers_dir() -> Path:
    """Where fetched peer sources live: $SENSORFLOW_PEERS_DIR, else ./build/peers."""
    return Path(os.environ.get("SENSORFLOW_PEERS_DIR") or Path.cwd() / "build" / "peers")


def cmsis_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cmsisdsp")
    except PackageNotFoundError:
        raise SensorflowError("cmsisdsp is not installed; install the 'bench' extra") from None


def cmsis_dsp_dir() -> Path | None:
    """The extracted CMSIS-DSP source tree for the installed cmsisdsp version, or None."""
    try:
        root = peers_dir() / f"cmsisdsp-{cmsis_version()}"
    except SensorflowError:
        return None
    return root if (root / "Source" / "TransformFunctions" / "arm_mfcc_f32.c").is_file() else None


def fetch(quiet: bool = False) -> Path:
    """Download the cmsisdsp sdist with pip and extract it under ``peers_dir()``."""
    existing = cmsis_dsp_dir()
    if existing:
        return existing
    ver = cmsis_version()
    dest = peers_dir()
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        f"cmsisdsp=={ver}",
        "--no-binary",
        ":all:",
        "--no-deps",
        "--no-build-isolation",
        "-q",
        "-d",
        str(dest),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    sdist = dest / f"cmsisdsp-{ver}.tar.gz"
    if not sdist.is_file():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise SensorflowError(f"could not fetch the cmsisdsp {ver} source distribution with pip: {tail[0]}")
    with tarfile.open(sdist) as tar:
        members = [
            m
            for m in tar.getmembers()
            if m.name.split("/")[1:2] and m.name.split("/")[1] in ("Include", "PrivateInclude", "Source", "LICENSE")
        ]
        tar.extractall(dest, members=members, filter="data")
    found = cmsis_dsp_dir()
    if not found:
        raise SensorflowError(f"the cmsisdsp {ver} source distribution has no Source/TransformFunctions/arm_mfcc_f32.c")
    if not quiet:
        print(f"CMSIS-DSP C sources: {found}")
    return found


if __name__ == "__main__":  # pragma: no cover - setup step
    try:
        fetch()
    except SensorflowError as exc:
        print(f"sensorflow bench peers: {exc}", file=sys.stderr)
        sys.exit(1)
