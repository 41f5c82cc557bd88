"""Host end-to-end training time and inference throughput (windows per second) per demo.

Batch: ``Pipeline.predict`` on the held-out windows. Streaming: ``Pipeline.stream`` fed the
held-out windows laid end to end, one hop of samples per chunk (as a device would push
them). Medians of several runs, single-threaded BLAS where the DSP helpers provide it."""

from __future__ import annotations

import statistics
import time

import numpy as np

from ..errors import SensorflowError
from .demo_models import DEMOS, trained
from .report import Section, Table, Target

TITLE = "Host training and streaming throughput"


def _median_rate(fn, n_items: int, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return n_items / statistics.median(times)


def run(quick: bool = False) -> Section:
    sec = Section("host_pipelines", TITLE)
    sec.notes.append(
        "Training = data loading + `sensorflow.training.train` (features, cross-validation, final fit) on this "
        "machine; throughput figures are medians of 5 runs (3 for streaming)."
        + (" Quick run: gesture only." if quick else "")
    )
    table = Table(
        "",
        [
            "demo",
            "windows (train + test)",
            "load data s",
            "train s",
            "held-out accuracy",
            "batch windows/s",
            "streaming windows/s",
            "streaming / batch",
        ],
    )
    for name in ("gesture",) if quick else DEMOS:
        try:
            d = trained(name, small=quick)
        except (ImportError, SensorflowError) as exc:
            table.rows.append(
                [name, f"not available: {str(exc).splitlines()[0][:160]}", None, None, None, None, None, None]
            )
            continue
        pipe, res = d.pipeline, d.result
        X = np.asarray(res.test_windows)
        batch = _median_rate(lambda: pipe.predict(X), len(X), 5)
        signal = X.reshape(-1, X.shape[2]) if pipe.hop >= pipe.window_length else _overlapped(X, pipe.hop)
        hop = pipe.hop

        def stream():
            return sum(1 for _ in pipe.stream(signal[i : i + hop] for i in range(0, len(signal), hop)))

        n_stream = stream()
        streaming = _median_rate(stream, n_stream, 3)
        table.rows.append(
            [
                name,
                d.n_windows,
                d.load_seconds,
                d.train_seconds,
                res.metrics.get("accuracy"),
                batch,
                streaming,
                streaming / batch,
            ]
        )
    table.notes.append(
        "Held-out accuracy is per window on the demo's own held-out split (for the wake word: "
        "held-out voices, all classes); the wake word's targets (recall, false accepts per hour on "
        "continuous streams) are reported by `sensorflow demo wakeword`."
    )
    sec.tables.append(table)
    acc = {r[0]: r[4] for r in table.rows if isinstance(r[4], float)}
    for name, what in (("gesture", "held-out accuracy"), ("vibration", "fault-class accuracy on unseen speed/load")):
        if quick and name != "gesture":
            continue
        sec.targets.append(
            Target(
                f"{name}: {what}",
                acc.get(name),
                0.95,
                at_least=True,
                reason="" if name in acc else "not measured in this run",
            )
        )
    return sec


def _overlapped(X: np.ndarray, hop: int) -> np.ndarray:
    """A continuous signal from windows that overlap by (length - hop): the first window whole,
    then the last ``hop`` samples of each next window (exact when they came from one recording)."""
    parts = [X[0]] + [w[-hop:] for w in X[1:]]
    return np.concatenate(parts, axis=0)
