"""One registry of code emitters per target language, keyed by stage name. The emitter
modules are found by ``pkgutil`` in the language's ``emitters`` package: a new module there
registers itself, no list to edit."""

from __future__ import annotations

from collections.abc import Callable

from ..errors import CodegenError
from ..registry import import_all


class EmitterRegistry:
    """Emitters ``fn(stage, ctx) -> fragment`` for one language; every module of ``package``
    (the one that defines them) is imported on first look-up."""

    def __init__(self, language: str, package: str, missing_hint: str):
        self.language = language
        self._package = package
        self._missing_hint = missing_hint
        self._emitters: dict[str, Callable] = {}
        self._loaded = False
        self._loading = False

    def decorator(self, *names: str):
        """``@emitter("stats", "fft")``: register ``fn`` for the stages ``names``."""

        def deco(fn):
            for name in names:
                if name in self._emitters and self._emitters[name] is not fn:
                    raise ValueError(f"{self.language} emitter for '{name}' registered twice")
                self._emitters[name] = fn
            return fn

        return deco

    def _load(self) -> None:
        """Import every emitter module once. Loaded only when all imported: a module that fails
        to import fails every lookup (not just the first), so its emitters cannot go missing quietly."""
        if self._loaded or self._loading:
            return
        self._loading = True
        try:
            import_all(self._package)
            self._loaded = True
        finally:
            self._loading = False

    def find(self, name: str) -> Callable | None:
        self._load()
        return self._emitters.get(name)

    def get(self, name: str) -> Callable:
        fn = self.find(name)
        if fn is None:
            raise CodegenError(f"stage '{name}' has no {self.language} emitter yet; {self._missing_hint}")
        return fn

    def names(self) -> list[str]:
        self._load()
        return sorted(self._emitters)
