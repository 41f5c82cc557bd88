"""Every shipped stage describes itself: ``sensorflow stages`` shows the class's own docstring."""

import inspect

import pytest

from sensorflow import registry
from sensorflow.commands.stages import describe
from sensorflow.stages.base import Stage

# shipped stages only: test-only stages other test modules register are not documented
SHIPPED = {name: cls for name, cls in registry.all_stages().items() if cls.__module__.startswith("sensorflow.")}


def test_the_registry_holds_stages():
    assert {"stats", "mfcc", "random_forest", "conv1d", "smooth"} <= set(SHIPPED)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_stage_has_its_own_docstring(name):
    cls = SHIPPED[name]
    own = inspect.cleandoc(cls.__dict__.get("__doc__") or "")
    assert own, f"stage '{name}' ({cls.__module__}.{cls.__qualname__}) has no docstring of its own"
    doc = describe(cls)["doc"]
    assert doc == own
    assert doc.splitlines()[0].strip()
    assert doc != inspect.getdoc(Stage)


def test_descriptions_differ_from_one_another():
    firsts = {name: describe(cls)["doc"].splitlines()[0] for name, cls in SHIPPED.items() if describe(cls)["doc"]}
    assert len(set(firsts.values())) == len(firsts)
