"""An emitter module that fails to import fails every lookup, not only the first."""

from __future__ import annotations

import pytest

from sensorflow.codegen import emitter_registry


def test_a_broken_emitter_module_fails_every_lookup(monkeypatch):
    reg = emitter_registry.EmitterRegistry("C", "sensorflow.codegen.c.emitters", "write one")
    calls = []

    def broken(package):
        calls.append(package)
        raise SyntaxError("invalid syntax (broken_emitter.py, line 3)")

    monkeypatch.setattr(emitter_registry, "import_all", broken)
    for _ in range(2):
        with pytest.raises(SyntaxError):
            reg.find("stats")
    assert len(calls) == 2
