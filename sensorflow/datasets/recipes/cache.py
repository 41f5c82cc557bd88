"""On-disk cache for generated recipe data: ``<root>/<recipe>-<hash>/`` holding one ``.npy``
per array and ``meta.json``; the hash covers the recipe name, its version and its options,
so changing any option builds a new entry. Never pickle (``np.load(allow_pickle=False)``)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

DEFAULT_ROOT = Path("build") / "cache"


def cache_root(explicit: str | os.PathLike | None = None) -> Path:
    """Explicit directory, else $SENSORFLOW_CACHE, else build/cache under the working directory."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("SENSORFLOW_CACHE")
    return Path(env) if env else DEFAULT_ROOT


def options_hash(recipe: str, version: int, options: dict) -> str:
    blob = json.dumps({"recipe": recipe, "version": version, "options": options}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def load_or_build(
    recipe: str,
    version: int,
    options: dict,
    build: Callable[[], tuple[dict[str, np.ndarray], dict]],
    root: str | os.PathLike | None = None,
    use_cache: bool = True,
    log: Callable[[str], None] | None = None,
) -> tuple[dict[str, np.ndarray], dict]:
    """Arrays and metadata from the cache, or from ``build()`` (then stored atomically)."""
    key = options_hash(recipe, version, options)
    directory = cache_root(root) / f"{recipe}-{key}"
    if use_cache and (directory / "meta.json").is_file():
        meta = json.loads((directory / "meta.json").read_text())
        arrays = {name: np.load(directory / f"{name}.npy", allow_pickle=False) for name in meta["arrays"]}
        if log:
            log(f"{recipe}: using cached data in {directory}")
        return arrays, meta["info"]
    if log:
        log(f"{recipe}: generating data (cached afterwards in {directory})")
    arrays, info = build()
    if use_cache:
        try:
            _store(
                directory,
                arrays,
                {"recipe": recipe, "version": version, "options": options, "arrays": sorted(arrays), "info": info},
            )
        except OSError as exc:  # full disk, read-only folder: the data in hand is still good
            if log:
                log(
                    f"{recipe}: could not cache the data in {directory} ({exc.strerror or exc}); using it uncached "
                    "- free some space or point SENSORFLOW_CACHE at another folder"
                )
    return arrays, info


def _store(directory: Path, arrays: dict[str, np.ndarray], meta: dict) -> None:
    """Write one entry atomically: into a temporary sibling folder, renamed when complete."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        for name, value in arrays.items():
            np.save(tmp / f"{name}.npy", np.asarray(value), allow_pickle=False)
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1, default=str))
        if directory.exists():
            shutil.rmtree(directory)
        tmp.rename(directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
