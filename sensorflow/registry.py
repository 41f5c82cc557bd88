"""The stage registry: YAML ``type:`` names -> Stage classes. Every module under
``sensorflow/stages/`` is imported on first look-up (``pkgutil``, no hand-kept list) and
registers its stages; third-party packages add stages through the ``sensorflow.stages``
entry-point group."""

from __future__ import annotations

import difflib
import pkgutil
from importlib import import_module

from .errors import ConfigError

_STAGES: dict[str, type] = {}
_BUILTIN_PACKAGE = "sensorflow.stages"
_loaded = False


def import_all(package: str) -> list[str]:
    """Import ``package`` and every module below it (``pkgutil.walk_packages``, sorted), so the
    modules that register themselves on import need no hand-kept list. Names starting with
    ``_`` are skipped. Returns the imported module names."""
    pkg = import_module(package)
    names = []
    for info in sorted(pkgutil.walk_packages(pkg.__path__, prefix=f"{package}."), key=lambda m: m.name):
        if info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        import_module(info.name)
        names.append(info.name)
    return names


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
    import_all(_BUILTIN_PACKAGE)
    from importlib.metadata import entry_points  # here: 15-40 ms that `sensorflow --help` does not need

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
