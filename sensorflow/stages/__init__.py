"""Built-in stages, one module per family; each registers itself on import."""

from .base import Stage, StageParams, Tags

__all__ = ["Stage", "StageParams", "Tags"]
