"""The demo pipelines trained once per benchmark process (``sensorflow.examples`` finds and
loads ``pipelines/<name>.yaml``, ``sensorflow.training.train`` fits it), shared by the host-throughput and
the emulated-board sections. ``small`` uses the demos' shrunken datasets (recipes only)."""

from __future__ import annotations

import dataclasses
import time

DEMOS = ("gesture", "wakeword", "vibration")


@dataclasses.dataclass
class TrainedDemo:
    name: str
    pipeline: object
    result: object  # sensorflow.training.TrainResult
    load_seconds: float
    train_seconds: float
    n_windows: int


_CACHE: dict[tuple[str, bool], TrainedDemo] = {}


def trained(name: str, small: bool = False) -> TrainedDemo:
    """Load data for ``pipelines/<name>.yaml`` and train it (cached for this process).

    Raises ImportError / SensorflowError with the reason when the demo cannot be built."""
    key = (name, small)
    if key in _CACHE:
        return _CACHE[key]
    from .. import examples
    from ..training import train

    pipe = examples.load(examples.find(f"{name}.yaml", f"benchmark demo '{name}'"), small)
    t0 = time.perf_counter()
    ds = pipe.load_data()
    t1 = time.perf_counter()
    no_streams = dataclasses.replace(ds, streams=[]) if getattr(ds, "streams", None) else ds
    result = train(pipe, no_streams, out_dir=None, progress=False)
    t2 = time.perf_counter()
    n = int(result.n_train + result.n_test)
    _CACHE[key] = TrainedDemo(name, pipe, result, t1 - t0, t2 - t1, n)
    return _CACHE[key]
