"""Stage-level compile-and-compare: one DSP stage in a pipeline, its generated C built by the
framework harness (sensorflow.testing.ccompare) and compared with the numpy reference."""

from __future__ import annotations

import yaml

from sensorflow.pipeline import Pipeline


def one_stage_pipeline(
    stage: dict, sample_rate: float, channels, length: int, hop: int | None = None, before: list[dict] | None = None
) -> Pipeline:
    """A pipeline of ``before`` stages then ``stage`` on windows of ``length`` samples."""
    cfg = {
        "name": "dsp_compare",
        "sensor": {"kind": "generic", "sample_rate": sample_rate, "channels": list(channels)},
        "window": {"length": length, "hop": hop or length},
        "stages": [*(before or []), stage],
    }
    return Pipeline.from_string(yaml.safe_dump(cfg, sort_keys=False), source="<test>")
