"""The stage registry: YAML ``type:`` names -> Stage classes. Third-party packages add
stages through the ``sensorflow.stages`` entry-point group."""

from __future__ import annotations

import difflib
from importlib import import_module
from importlib.metadata import entry_points

from .errors import ConfigError

_STAGES: dict[str, type] = {}
_BUILTIN_MODULES = (
    "sensorflow.stages.preprocess",
    "sensorflow.stages.stats",
    "sensorflow.stages.spectral",
    "sensorflow.stages.audio",
    "sensorflow.stages.scaler",
    "sensorflow.stages.minirocket",
    "sensorflow.stages.models",
    "sensorflow.stages.postprocess",
)
_loaded = False


def register(cls):
    """Class decorator: make a Stage available under ``cls.name``."""
    name = cls.name
    if name in _STAGES and _STAGES[name] is not cls:
        raise ValueError(f"stage name '{name}' registered twice ({_STAGES[name].__module__}, {cls.__module__})")
    _STAGES[name] = cls
    return cls


def _load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for mod in _BUILTIN_MODULES:
        try:
            import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise
    for ep in entry_points(group="sensorflow.stages"):
        ep.load()


def names() -> list[str]:
    _load()
    return sorted(_STAGES)


def get(name: str) -> type:
    _load()
    try:
        return _STAGES[name]
    except KeyError:
        raise ConfigError(unknown_stage_message(name)) from None


def all_stages() -> dict[str, type]:
    _load()
    return dict(sorted(_STAGES.items()))


def unknown_stage_message(name: str) -> str:
    close = difflib.get_close_matches(str(name), names(), n=1, cutoff=0.5)
    hint = f"did you mean '{close[0]}'?" if close else "run 'sensorflow stages' to list them"
    return f"unknown stage type '{name}'; {hint}"


def stage(name: str, **params):
    """Build a stage by its registered name: ``sensorflow.stage("mfcc", sample_rate=16000)``."""
    return get(name)(**params)
