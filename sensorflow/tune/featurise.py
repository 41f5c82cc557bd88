"""Features on Dask by recording chunks: each task builds the pipeline from its YAML text,
reads one chunk of recordings, cuts windows and returns only the features (with labels,
groups and recording numbers); the driver concatenates features and never holds raw signals.

Sources: :class:`DataChunks` (the pipeline's own dataset: each worker loads it once and
featurises its chunks; every window stays on the worker that cut it) and
:class:`SyntheticChunks` (a seeded synthetic IMU set generated chunk by chunk on the workers,
for the memory benchmark: no process ever holds all of it)."""

from __future__ import annotations

import resource
import time
import uuid
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class DataChunks:
    """The recordings of the pipeline's dataset (or ``data``), ``per_chunk`` at a time."""

    data: str | None = None
    per_chunk: int = 64
    run: str = field(default_factory=lambda: uuid.uuid4().hex)  # this featurisation, in the workers' dataset cache

    def n_chunks(self, client, pipeline_text: str) -> int:
        n = client.submit(_n_recordings, pipeline_text, self.data, self.run, pure=False).result()
        return max(1, -(-n // self.per_chunk))

    def load(self, pipe, i: int):
        from .objective import _dataset

        ds = _dataset(pipe, self.data, self.run)
        idx = np.arange(i * self.per_chunk, min(len(ds), (i + 1) * self.per_chunk))
        return ds.subset(idx), idx


@dataclass(frozen=True)
class SyntheticChunks:
    """``n_windows`` windows in recordings of ``per_recording`` windows, ``per_chunk`` recordings
    per chunk, generated from ``seed`` and the chunk number (sines with class-dependent
    frequency plus noise, one group per recording)."""

    n_windows: int
    per_recording: int = 50
    per_chunk: int = 20
    seed: int = 0

    def n_chunks(self, client=None, pipeline_text: str = "") -> int:
        n_rec = -(-self.n_windows // self.per_recording)
        return max(1, -(-n_rec // self.per_chunk))

    def load(self, pipe, i: int):
        from ..datasets import Dataset

        length, hop = pipe.window_length, pipe.hop
        n_ch = pipe.input_spec.n_channels
        sr = float(pipe.config.sensor.sample_rate)
        n_rec = -(-self.n_windows // self.per_recording)
        ids = np.arange(i * self.per_chunk, min(n_rec, (i + 1) * self.per_chunk))
        signals, labels = [], []
        for r in ids:
            rng = np.random.default_rng([self.seed, int(r)])
            k = int(rng.integers(0, 4))
            wins = min(self.per_recording, self.n_windows - int(r) * self.per_recording)
            n = length + (wins - 1) * hop
            t = np.arange(n) / sr
            base = np.sin(2 * np.pi * (1.0 + k) * t)[:, None] * (1 + 0.1 * np.arange(n_ch))
            signals.append((base + 0.3 * rng.standard_normal((n, n_ch))).astype(np.float32))
            labels.append(f"c{k}")
        names = [f"rec{r}" for r in ids]
        ds = Dataset(signals, np.asarray(labels), np.asarray(names), sr, tuple(pipe.config.sensor.channels), names)
        return ds, ids


def _n_recordings(pipeline_text: str, data, run: str | None = None) -> int:
    from ..pipeline import Pipeline
    from .objective import _dataset

    return len(_dataset(Pipeline.from_string(pipeline_text), data, run))


def chunk_features(pipeline_text: str, source, i: int) -> dict:
    """Head features of chunk ``i`` (``sensorflow.training.head_features``; ``window.pad: valid``:
    over each window's valid samples)."""
    from ..pipeline import Pipeline
    from ..training import head_features

    pipe = Pipeline.from_string(pipeline_text)
    ds, ids = source.load(pipe, i)
    w = ds.windows(pipe.window_length, pipe.hop, pipe.pad, min_valid=pipe.min_valid_length)
    F = head_features(pipe, w.X, n_valid=w.n_valid)
    return {"i": i, "F": F, "y": w.y, "groups": w.groups, "recording": np.asarray(ids)[w.recording]}


def featurise(client, pipeline_text: str, source, progress=None) -> dict:
    """Features of every chunk of ``source``, in chunk order: ``X``, ``y``, ``groups``,
    ``recording``, ``seconds``, ``n_chunks``. ``progress(done, total)`` after each chunk."""
    from distributed import as_completed

    t0 = time.perf_counter()
    n = source.n_chunks(client, pipeline_text)
    futures = [client.submit(chunk_features, pipeline_text, source, i, pure=False, retries=2) for i in range(n)]
    parts: dict[int, dict] = {}
    for k, fut in enumerate(as_completed(futures), 1):
        r = fut.result()
        parts[r["i"]] = r
        fut.release()
        if progress:
            progress(k, n)
    order = [parts[i] for i in range(n)]
    return {
        "X": np.concatenate([p["F"] for p in order]),
        "y": np.concatenate([p["y"] for p in order]),
        "groups": np.concatenate([p["groups"] for p in order]),
        "recording": np.concatenate([p["recording"] for p in order]),
        "n_chunks": n,
        "seconds": time.perf_counter() - t0,
    }


def peak_rss_bytes() -> int:
    """This process's peak resident set size: ``VmHWM`` of ``/proc/self/status`` on Linux (the
    high-water mark of this address space), else ``ru_maxrss`` (KiB on Linux). ``ru_maxrss``
    alone misleads for a worker: Linux keeps it across fork and exec, so a worker spawned by a
    large process reports its parent's peak."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def workers_peak_rss(client) -> dict[str, int]:
    """Peak RSS of every worker process, by worker address."""
    return client.run(peak_rss_bytes)
