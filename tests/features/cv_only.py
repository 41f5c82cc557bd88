"""Cross-validated accuracy of pipeline variants on the training part only (the held-out part is
not scored unless --test names the one variant chosen), as the experiments of
docs/experiments/2026-12-06-gesture-cnn-and-padding.md ran them.

    python tests/features/cv_only.py PIPELINE [--pad resample,edge,zero] [--stages JSON]
        [--grid JSON] [--seeds 0,1] [--test]

--pad: window.pad modes to compare; --stages: replace the YAML's stages; --grid: {param: [values]}
for the last (model) stage, every combination; --seeds: the model's random_state values, each
over the same 5 folds (the pipeline's train.seed); --test: also the held-out accuracy (one variant).
"""

from __future__ import annotations

import argparse
import itertools
import json

import numpy as np
import yaml
from sklearn.metrics import accuracy_score

from sensorflow.config import read_yaml
from sensorflow.datasets import cv_folds, holdout, window_groups
from sensorflow.pipeline import Pipeline
from sensorflow.training import fit_tail, head_features, model_targets, predict_tail


def variant_accuracy(cfg: dict, seeds: list[int], test: bool) -> tuple[list[float], float | None]:
    """CV accuracies (seeds x folds) on the training part and, with ``test``, the held-out one."""
    pipe = Pipeline.from_string(yaml.safe_dump(cfg))
    ds = pipe.load_data(None)
    w = ds.windows(pipe.window_length, pipe.hop, pipe.pad)
    split = pipe.config.dataset.split
    tr, te = holdout(ds, w, split.by, split.test_size, split.seed)
    H, y = head_features(pipe, w.X), w.y
    folds = cv_folds(y[tr], window_groups(ds, w, split.by)[tr], 5, pipe.config.train.seed)
    accs = []
    for seed in seeds:
        if "random_state" in type(pipe.model.params).model_fields:
            cfg["stages"][-1]["random_state"] = seed
        for a, b in folds:
            p = Pipeline.from_string(yaml.safe_dump(cfg))
            fit_tail(p, H[tr][a], y[tr][a])
            pred, _ = predict_tail(p, H[tr][b])
            accs.append(accuracy_score(model_targets(p, y[tr][b]), pred))
    held = None
    if test:
        fit_tail(pipe, H[tr], y[tr])
        pred, _ = predict_tail(pipe, H[te])
        held = accuracy_score(model_targets(pipe, y[te]), pred)
    return accs, held


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pipeline")
    ap.add_argument("--pad", default="")
    ap.add_argument("--stages", default="")
    ap.add_argument("--grid", default="{}")
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--test", action="store_true")
    args = ap.parse_args()
    base = read_yaml(args.pipeline)[0]
    if args.stages:
        base["stages"] = json.loads(args.stages)
    grid = json.loads(args.grid)
    pads = args.pad.split(",") if args.pad else [None]
    seeds = [int(s) for s in args.seeds.split(",")]
    for pad, combo in itertools.product(pads, itertools.product(*grid.values())):
        cfg = json.loads(json.dumps(base))
        if pad:
            cfg["window"]["pad"] = pad
        cfg["stages"][-1].update(dict(zip(grid, combo)))
        accs, held = variant_accuracy(cfg, seeds, args.test)
        shown = {**({"pad": pad} if pad else {}), **dict(zip(grid, combo))}
        line = f"{shown} cv {np.mean(accs):.3f} +- {np.std(accs):.3f}"
        print(line + (f"  held-out {held:.3f}" if held is not None else ""), flush=True)


if __name__ == "__main__":
    main()
