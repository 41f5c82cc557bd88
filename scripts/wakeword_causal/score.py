"""Score a trained candidate's artifact on the dev streams one way ("reset" or "carried", see
``run.py``) with the float net, in a process of its own (so the two ways can run side by side
after ``run.py`` has saved the artifact). The test streams are never scored.

Usage: python scripts/wakeword_causal/score.py <none|ema|box> <reset|carried> <pipeline.yaml> <artifact_dir> <out.json>"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import causal_norm  # noqa: E402
from run import dev_result, score_carried  # noqa: E402

from sensorflow import artifact  # noqa: E402
from sensorflow.demo import detector, streaming  # noqa: E402
from sensorflow.demo.catalog import load_pipeline  # noqa: E402


def main(mode: str, view: str, yaml_path: str, artifact_dir: str, out_json: str) -> None:
    causal_norm.install(mode)
    t0 = time.perf_counter()
    ds = load_pipeline(Path(yaml_path), False).load_data()
    pipe, _ = artifact.load(artifact_dir)
    dev, _test_not_scored = detector.split_streams(ds.streams)
    label = detector.target_class(pipe)
    scored = score_carried(pipe, dev, mode) if view == "carried" else streaming.score_all(pipe, dev)
    result = {"mode": mode, "view": view, **dev_result(pipe, scored, label)}
    result["seconds"] = round(time.perf_counter() - t0, 1)
    Path(out_json).write_text(json.dumps(result, indent=1, default=float))
    print(view, json.dumps({k: v for k, v in result.items() if k != "curve"}), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:6])
