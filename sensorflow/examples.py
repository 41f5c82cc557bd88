"""The example pipelines shipped in ``pipelines/`` (the demos and the benchmark run them):
find one by file name, load it, optionally with the recipe loaders' shrunken datasets."""

from __future__ import annotations

from pathlib import Path

from .errors import DataError
from .resources import shipped

SHIPPED = shipped("pipelines")


def find(filename: str, who: str = "the example") -> Path:
    """``pipelines/<filename>`` of the working directory (a user's own copy wins), else the shipped one."""
    for base in (Path("pipelines"), SHIPPED):
        p = base / filename
        if p.is_file():
            return p
    raise DataError(f"{who} needs pipelines/{filename}, which is neither in ./pipelines nor shipped with sensorflow")


def shipped_names() -> list[str]:
    """Names of the pipelines that ship with sensorflow (``sensorflow train NAME`` finds them)."""
    return sorted(p.stem for p in SHIPPED.glob("*.yaml"))


def load(path: Path, small: bool = False):
    """The pipeline at ``path``; ``small`` sets ``small: true`` in a recipe dataset's options."""
    from .pipeline import Pipeline

    pipe = Pipeline.from_yaml(path)
    if small and pipe.config.dataset is not None and pipe.config.dataset.loader == "recipe":
        ds = pipe.config.dataset
        cfg = pipe.config.model_copy(
            update={"dataset": ds.model_copy(update={"options": {**ds.options, "small": True}})}
        )
        pipe = Pipeline(cfg, pipe._lines, pipe._source)
    return pipe
