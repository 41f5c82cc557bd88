"""Type-check generated MicroPython modules against what an ESP32 firmware offers: mypy with
micropython-stdlib-stubs as its typeshed (builtins and the standard library MicroPython
keeps) and micropython-esp32-stubs on its path (the ESP32 firmware modules: math, gc,
micropython, machine ...). An import the firmware lacks (numpy, a CPython-only module) or
an attribute it lacks is a mypy error."""

from __future__ import annotations

import csv
import subprocess
import sys
import sysconfig
from pathlib import Path

from ...errors import ToolMissingError

STDLIB_DIST = "micropython_stdlib_stubs"
ESP32_DIST = "micropython_esp32_stubs"


def _site() -> Path:
    return Path(sysconfig.get_paths()["purelib"])


def _record(dist_prefix: str) -> tuple[Path, list[str]]:
    site = _site()
    infos = sorted(site.glob(f"{dist_prefix}-*.dist-info"))
    if not infos:
        raise ToolMissingError(
            f"{dist_prefix.replace('_', '-')} is not installed; pip install 'sensorflow[micropython]'"
        )
    with open(infos[-1] / "RECORD", newline="") as fh:
        return site, [row[0] for row in csv.reader(fh) if row and row[0].endswith(".pyi")]


def stub_tree(work: Path) -> tuple[Path, Path, list[str]]:
    """Lay the stubs out in ``work``: (typeshed dir, esp32 stub dir, esp32 module names)."""
    site, _ = _record(STDLIB_DIST)
    typeshed = work / "typeshed"
    (typeshed / "stubs").mkdir(parents=True, exist_ok=True)
    if not (typeshed / "stdlib").exists():
        (typeshed / "stdlib").symlink_to(site / "stdlib", target_is_directory=True)
    ext = site / "stubs" / "mypy-extensions"
    if ext.exists() and not (typeshed / "stubs" / "mypy-extensions").exists():
        (typeshed / "stubs" / "mypy-extensions").symlink_to(ext, target_is_directory=True)
    site, files = _record(ESP32_DIST)
    stubs = work / "esp32"
    modules = []
    for rel in files:
        dst = stubs / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if not dst.exists():
            dst.write_bytes((site / rel).read_bytes())
        mod = rel[:-4].replace("/", ".")
        modules.append(mod[: -len(".__init__")] if mod.endswith(".__init__") else mod)
    return typeshed, stubs, modules


def check(files: dict[str, str], work: Path) -> list[str]:
    """mypy over ``files`` (name -> source) as ESP32 MicroPython modules; the error lines
    (empty when clean). Errors inside the third-party stubs themselves are not ours and
    are ignored per module."""
    work = Path(work)
    typeshed, stubs, modules = stub_tree(work)
    src = work / "src"
    src.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (src / name).write_text(text)
    cfg = work / "mypy.ini"
    cfg.write_text(
        "[mypy]\ncheck_untyped_defs = True\nno_site_packages = True\nwarn_unused_ignores = True\n"
        f"mypy_path = {stubs}\ncustom_typeshed_dir = {typeshed}\n\n"
        f"[mypy-{','.join(sorted(set(modules)))}]\nignore_errors = True\n"
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(cfg),
            "--cache-dir",
            str(work / ".mypy_cache"),
            *[str(src / n) for n in files],
        ],
        capture_output=True,
        text=True,
        cwd=work,
    )
    if proc.returncode not in (0, 1):
        raise ToolMissingError(f"mypy failed to run: {(proc.stderr or proc.stdout).strip().splitlines()[-1:]}")
    return [ln for ln in proc.stdout.splitlines() if ": error:" in ln]
