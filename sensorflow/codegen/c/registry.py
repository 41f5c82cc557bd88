"""Registry of C emitters by stage name (``@c_emitter("random_forest")``);
an emitter is ``fn(stage, ctx) -> CFragment``."""

from __future__ import annotations

from ..emitter_registry import EmitterRegistry

_REGISTRY = EmitterRegistry(
    "C",
    package="sensorflow.codegen.c.emitters",
    missing_hint="remove it from the pipeline to export to C",
)

c_emitter = _REGISTRY.decorator
find = _REGISTRY.find
get = _REGISTRY.get
names = _REGISTRY.names
