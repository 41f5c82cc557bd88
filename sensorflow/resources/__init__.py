"""Data the package ships (found with importlib.resources, so a wheel install has them):
``boards/*.yaml`` (board definitions) and ``pipelines/*.yaml`` (the pipelines users start from,
the demos among them). In a checkout, the top-level ``boards`` and ``pipelines`` are links here."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def shipped(kind: str) -> Path:
    """The folder of shipped ``boards`` or ``pipelines`` (a real folder: the package is installed
    unzipped by pip, which every supported install method does)."""
    return Path(str(files(__name__) / kind))
