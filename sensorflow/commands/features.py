"""sensorflow features PIPELINE [--data PATH] --out FILE.npz: the features the model would see
(every step before the first one that learns), with labels and groups, for use elsewhere."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import DataError
from ..pipeline import Pipeline
from ..training import _head_length, dataset_windows, head_features, progress_bar


def add_arguments(p):
    p.add_argument("pipeline", metavar="PIPELINE", help="pipeline YAML file")
    p.add_argument("--data", metavar="PATH", help="data (overrides dataset.path)")
    p.add_argument("--out", metavar="FILE.npz", required=True, help="where to save the features")
    p.add_argument("--scheduler", metavar="ADDRESS", help="featurise on an existing Dask scheduler (tcp://HOST:PORT)")
    p.add_argument("--workers", type=int, metavar="N", help="featurise on N local Dask workers, by recording chunks")
    p.add_argument("--chunk", type=int, default=64, metavar="K", help="recordings per Dask task (default 64)")


def run(args, out) -> int:
    pipe = Pipeline.from_yaml(args.pipeline)
    target = Path(args.out)
    if target.suffix != ".npz":
        raise DataError(f"{target}: --out must end in .npz")
    if args.scheduler or args.workers:
        F, w, fingerprint = _distributed(pipe, args)
    else:
        ds = pipe.load_data(args.data)
        w = dataset_windows(pipe, ds, out.note)
        with progress_bar(out.progress) as bar:
            F = head_features(pipe, w.X, bar, n_valid=w.n_valid)
        fingerprint = ds.fingerprint()
    k = _head_length(pipe)
    names = pipe.steps[k - 1].output_spec.names if k else pipe.input_spec.names
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp.npz")
    np.savez(tmp, X=F, y=w.y, groups=w.groups, recording=w.recording, feature_names=np.asarray(names, dtype=str))
    tmp.replace(target)
    if k < len(pipe.steps) and pipe.steps[k].role not in ("model", "post"):
        out.note(f"stopped before stage '{pipe.steps[k].stages[0].name}': it learns from data (use 'train')")
    out.print(
        f"{target}: {F.shape[0]} windows x {F.shape[1] if F.ndim == 2 else F.shape[1:]} features, "
        f"{len(set(w.y.tolist()))} classes"
    )
    out.set(
        path=str(target),
        n_windows=int(F.shape[0]),
        n_features=int(np.prod(F.shape[1:])),
        feature_names=list(names),
        dataset_fingerprint=fingerprint,
    )
    return 0


def _distributed(pipe, args):
    """Features by recording chunks on Dask workers (``sensorflow.tune.featurise``); the raw
    signals stay on the workers. No dataset fingerprint (it would need every signal here)."""
    from types import SimpleNamespace

    from ..tune import cluster
    from ..tune.featurise import DataChunks, featurise

    text = Path(args.pipeline).read_text()
    with cluster.client(args.scheduler, args.workers) as (client, _):
        r = featurise(client, text, DataChunks(args.data, max(1, args.chunk)))
    return r["X"], SimpleNamespace(y=r["y"], groups=r["groups"], recording=r["recording"]), None
