"""Registry of MicroPython emitters by stage name (``@mp_emitter("stats")``);
an emitter is ``fn(stage, ctx) -> MPFragment``."""

from __future__ import annotations

from ..emitter_registry import EmitterRegistry

_REGISTRY = EmitterRegistry(
    "MicroPython",
    package="sensorflow.codegen.micropython.emitters",
    missing_hint="remove it from the pipeline or export with --lang c",
)

mp_emitter = _REGISTRY.decorator
find = _REGISTRY.find
get = _REGISTRY.get
names = _REGISTRY.names
