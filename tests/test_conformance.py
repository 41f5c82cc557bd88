"""Conformance: every registered stage x every check of sensorflow.testing.check_stage
(scikit-learn's parametrize_with_checks pattern), the code-generation checks included
(emitted C == reference, emitted MicroPython == reference, cost() >= measured; slow). A new
stage gets all of them without a line here. A stage that cannot even list its checks shows
up as one failing case rather than breaking collection for everyone."""

from __future__ import annotations

import traceback

import pytest

from sensorflow import registry
from sensorflow.testing import SLOW_CHECKS, check_stage


def _cases():
    try:
        stages = registry.all_stages()
    except Exception:  # a stage module failing to import is reported, not hidden
        msg = traceback.format_exc(limit=3)

        def fail(msg=msg):
            pytest.fail(f"loading the stage registry failed:\n{msg}")

        return [pytest.param(fail, id="registry-import")]
    cases = []
    for name, cls in stages.items():
        try:
            checks = list(check_stage(cls))
        except Exception:
            msg = traceback.format_exc(limit=3)

            def fail(msg=msg, name=name):
                pytest.fail(f"stage '{name}': listing its checks failed:\n{msg}")

            cases.append(pytest.param(fail, id=f"{name}-collect"))
            continue
        seen: dict[str, int] = {}
        for check, _params, run in checks:
            k = seen[check] = seen.get(check, -1) + 1  # k-th example parameter set of this stage
            marks = [pytest.mark.slow] if check in SLOW_CHECKS else []
            cases.append(pytest.param(run, id=f"{name}-{check}-ex{k}", marks=marks))
    return cases


@pytest.mark.parametrize("run", _cases())
def test_stage_conformance(run):
    run()
