"""Trained artifacts: a directory with the resolved pipeline YAML, each stage's learned
values as JSON + .npy, and meta.json (version, dataset fingerprint, metrics, content hash).
Never pickle: loading an artifact runs no code from it."""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import stat
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import yaml

from .errors import ArtifactError, ConfigError, SensorflowError
from .npyfile import NpyError, read_npy
from .pipeline import Pipeline
from .version import __version__

FORMAT_VERSION = 1
META = "meta.json"
PIPELINE = "pipeline.yaml"
STAGES = "stages.json"
MAX_JSON_BYTES = 64 << 20
"""Largest meta.json / stages.json read (64 MiB; learned arrays live in .npy files, not there)."""
_ARRAY_FILE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*\.npy$")


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def content_hash(directory: Path) -> str:
    """sha256 over every file but meta.json, in sorted relative-path order."""
    h = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file() and p.name != META):
        h.update(path.relative_to(directory).as_posix().encode() + b"\0")
        with open(path, "rb") as f:  # in blocks: a large file added to the folder costs no memory
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def check_destination(out_dir: str | os.PathLike) -> None:
    """Refuse a destination whose contents saving would destroy: a file, or a folder that is
    neither empty nor an artifact whose manifest (``files`` in meta.json) lists exactly what is
    in it (replacing such an artifact is the one overwrite allowed). The error names the file."""
    out = Path(out_dir)
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise ArtifactError(f"{out}: is a file (or a link); the artifact is a folder: choose a new path")
    if not out.is_dir() or not any(out.iterdir()):
        return
    meta_path = out / META
    if not meta_path.is_file() or meta_path.is_symlink():
        first = sorted(p.name for p in out.iterdir())[0]
        raise ArtifactError(
            f"{out}: a folder that is not a sensorflow artifact (no {META}; it holds {first}); nothing was "
            "touched: choose a new or empty --out folder"
        )
    try:
        files = read_meta(out).get("files")
    except ArtifactError:
        files = None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise ArtifactError(
            f"{meta_path}: lists no files written by sensorflow (an artifact from an older version, or not one); "
            "nothing was touched: choose a new --out folder or delete this one yourself"
        )
    expected = set(files) | {META}
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out).as_posix()
        if rel not in expected or p.is_symlink() or not p.is_file():
            raise ArtifactError(
                f"{p}: not written by sensorflow (not in the artifact's manifest); nothing was touched: "
                "move it or choose a new --out folder"
            )


def save(
    pipeline: Pipeline,
    out_dir: str | os.PathLike,
    *,
    metrics: dict | None = None,
    dataset_fingerprint: str | None = None,
    extra: dict | None = None,
    arrays: dict[str, np.ndarray] | None = None,
) -> Path:
    """Write the artifact atomically: into a temp dir beside ``out_dir``, then renamed (an earlier
    artifact there is replaced; anything else there is refused, see :func:`check_destination`).

    ``arrays`` ({name: ndarray}) are saved as ``<name>.npy`` (e.g. held-out test windows for
    HIL replay) and covered by the content hash; read them back with :func:`load_array`."""
    out = Path(out_dir)
    check_destination(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        cfg = pipeline.config.model_dump(mode="json")  # nulls kept: `top_db: null` is not the default
        (tmp / PIPELINE).write_text(yaml.safe_dump(cfg, sort_keys=False))
        stages_meta = []
        for i, stage in enumerate(pipeline.stages):
            learned = stage.learned()
            entry = {"index": i, "type": stage.name, "arrays": {}, "values": {}}
            for key, value in learned.items():
                if isinstance(value, np.ndarray):
                    if value.dtype == object:
                        raise ArtifactError(
                            f"stage '{stage.name}' learned an object array '{key}'; cannot save it safely"
                        )
                    fname = f"stage{i:02d}_{stage.name}_{key.rstrip('_')}.npy"
                    np.save(tmp / fname, value, allow_pickle=False)
                    entry["arrays"][key] = fname
                else:
                    entry["values"][key] = _jsonable(value)
            stages_meta.append(entry)
        (tmp / STAGES).write_text(json.dumps(stages_meta, indent=1))
        for name, value in (arrays or {}).items():
            value = np.asarray(value)
            if value.dtype == object or not name.isidentifier():
                raise ArtifactError(f"extra array '{name}' must be a plain array with an identifier name")
            np.save(tmp / f"{name}.npy", value, allow_pickle=False)
        meta = {
            "format_version": FORMAT_VERSION,
            "sensorflow_version": __version__,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "pipeline": pipeline.name,
            "classes": [_jsonable(c) for c in pipeline.classes_] if pipeline.model is not None else [],
            "dataset_fingerprint": dataset_fingerprint,
            "metrics": _jsonable(metrics or {}),
            **_jsonable(extra or {}),
        }
        meta["files"] = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file())
        meta["content_hash"] = content_hash(tmp)
        (tmp / META).write_text(json.dumps(meta, indent=1))
        if out.exists():
            check_destination(out)  # again, just before replacing it
            old = out.with_name(f".{out.name}.old-{secrets.token_hex(6)}")  # a fresh name: never a user's folder
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _read_json(path: Path, what: str):
    """A JSON file of the artifact: regular, at most MAX_JSON_BYTES, valid UTF-8 JSON."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise ArtifactError(
            f"{path}: missing; not a complete sensorflow artifact (train one with 'sensorflow train')"
        ) from None
    if not stat.S_ISREG(st.st_mode):
        raise ArtifactError(f"{path}: not a regular file; the artifact is damaged, re-train the pipeline")
    if st.st_size > MAX_JSON_BYTES:
        raise ArtifactError(f"{path}: {st.st_size} bytes, over the {MAX_JSON_BYTES}-byte limit for {what}")
    try:
        return json.loads(path.read_bytes())
    except (ValueError, RecursionError):
        raise ArtifactError(f"{path}: corrupt JSON; re-train the pipeline") from None


def read_meta(path: str | os.PathLike) -> dict:
    d = Path(path)
    if not d.is_dir():
        raise ArtifactError(f"{path}: not an artifact directory; train one with 'sensorflow train PIPELINE'")
    if not (d / META).exists():
        raise ArtifactError(f"{path}: no {META}; not a sensorflow artifact (train one with 'sensorflow train')")
    meta = _read_json(d / META, META)
    if not isinstance(meta, dict):
        raise ArtifactError(f"{d / META}: holds a {type(meta).__name__}, not an object; re-train the pipeline")
    return meta


def _array(d: Path, fname, what: str) -> np.ndarray:
    """A .npy file named in the artifact: a plain file name inside ``d`` (no path), read safely."""
    if not isinstance(fname, str) or not _ARRAY_FILE.match(fname) or fname in (META, PIPELINE, STAGES):
        raise ArtifactError(f"{d / STAGES}: {what} names {fname!r:.80}, not a .npy file of this artifact folder")
    path = d / fname
    if path.is_symlink() or path.resolve().parent != d.resolve():
        raise ArtifactError(f"{path}: outside the artifact folder (a link); re-train the pipeline")
    try:
        return read_npy(path)
    except FileNotFoundError:
        raise ArtifactError(f"{path}: missing; the artifact is incomplete, re-train the pipeline") from None
    except NpyError as exc:
        raise ArtifactError(f"{path}: {exc}; re-train the pipeline") from None


def load_array(path: str | os.PathLike, name: str) -> np.ndarray | None:
    """An extra array saved with ``save(arrays=...)``, or None if the artifact has none by that name."""
    d = Path(path)
    if not (d / f"{name}.npy").exists():
        return None
    return _array(d, f"{name}.npy", f"array '{name}'")


def _stage_entries(d: Path, n_stages: int) -> list[dict]:
    entries = _read_json(d / STAGES, STAGES)
    if not isinstance(entries, list) or len(entries) != n_stages:
        raise ArtifactError(f"{d / STAGES}: does not list one entry per stage of pipeline.yaml; re-train the pipeline")
    for i, e in enumerate(entries):
        ok = (
            isinstance(e, dict)
            and isinstance(e.get("type"), str)
            and isinstance(e.get("arrays"), dict)
            and isinstance(e.get("values"), dict)
            and not set(e["arrays"]) & set(e["values"])
        )
        if not ok:
            raise ArtifactError(
                f"{d / STAGES}: entry {i} is not {{type, arrays: {{name: file}}, values: {{name: value}}}}; "
                "re-train the pipeline"
            )
    return entries


def load(path: str | os.PathLike) -> tuple[Pipeline, dict]:
    """Load and verify an artifact; returns (fitted pipeline, meta).

    The content hash only detects accidental change (anyone can recompute it). What makes loading
    safe is the validation: plain JSON and .npy files read with size limits (never pickle), array
    files only inside the folder, and every stage's learned values checked against its schema
    (``Stage.check_learned``: dtypes, shapes, index ranges, class counts, finite values) before
    anything uses them."""
    d = Path(path)
    meta = read_meta(d)
    if meta.get("format_version") != FORMAT_VERSION:
        raise ArtifactError(
            f"{path}: artifact format {meta.get('format_version')!r:.20} but this sensorflow reads format "
            f"{FORMAT_VERSION}; re-train with this version"
        )
    if meta.get("content_hash") != content_hash(d):
        raise ArtifactError(f"{path}: content hash mismatch, files were changed after training; re-train the pipeline")
    try:
        pipe = Pipeline.from_yaml(d / PIPELINE)
    except ConfigError as exc:
        raise ArtifactError(
            f"{path}: stored pipeline no longer validates ({exc}); re-train with this version"
        ) from None
    for i, (entry, stage) in enumerate(zip(_stage_entries(d, len(pipe.stages)), pipe.stages)):
        if entry["type"] != stage.name:
            raise ArtifactError(
                f"{path}: stage {i} is '{entry['type']:.40}' in stages.json but '{stage.name}' in pipeline.yaml"
            )
        values = dict(entry["values"])
        for key, fname in entry["arrays"].items():
            values[key] = _array(d, fname, f"stage {i} array {key!r:.40}")
        try:
            stage.check_learned(values)
        except SensorflowError as exc:
            raise ArtifactError(f"{path}: stage {i} ({stage.name}): {exc}; re-train the pipeline") from None
        stage.load_learned(values)
    try:
        pipe.rebind()
    except SensorflowError as exc:
        raise ArtifactError(f"{path}: learned values do not fit the pipeline ({exc}); re-train it") from None
    _check_meta(d, meta, pipe)
    return pipe, meta


def _check_meta(d: Path, meta: dict, pipe: Pipeline) -> None:
    """The meta.json fields other code reads: types, and the class list equal to the model's."""
    for key, kind in (("metrics", dict), ("classes", list)):
        if key in meta and not isinstance(meta[key], kind):
            raise ArtifactError(f"{d / META}: '{key}' should be a {kind.__name__}; re-train the pipeline")
    if pipe.model is not None and meta.get("classes") != [_jsonable(c) for c in pipe.classes_]:
        raise ArtifactError(f"{d / META}: 'classes' differs from the model's classes; re-train the pipeline")
