"""sensorflow validate PIPELINE... : schema and stage checks, one line per problem."""

from __future__ import annotations

import sys

from ..errors import ConfigError
from ..pipeline import Pipeline


def add_arguments(p):
    p.add_argument("pipelines", nargs="+", metavar="PIPELINE", help="pipeline YAML files")


def run(args, out) -> int:
    results = []
    failed = 0
    for path in args.pipelines:
        try:
            pipe = Pipeline.from_yaml(path)
        except ConfigError as exc:
            failed += 1
            results.append({"file": path, "ok": False, "error": str(exc)})
            if not out.as_json:
                print(str(exc), file=sys.stderr)
            continue
        spec = pipe.feature_spec
        results.append({"file": path, "ok": True, "name": pipe.name, "n_features": spec.size})
        out.print(f"{path}: ok ({pipe.name}: {len(pipe.stages)} stages, window {pipe.window_length} samples, "
                  f"hop {pipe.hop}, {spec.size} features)")
    out.set(files=results)
    return 2 if failed else 0
