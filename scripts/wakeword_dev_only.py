"""Train a wake-word candidate as ``sensorflow demo wakeword --numeric <numeric> --pipeline <yaml>``
does (same data, seeds, teachers, hard-negative rounds: ``demo.catalog.train``), then only the
demo's dev step (threshold = highest recall at <= 1 false accept/h on the dev streams, scored by
what the board runs for ``numeric`` on qemu-mps2-an386: ``demo.runner.model_path``;
``demo.detector.calibrate`` writes it into ``<out_dir>/artifact``) and the held-out 1 s windows
accuracy (float and int8 net). The test streams are never scored: a candidate is chosen on dev only.

Usage: python scripts/wakeword_dev_only.py <pipeline.yaml> <out_dir> [--numeric int8|auto|float]
(default int8, as ``--numeric int8``; ``auto`` is the plain ``sensorflow demo wakeword`` on the
M4F board, which scores with the float net. SENSORFLOW_CACHE: the folder holding the full
recipe's ``wakeword-*`` cache.)"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from sensorflow.demo import detector, streaming
from sensorflow.demo.catalog import load_pipeline, train
from sensorflow.demo.runner import model_path


def train_candidate(yaml_path: str, out: Path):
    """The demo's data and training for ``yaml_path`` (artifact in ``out/artifact``), with
    progress printed: (pipeline, data set, training result, training seconds)."""
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    pipe = load_pipeline(Path(yaml_path), False)
    ds = pipe.load_data()
    print(f"data: {len(ds)} recordings, {len(ds.streams)} streams ({time.perf_counter() - t0:.0f} s)", flush=True)
    t1 = time.perf_counter()
    tr = train(pipe, ds, out / "artifact", lambda m: print(m, flush=True))
    train_s = time.perf_counter() - t1
    print(f"training {train_s:.0f} s", flush=True)
    return pipe, ds, tr, train_s


def main(yaml_path: str, out_dir: str, numeric: str = "int8") -> None:
    out = Path(out_dir)
    pipe, ds, tr, train_s = train_candidate(yaml_path, out)
    int8 = model_path(pipe, "qemu-mps2-an386", "int8")
    scorer = model_path(pipe, "qemu-mps2-an386", numeric)
    y = np.asarray(tr.test_labels).astype(str)
    float_pred = np.asarray(pipe.predict(tr.test_windows)).astype(str)
    int8_pred = np.asarray(int8.predict(tr.test_windows)).astype(str)
    heldout = {
        "n": len(y),
        "float_accuracy": float(np.mean(float_pred == y)),
        "int8_accuracy": float(np.mean(int8_pred == y)),
        "int8_equal_float": int(np.sum(int8_pred == float_pred)),
        "trainer_metrics_accuracy": tr.metrics.get("accuracy"),
    }
    print("held-out windows:", json.dumps(heldout), flush=True)
    dev, _test_not_scored = detector.split_streams(ds.streams)
    label = detector.target_class(pipe)
    t2 = time.perf_counter()
    dev_scored = streaming.score_all(scorer, dev)
    dev_min = sum(len(s.signal) for s in dev) / ds.sample_rate / 60
    calib = detector.calibrate(pipe, dev_scored, label, tr, lambda m: print(m, flush=True))
    curve = streaming.sweep(pipe, dev_scored, label, detector.CALIBRATION_GRID)
    result = {
        "pipeline": str(yaml_path),
        "numeric": numeric,
        "dev_scored_by": "float net" if scorer is pipe else "int8 reference",
        "train_seconds": round(train_s, 1),
        "dev_seconds": round(time.perf_counter() - t2, 1),
        "dev_streams": len(dev),
        "dev_minutes": round(dev_min, 1),
        "heldout": heldout,
        "dev_calibration": calib,
        "dev_curve": [
            {k: c[k] for k in ("threshold", "recall", "other_false_accepts_per_hour", "false_accepts_per_hour")}
            for c in curve
        ],
    }
    (out / "dev_only.json").write_text(json.dumps(result, indent=1, default=float))
    print(json.dumps({k: v for k, v in result.items() if k != "dev_curve"}, indent=1, default=float), flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    num = "int8"
    if "--numeric" in args:
        i = args.index("--numeric")
        num = args[i + 1]
        del args[i : i + 2]
    main(args[0], args[1], num)
