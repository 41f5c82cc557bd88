"""sensorflow validate PIPELINE... : schema, stage and recipe-option checks, one line per problem
(every schema problem in a file; a YAML syntax error or a stage that does not fit the one before stops at one)."""

from __future__ import annotations

import sys

from ..errors import ConfigError, DataError


def add_arguments(p):
    p.add_argument("pipelines", nargs="+", metavar="PIPELINE", help="pipeline YAML files")


def run(args, out) -> int:
    from ..graph import StageGraph  # here, not above: `validate --help` stays as fast as `--help`

    results = []
    failed = 0
    for path in args.pipelines:
        try:
            pipe = StageGraph.from_yaml(path)  # binds the stages; no scikit-learn needed
            pipe.check_data_options()
        except (ConfigError, DataError) as exc:
            failed += 1
            problems = sorted(getattr(exc, "problems", [exc]), key=lambda e: getattr(e, "line", None) or 1e9)
            errors = [str(e) if isinstance(e, ConfigError) else f"{path}: {e}" for e in problems]  # in file order
            results.append(
                {
                    "file": path,
                    "ok": False,
                    "error": str(exc) if isinstance(exc, ConfigError) else errors[0],
                    "errors": errors,
                }
            )
            if not out.as_json:
                for error in errors:  # every problem in the file, one line each
                    print(error, file=sys.stderr)
            continue
        spec = pipe.feature_spec
        results.append({"file": path, "ok": True, "name": pipe.name, "n_features": spec.size})
        out.print(
            f"{path}: ok ({pipe.name}: {len(pipe.stages)} stages, window {pipe.window_length} samples, "
            f"hop {pipe.hop}, {spec.size} features)"
        )
    out.set(files=results)
    return 2 if failed else 0
