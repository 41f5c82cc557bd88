"""Trained artifacts: a directory with the resolved pipeline YAML, each stage's learned
values as JSON + .npy, and meta.json (version, dataset fingerprint, metrics, content hash).
Never pickle: loading an artifact runs no code from it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import yaml

from . import __version__
from .errors import ArtifactError, ConfigError
from .pipeline import Pipeline

FORMAT_VERSION = 1
META = "meta.json"
PIPELINE = "pipeline.yaml"


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
        h.update(path.read_bytes())
    return h.hexdigest()


def check_destination(out_dir: str | os.PathLike) -> None:
    """Refuse a destination whose contents saving would destroy: a file, or a folder that is
    neither empty nor an artifact (replacing an artifact is the one overwrite allowed)."""
    out = Path(out_dir)
    if out.is_file():
        raise ArtifactError(f"{out}: is a file; the artifact is a folder: choose a new path")
    if out.is_dir() and not (out / META).is_file() and any(out.iterdir()):
        raise ArtifactError(
            f"{out}: a folder that is not a sensorflow artifact (no {META}) and not empty; "
            "choose a new path (nothing there was touched)"
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
        (tmp / "stages.json").write_text(json.dumps(stages_meta, indent=1))
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
        meta["content_hash"] = content_hash(tmp)
        (tmp / META).write_text(json.dumps(meta, indent=1))
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            if old.exists():
                shutil.rmtree(old)
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def read_meta(path: str | os.PathLike) -> dict:
    d = Path(path)
    if not d.is_dir():
        raise ArtifactError(f"{path}: not an artifact directory; train one with 'sensorflow train PIPELINE'")
    try:
        meta = json.loads((d / META).read_text())
    except FileNotFoundError:
        raise ArtifactError(
            f"{path}: no {META}; not a sensorflow artifact (train one with 'sensorflow train')"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ArtifactError(f"{d / META}: corrupt JSON; re-train the pipeline") from None
    return meta


def load_array(path: str | os.PathLike, name: str) -> np.ndarray | None:
    """An extra array saved with ``save(arrays=...)``, or None if the artifact has none by that name."""
    f = Path(path) / f"{name}.npy"
    return np.load(f, allow_pickle=False) if f.is_file() else None


def load(path: str | os.PathLike) -> tuple[Pipeline, dict]:
    """Load and verify an artifact; returns (fitted pipeline, meta)."""
    d = Path(path)
    meta = read_meta(d)
    if meta.get("format_version") != FORMAT_VERSION:
        raise ArtifactError(
            f"{path}: artifact format {meta.get('format_version')} but this sensorflow reads format {FORMAT_VERSION}; "
            "re-train with this version"
        )
    if meta.get("content_hash") != content_hash(d):
        raise ArtifactError(f"{path}: content hash mismatch, files were changed after training; re-train the pipeline")
    try:
        pipe = Pipeline.from_yaml(d / PIPELINE)
    except ConfigError as exc:
        raise ArtifactError(
            f"{path}: stored pipeline no longer validates ({exc}); re-train with this version"
        ) from None
    stages_meta = json.loads((d / "stages.json").read_text())
    if len(stages_meta) != len(pipe.stages):
        raise ArtifactError(f"{path}: stages.json does not match pipeline.yaml; re-train the pipeline")
    for entry, stage in zip(stages_meta, pipe.stages):
        if entry["type"] != stage.name:
            raise ArtifactError(
                f"{path}: stage {entry['index']} is '{entry['type']}' in stages.json but '{stage.name}' in pipeline.yaml"
            )
        values = dict(entry["values"])
        for key, fname in entry["arrays"].items():
            values[key] = np.load(d / fname, allow_pickle=False)
        stage.load_learned(values)
    pipe.rebind()
    return pipe, meta
