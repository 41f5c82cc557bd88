"""The example pipelines shipped in ``pipelines/`` (the demos and the benchmark run them):
find one by file name, load it, optionally with the recipe loaders' shrunken datasets."""

from __future__ import annotations

from pathlib import Path

from .errors import DataError

REPO_PIPELINES = Path(__file__).resolve().parents[1] / "pipelines"


def find(filename: str, who: str = "the example") -> Path:
    """``pipelines/<filename>`` of this checkout, else of the working directory."""
    for base in (REPO_PIPELINES, Path("pipelines")):
        p = base / filename
        if p.is_file():
            return p
    raise DataError(f"{who} needs pipelines/{filename}, which is not in this checkout")


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
