"""Registry of MicroPython emitters by stage name (``@mp_emitter("stats")``)."""

from __future__ import annotations

from importlib import import_module
from typing import Callable

from ...errors import CodegenError

_EMITTERS: dict[str, Callable] = {}
_MODULES = (
    "sensorflow.codegen.micropython.emitters.signal",
    "sensorflow.codegen.micropython.emitters.features",
    "sensorflow.codegen.micropython.emitters.models",
    "sensorflow.codegen.micropython.emitters.post",
)
_loaded = False


def mp_emitter(*names: str):
    """Decorator: ``fn(stage, ctx) -> MPFragment`` emits MicroPython for the stages ``names``."""

    def deco(fn):
        for name in names:
            if name in _EMITTERS and _EMITTERS[name] is not fn:
                raise ValueError(f"MicroPython emitter for '{name}' registered twice")
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
        raise CodegenError(
            f"stage '{name}' has no MicroPython emitter yet; remove it from the pipeline or export with --lang c"
        )
    return fn


def names() -> list[str]:
    _load()
    return sorted(_EMITTERS)
