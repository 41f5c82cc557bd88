"""Score one causal-study candidate on the blind streams, once, with the float net and the
study's normalisation installed (``causal_norm``), at the threshold its dev streams chose
(``run.py``'s ``causal.json``, the "reset" view: for the stateless ``frame`` and ``none`` modes it is
also the streaming view). The study artifact is copied with that threshold and its calibration in
``meta.json`` (the source is left as it is), then ``scripts/wakeword_blind.py`` scores the copy.

Usage: python scripts/wakeword_causal/blind.py <none|frame> <study_out_dir> <copy_dir> --out FILE.json"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # scripts/: wakeword_blind
import causal_norm  # noqa: E402
import wakeword_blind  # noqa: E402

from sensorflow import artifact  # noqa: E402
from sensorflow.demo import detector, streaming  # noqa: E402


def main(mode: str, study: str, copy: str, out: str) -> None:
    if mode not in ("none", "frame"):
        sys.exit("blind.py scores the stateless modes only (none, frame): their reset view is the stream's")
    causal_norm.install(mode)
    src = Path(study) / "artifact"
    dev = json.loads((Path(study) / "causal.json").read_text())["reset"]
    pipe, meta = artifact.load(src)
    before = pipe.post_stages()[streaming.threshold_stage(pipe.post_stages())].params.threshold
    detector.set_threshold(pipe, dev["threshold"])
    calibration = {"threshold": dev["threshold"], "was": before, "dev": {"recall": dev["dev_recall"]}}
    arrays = {k: np.load(src / f"{k}.npy") for k in ("test_windows", "test_labels")}
    artifact.save(
        pipe,
        copy,
        metrics=meta.get("metrics"),
        dataset_fingerprint=meta.get("dataset_fingerprint"),
        extra={"dataset": meta.get("dataset"), "calibration": calibration},
        arrays=arrays,
    )
    wakeword_blind.main([f"{copy}=float", "--out", out])


if __name__ == "__main__":
    if len(sys.argv) != 6 or sys.argv[4] != "--out":
        sys.exit(__doc__.splitlines()[-1])
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[5])
