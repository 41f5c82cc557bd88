"""Output folders shared with the user (``export --out``, ``eval --out``): sensorflow writes a
manifest, ``.sensorflow-manifest.json``, of the files it wrote there, and later only replaces
files that manifest lists. Anything else in the folder is the user's: it is never overwritten or
deleted, and a file sensorflow would have to overwrite is refused by name."""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from pathlib import Path

from .errors import SensorflowError

MANIFEST = ".sensorflow-manifest.json"
_MAX_MANIFEST_BYTES = 1 << 20


class OutputConflict(SensorflowError):
    """A file in the output folder was not written by sensorflow and would be overwritten."""


def written_before(out: Path) -> set[str]:
    """Relative paths the folder's manifest lists (empty set without a readable manifest)."""
    m = out / MANIFEST
    try:
        if not stat.S_ISREG(os.lstat(m).st_mode) or os.lstat(m).st_size > _MAX_MANIFEST_BYTES:
            return set()
        data = json.loads(m.read_text())
    except (OSError, ValueError):
        return set()
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list):
        return set()
    return {f for f in files if isinstance(f, str)}


def _relative_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir() or p.is_symlink())


def check_free(out: Path, names: list[str]) -> None:
    """Refuse (OutputConflict naming the first) if writing ``names`` into ``out`` would overwrite
    a file no manifest of sensorflow's lists."""
    if out.exists() and not out.is_dir():
        raise OutputConflict(f"{out}: is a file, not a folder; choose another --out")
    ours = written_before(out) if out.is_dir() else set()
    for name in names:
        target = out / name
        if (target.exists() or target.is_symlink()) and name not in ours:
            raise OutputConflict(
                f"{target}: exists and was not written by sensorflow; not overwritten "
                "(choose an empty folder for --out, or move the file)"
            )


def publish(staging: Path, out: Path) -> list[str]:
    """Move every file of ``staging`` into ``out`` (checked with :func:`check_free` first), drop the
    files an earlier run listed that this run did not write, and write the new manifest.
    Returns the relative paths written."""
    names = _relative_files(staging)
    check_free(out, names)
    out.mkdir(parents=True, exist_ok=True)
    before = written_before(out)
    for name in names:
        dest = out / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.is_dir() and not dest.is_symlink():
            raise OutputConflict(f"{dest}: is a folder where sensorflow writes a file; move it")
        os.replace(staging / name, dest)
    for stale in sorted(before - set(names)):
        target = out / stale
        if ".." not in Path(stale).parts and not Path(stale).is_absolute() and target.is_file():
            target.unlink()
    (out / MANIFEST).write_text(json.dumps({"files": names}, indent=1))
    return names


class Staging:
    """A temporary folder beside ``out`` to write into; ``publish()`` moves its files into ``out``.
    Used as a context manager, the staging folder is always removed."""

    def __init__(self, out: str | os.PathLike):
        self.out = Path(out)
        parent = self.out.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self.path = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.staging.", dir=parent))
        except OSError as exc:
            raise OutputConflict(f"{self.out}: cannot write there ({exc.strerror}); choose another --out") from None

    def publish(self) -> list[str]:
        return publish(self.path, self.out)

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
