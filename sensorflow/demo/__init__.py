"""Demo apps end to end: data -> train -> evaluate -> export C -> HIL on an emulated board
-> report (``build/demo/<name>/report.md`` with PNG figures and ``report.json``).

Each demo is a pipeline YAML in ``pipelines/`` plus a dataset recipe; ``run(name, ...)``
drives it. Steps whose sensorflow module or external tool is missing are reported as
``unavailable`` in the report and on the console, never faked.
"""

from __future__ import annotations

from .runner import DEMOS, DemoOptions, find_pipeline, run

__all__ = ["DEMOS", "DemoOptions", "find_pipeline", "run"]
