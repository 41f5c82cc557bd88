"""The ``sensorflow`` command. Exit codes: 0 ok, 1 the job failed, 2 user error.

Each sub-command lives in ``sensorflow/commands/<name>.py`` with ``add_arguments(parser)``
and ``run(args, out)``; ``out`` prints human text, or with ``--json`` one JSON object."""

from __future__ import annotations

import argparse
import json
import os
import sys
from importlib import import_module

from . import __version__
from .errors import SensorflowError

COMMANDS = {
    "validate": "check pipeline YAML files: schema, stages, recipe options",
    "stages": "list the registered stages with their parameters",
    "boards": "list the board definitions",
    "features": "compute a pipeline's features on data and save them",
    "train": "train and evaluate a pipeline, save the artifact",
    "eval": "evaluate a trained artifact on data",
    "run": "stream a recording or a serial sensor through a trained artifact",
    "export": "generate C or MicroPython for a board",
    "hil": "run an exported pipeline on a board over serial and compare with the host",
    "demo": "run a demo app end to end (wakeword, gesture, vibration)",
    "bench": "benchmarks against peer tools",
    "report": "write one self-contained HTML report for a trained artifact",
    "import": "import a model trained elsewhere (ONNX) onto a pipeline's features as an artifact",
}
_MODULE = {"import": "import_model"}  # command names that are Python keywords


class Output:
    """Human lines go to stderr-free stdout unless ``--json``; then one JSON object on stdout."""

    def __init__(self, as_json: bool):
        self.as_json = as_json
        self.result: dict = {}

    def print(self, *parts, **kw) -> None:
        if not self.as_json:
            print(*parts, **kw)

    def note(self, text: str) -> None:
        """Progress / diagnostics: to stderr so --json stdout stays one object."""
        print(text, file=sys.stderr)

    def set(self, **values) -> None:
        self.result.update(values)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sensorflow", description="Machine learning on sensor data at the edge.")
    parser.add_argument("--version", action="version", version=f"sensorflow {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        mod = import_module(f"sensorflow.commands.{_MODULE.get(name, name)}")
        mod.add_arguments(p)
    return parser


class _Parser(argparse.ArgumentParser):
    pass


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    out = Output(getattr(args, "json", False))
    mod = import_module(f"sensorflow.commands.{_MODULE.get(args.command, args.command)}")
    try:
        status = mod.run(args, out) or 0
    except SensorflowError as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return _error(args.command, out, message, type(exc).__name__, exc.exit_code)
    except OSError as exc:  # a path the user gave (or the disk) refused: a file where a folder goes, no permission...
        if os.environ.get("SENSORFLOW_DEBUG") or exc.strerror is None:
            raise
        where = next((str(f) for f in (exc.filename, exc.filename2) if f), "")
        message = f"{where + ': ' if where else ''}{exc.strerror}; check the path (and that it is not a file where a folder goes)"
        return _error(args.command, out, message, type(exc).__name__, 2)
    except KeyboardInterrupt:
        print(f"sensorflow {args.command}: interrupted", file=sys.stderr)
        return 130
    if out.as_json:
        print(json.dumps({"ok": status == 0, **out.result}, default=_json_default))
    return status


def _error(command: str, out, message: str, error_type: str, code: int) -> int:
    """One line on stderr (or one JSON object on stdout with --json); returns the exit status."""
    if out.as_json:
        print(json.dumps({"ok": False, "error": message, "error_type": error_type}))
    else:
        print(f"sensorflow {command}: error: {message}", file=sys.stderr)
    return code


def _json_default(value):
    try:
        import numpy as np

        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return value.tolist()
    except ImportError:  # pragma: no cover
        pass
    return str(value)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
