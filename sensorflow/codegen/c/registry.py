"""Registry of C emitters by stage name (``@c_emitter("random_forest")``)."""

from __future__ import annotations

from importlib import import_module
from typing import Callable

from ...errors import CodegenError

_EMITTERS: dict[str, Callable] = {}
_MODULES = (
    "sensorflow.codegen.c.emitters.models",
    "sensorflow.codegen.c.emitters.post",
    "sensorflow.codegen.c.emitters.dsp",
)
_loaded = False


def c_emitter(*names: str):
    """Decorator: ``fn(stage, ctx) -> CFragment`` emits C for the stages named ``names``."""

    def deco(fn):
        for name in names:
            if name in _EMITTERS and _EMITTERS[name] is not fn:
                raise ValueError(f"C emitter for '{name}' registered twice")
            _EMITTERS[name] = fn
        return fn

    return deco


def _load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for mod in _MODULES:
        try:
            import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise


def find(name: str) -> Callable | None:
    _load()
    return _EMITTERS.get(name)


def get(name: str) -> Callable:
    fn = find(name)
    if fn is None:
        raise CodegenError(f"stage '{name}' has no C emitter yet; remove it from the pipeline to export to C")
    return fn


def names() -> list[str]:
    _load()
    return sorted(_EMITTERS)
