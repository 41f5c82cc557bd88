"""Train a wake-word candidate with a causal normalisation (``causal_norm``: none / ema / box) as
``scripts/wakeword_dev_only.py`` does (``demo.catalog.train``: same data, seeds, teachers,
hard-negative rounds), then the held-out 1 s windows and the dev streams only, with the FLOAT
net. Dev streams are scored two ways:
- "reset": the normalisation restarts in every window (what the training clips see);
- "carried": the whole stream's frames normalised at once, windows cut from them (a device's
  streaming view: the running state never restarts).
Each gets the demo's dev rule (``demo.detector``: highest recall at <= 1 false accept/h of other
speech and noise on the calibration grid). The test streams are split off and never scored.

Usage: python scripts/wakeword_causal/run.py <none|frame|ema|box> <pipeline.yaml> <out_dir>
(SENSORFLOW_CACHE: the folder holding the full recipe's ``wakeword-*`` cache.)"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # scripts/: wakeword_dev_only
import causal_norm  # noqa: E402
from wakeword_dev_only import train_candidate  # noqa: E402

from sensorflow.demo import detector, streaming  # noqa: E402
from sensorflow.demo.frame_reuse import framed_first_stage  # noqa: E402
from sensorflow.graph import run_steps  # noqa: E402


def score_carried(pipe, streams, mode: str, chunk_windows: int = 256) -> list[streaming.StreamScores]:
    """Scores of every window of each stream from the stream's frames normalised at once."""
    stage = framed_first_stage(pipe)
    assert stage is not None, "the pipeline's first stage must share frames between windows"
    sr = float(pipe.config.sensor.sample_rate)
    length, hop = pipe.window_length, pipe.hop
    step, T = hop // stage.hop_length, len(stage.frame_starts())
    out = []
    causal_norm.PRE_NORMALISED[0] = True
    try:
        for st in streams:
            sig = np.asarray(st.signal, np.float32)
            sig = sig[:, None] if sig.ndim == 1 else sig
            n_windows = 0 if len(sig) < length else 1 + (len(sig) - length) // hop
            rows = stage.stream_frame_rows(sig[: (n_windows - 1) * hop + length])  # (C, frames, n_mels)
            rows = causal_norm.normalise(rows, mode)
            parts = []
            for first in range(0, n_windows, chunk_windows):
                k = np.arange(first, min(first + chunk_windows, n_windows))
                idx = k[:, None] * step + np.arange(T)[None, :]
                feats = stage.windows_from_rows(rows[:, idx].transpose(1, 0, 2, 3))
                feats = run_steps(pipe.steps[1:], feats, upto=("model", "post"))
                parts.append(pipe.proba_of_features(feats))
            ends = (np.arange(n_windows) * hop + length) / sr
            out.append(
                streaming.StreamScores(
                    np.concatenate(parts), ends, list(st.events), len(st.signal) / sr, list(st.context)
                )
            )
    finally:
        causal_norm.PRE_NORMALISED[0] = False
    return out


def dev_result(pipe, scored, label) -> dict:
    """The dev rule of ``detector.calibrate`` (without saving) and the sweep."""
    curve = streaming.sweep(pipe, scored, label, detector.CALIBRATION_GRID)
    ok = [c for c in curve if c["other_false_accepts_per_hour"] <= detector.MAX_DEV_FALSE_ACCEPTS_PER_HOUR]
    best = max(ok, key=lambda c: (c["recall"] or 0.0, c["threshold"])) if ok else curve[-1]
    keys = ("threshold", "recall", "other_false_accepts_per_hour", "false_accepts_per_hour")
    return {
        "threshold": best["threshold"],
        "dev_recall": best["recall"],
        "dev_false_accepts_per_hour": best["other_false_accepts_per_hour"],
        "dev_false_accepts_per_hour_all": best["false_accepts_per_hour"],
        "met_on_dev": bool(ok),
        "curve": [{k: c[k] for k in keys} for c in curve],
    }


def main(mode: str, yaml_path: str, out_dir: str) -> None:
    causal_norm.install(mode)
    out = Path(out_dir)
    pipe, ds, tr, train_s = train_candidate(yaml_path, out)
    y = np.asarray(tr.test_labels).astype(str)
    float_pred = np.asarray(pipe.predict(tr.test_windows)).astype(str)
    heldout = {
        "n": len(y),
        "float_correct": int(np.sum(float_pred == y)),
        "float_accuracy": float(np.mean(float_pred == y)),
    }
    print("held-out windows:", json.dumps(heldout), flush=True)
    dev, _test_not_scored = detector.split_streams(ds.streams)
    label = detector.target_class(pipe)
    t2 = time.perf_counter()
    result = {"mode": mode, "pipeline": str(yaml_path), "train_seconds": round(train_s, 1), "heldout": heldout}
    result["dev_streams"] = len(dev)
    result["dev_minutes"] = round(sum(len(s.signal) for s in dev) / ds.sample_rate / 60, 1)
    result["reset"] = dev_result(pipe, streaming.score_all(pipe, dev), label)
    print("reset:", json.dumps({k: v for k, v in result["reset"].items() if k != "curve"}), flush=True)
    if mode in ("none", "frame"):  # stateless: check the carried path: without a normalisation it must equal reset
        a = score_carried(pipe, dev[:1], mode)[0].scores
        b = streaming.score_all(pipe, dev[:1])[0].scores
        result["carried_check_max_abs_diff"] = float(np.max(np.abs(a - b)))
        print("carried == reset check, max |diff|:", result["carried_check_max_abs_diff"], flush=True)
    else:
        result["carried"] = dev_result(pipe, score_carried(pipe, dev, mode), label)
        print("carried:", json.dumps({k: v for k, v in result["carried"].items() if k != "curve"}), flush=True)
    result["dev_seconds"] = round(time.perf_counter() - t2, 1)
    (out / "causal.json").write_text(json.dumps(result, indent=1, default=float))
    print(f"dev scoring {result['dev_seconds']} s; wrote {out / 'causal.json'}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
