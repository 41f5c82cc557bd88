"""sensorflow export: not built yet (see the open issue that owns it)."""

from __future__ import annotations

from ..errors import SensorflowError


def add_arguments(p):
    pass


def run(args, out) -> int:
    err = SensorflowError("'sensorflow export' is not available in this version yet")
    err.exit_code = 1
    raise err
