"""Milliseconds per window of the exported MicroPython MiniRocket features on the real
interpreter (the WebAssembly port, ``sensorflow.mpy.run``), and agreement with the host: the
features of every timed window must equal the stage's bit for bit (PPV counts are exact).
Timed as the interpreter process's CPU time (user + system, ``getrusage`` of the child) with
the windows minus that of the same run with none (start-up, import), divided by the windows:
wall time (``time.ticks_ms``, also printed) moves 2-3x on a shared machine.
Run: python tests/features/minirocket_mp_speed.py [DATASET:k ...]  (default: GunPoint:100
JapaneseVowels:500 BasicMotions:500 ACSF1:300)"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import yaml

from sensorflow.codegen.micropython import export
from sensorflow.mpy import run
from sensorflow.mpy.compare import export_files
from sensorflow.pipeline import Pipeline

CODE = """
import json, time
from array import array
import mr_speed as m
p = m.Pipeline()
f = open('/in.bin', 'rb'); data = array('f', f.read()); f.close()
n = m.WINDOW_LENGTH * m.N_CHANNELS
k = len(data) // n
feats = []
ms = 0
t0 = time.ticks_ms()
for i in range(k):
    feats.append(list(p.features(data[i * n:(i + 1) * n])))
ms = time.ticks_diff(time.ticks_ms(), t0)
print(json.dumps([ms / max(k, 1), feats]))
"""


def measure(name: str, k: int, n_windows: int = 8) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from minirocket_accuracy import load

    Xtr, ytr, Xte, _ = load(name)
    L, C = Xtr.shape[1:]
    cfg = {
        "name": "mr_speed",
        "sensor": {"kind": "generic", "sample_rate": 1.0, "channels": [f"c{i}" for i in range(C)]},
        "window": {"length": int(L), "pad": "zero"},
        "stages": [{"type": "minirocket", "n_features": 9996, "keep": k}, {"type": "ridge_classifier"}],
    }
    p = Pipeline.from_string(yaml.safe_dump(cfg, sort_keys=False))
    p.fit(Xtr, ytr)
    X = Xte[:n_windows]
    with tempfile.TemporaryDirectory() as d:
        export(p, {}, None, d, mpy=False, prefix="mr_speed")
        files = {f"/lib/{key}": v for key, v in export_files(Path(d)).items()}
    cpu = []
    for data in (X[:0], X):
        before = _child_cpu()
        res = run(CODE, files={**files, "/in.bin": data.astype("<f4").tobytes()}, heapsize=16 << 20, timeout=3600)
        cpu.append(_child_cpu() - before)
    ms, feats = json.loads(res.stdout.strip().splitlines()[-1])
    same = np.array_equal(np.array(feats, dtype=np.float32), p.stages[0].transform(X))
    per = 1000 * (cpu[1] - cpu[0]) / len(X)
    print(
        f"| {name} ({L} x {C}) | k={k} | {per:,.0f} ms CPU per window | wall {ms:,.0f} ms | equal to the host: {same} |",
        flush=True,
    )


def _child_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


if __name__ == "__main__":
    for arg in sys.argv[1:] or ("GunPoint:100", "JapaneseVowels:500", "BasicMotions:500", "ACSF1:300"):
        name, k = arg.split(":")
        measure(name, int(k))
