"""A detector trained with per-window centring (``conv1d`` ``center_window``), scored on the dev
streams with a causal normalisation in its place, without retraining: the streaming device's view
("carried": the whole stream normalised at once, ``run.score_carried``). Float net; the test and
blind streams are never scored. The artifact's own centring on the same streams is the baseline.

Usage: python scripts/wakeword_causal/centred_model.py <artifact_dir> <box[N]|ema[A]> <out.json>"""

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


def main(artifact_dir: str, mode: str, out_json: str) -> None:
    t0 = time.perf_counter()
    pipe, _ = artifact.load(artifact_dir)
    ds = load_pipeline(Path(artifact_dir) / "pipeline.yaml", False).load_data()
    dev, _test_not_scored = detector.split_streams(ds.streams)
    label = detector.target_class(pipe)
    result = {
        "artifact": artifact_dir,
        "mode": mode,
        "centred": dev_result(pipe, streaming.score_all(pipe, dev), label),
    }
    print("centred (as trained):", json.dumps({k: v for k, v in result["centred"].items() if k != "curve"}), flush=True)
    conv = pipe.model
    conv.params = conv.params.model_copy(update={"center_window": False})
    causal_norm.install(mode)
    result["carried"] = dev_result(pipe, score_carried(pipe, dev, mode), label)
    print(f"{mode} carried:", json.dumps({k: v for k, v in result["carried"].items() if k != "curve"}), flush=True)
    result["seconds"] = round(time.perf_counter() - t0, 1)
    Path(out_json).write_text(json.dumps(result, indent=1, default=float))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__.splitlines()[-1])
    main(*sys.argv[1:4])
