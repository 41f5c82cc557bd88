"""Run an exported MicroPython pipeline module on the real interpreter (WebAssembly port) over
a batch of windows in one interpreter start, and return its labels, scores and features.

Precision: the WebAssembly port computes in double precision, an ESP32 port in float32.
The module keeps features and scores in ``array('f')`` buffers, so every value leaving a
stage is rounded to float32 on both, as the host's float32 reference is; tests compare
labels exactly and features/scores by a relative tolerance that covers float32 rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .interp import run

_HARNESS = """
import gc
from array import array
gc.collect()
start = gc.mem_alloc()
import {module} as m
gc.collect()
before = gc.mem_alloc()
p = m.Pipeline()
gc.collect()
after = gc.mem_alloc()
f = open('/in.bin', 'rb')
raw = f.read()
f.close()
size = 4 * m.WINDOW_LENGTH * m.N_CHANNELS
n = len(raw) // size
out = open('/out.bin', 'wb')
labels = bytearray(n)
for i in range(n):
    w = array('f', raw[i * size:(i + 1) * size])
    labels[i] = p.infer(w)[0]
    out.write(p.feat)
    out.write(p.scores)
out.close()
f = open('/labels.bin', 'wb')
f.write(labels)
f.close()
stream = []
post = open('/post.bin', 'wb')
if {stream}:
    p.reset()
    chunks = {chunks}
    pos = 0
    k = 0
    f = open('/sig.bin', 'rb')
    allv = array('f', f.read())
    f.close()
    total = len(allv)
    while pos < total:
        c = chunks[k % len(chunks)]
        k += 1
        for r in p.push(allv[pos:pos + c]):
            stream.append(r[1])
            post.write(r[3])
        pos += c
post.close()
f = open('/stream.bin', 'wb')
f.write(bytes(stream))
f.close()
print('MEM', before, after, start)
"""


@dataclass
class ModuleRun:
    labels: np.ndarray
    features: np.ndarray
    scores: np.ndarray
    stream_labels: np.ndarray | None
    stream_post: np.ndarray | None  # post-processed output per streamed window (n, n_classes)
    heap_bytes_pipeline: int  # gc.mem_alloc() growth from Pipeline() (buffers + object)
    heap_bytes_import: int = 0  # gc.mem_alloc() growth from importing the module (and the runtime)


def run_module(
    files: dict[str, str | bytes],
    windows: np.ndarray,
    *,
    module: str = "sf_model",
    n_features: int,
    n_classes: int,
    stream_chunks: tuple[int, ...] | None = None,
    stream_signal: np.ndarray | None = None,
    heapsize: int = 4 << 20,
    timeout: float = 300.0,
) -> ModuleRun:
    """Put ``files`` (name -> source/bytes) in /lib, run ``windows`` (n, length, channels)
    through ``Pipeline.infer``; with ``stream_chunks``, also push all windows' samples in
    chunks of those sizes (cycled) through ``Pipeline.push`` (or ``stream_signal``,
    ``(n_samples, channels)``, when given) and collect its labels and post outputs."""
    w = np.ascontiguousarray(np.asarray(windows, dtype="<f4"))
    code = _HARNESS.format(module=module, stream=bool(stream_chunks), chunks=tuple(stream_chunks or (1,)))
    sig = w if stream_signal is None else np.ascontiguousarray(np.asarray(stream_signal, dtype="<f4"))
    res = run(
        code,
        files={
            **{f"/lib/{k}": v for k, v in files.items()},
            "/in.bin": w.tobytes(),
            "/sig.bin": sig.tobytes() if stream_chunks else b"",
        },
        collect=["/out.bin", "/labels.bin", "/stream.bin", "/post.bin"],
        heapsize=heapsize,
        timeout=timeout,
    )
    n = len(w)
    per = n_features + n_classes
    vals = np.frombuffer(res.files["/out.bin"], dtype="<f4").reshape(n, per)
    mem = [ln for ln in res.stdout.splitlines() if ln.startswith("MEM ")]
    before, after, start = (int(x) for x in mem[-1].split()[1:4])
    stream = np.frombuffer(res.files["/stream.bin"], dtype=np.uint8).astype(np.int64) if stream_chunks else None
    return ModuleRun(
        labels=np.frombuffer(res.files["/labels.bin"], dtype=np.uint8).astype(np.int64),
        features=vals[:, :n_features].astype(np.float64),
        scores=vals[:, n_features:].astype(np.float64),
        stream_labels=stream,
        stream_post=np.frombuffer(res.files["/post.bin"], dtype="<f4").reshape(-1, n_classes).astype(np.float64)
        if stream_chunks
        else None,
        heap_bytes_pipeline=after - before,
        heap_bytes_import=before - start,
    )


def export_files(out_dir: str | Path, use_mpy: bool = False) -> dict[str, bytes]:
    """The module files of an export directory (the .py files, or the .mpy builds)."""
    d = Path(out_dir)
    ext = ".mpy" if use_mpy else ".py"
    return {p.name: p.read_bytes() for p in sorted(d.glob(f"*{ext}"))}
