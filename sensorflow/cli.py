"""The ``sensorflow`` command. Exit codes: 0 ok, 1 the job failed, 2 user error.

Each sub-command lives in ``sensorflow/commands/<name>.py`` with ``add_arguments(parser)``
and ``run(args, out)``; ``out`` prints human text, or with ``--json`` one JSON object.
Only the module of the sub-command being run is imported (``--help`` imports none), so the
command starts without loading numpy, scikit-learn or matplotlib it does not need.

Global flags (before or after the sub-command): ``--json``, ``-q/--quiet``, ``-v/--verbose``.
Notes and progress go to the standard ``logging`` logger ``sensorflow`` on stderr: INFO by
default, WARNING with ``-q`` (and no progress bars), ERROR with ``-qq``, DEBUG with ``-v``."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from importlib import import_module

from .errors import SensorflowError
from .version import __version__

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
    "tune": "search pipelines under a board's flash, RAM and instruction budget (Optuna on Dask)",
    "pipelines": "list the shipped pipelines, show or copy one",
    "setup": "install optional tools (the MicroPython interpreter)",
    "import": "import a model trained elsewhere (ONNX) onto a pipeline's features as an artifact",
}
_MODULE = {"import": "import_model"}  # command names that are Python keywords

log = logging.getLogger("sensorflow")


class Output:
    """Human lines go to stdout unless ``--json``; then one JSON object on stdout.
    Notes (progress, diagnostics) go to the ``sensorflow`` logger on stderr."""

    def __init__(self, as_json: bool, quiet: int = 0):
        self.as_json = as_json
        self.quiet = quiet
        self.result: dict = {}

    @property
    def progress(self) -> bool:
        """Whether to draw progress bars (never with ``--json`` or ``-q``)."""
        return not (self.as_json or self.quiet)

    def print(self, *parts, **kw) -> None:
        if not self.as_json:
            print(*parts, **kw)

    def note(self, text: str) -> None:
        """Progress / diagnostics: to stderr so --json stdout stays one object (hidden by -q)."""
        log.info(text)

    def set(self, **values) -> None:
        self.result.update(values)


def _add_global_flags(p: argparse.ArgumentParser, sub: bool) -> None:
    """``--json -q -v`` on the main parser and on every sub-command; on a sub-command they
    default to SUPPRESS so that a flag given before the sub-command is not reset after it."""

    def default(value):
        return argparse.SUPPRESS if sub else value

    p.add_argument("--json", action="store_true", default=default(False), help="print one JSON object on stdout")
    p.add_argument(
        "-q", "--quiet", action="count", default=default(0), help="no notes or progress bars (-qq: errors only)"
    )
    p.add_argument("-v", "--verbose", action="count", default=default(0), help="debug log lines on stderr")
    p.add_argument(
        "--boards-dir",
        action="append",
        metavar="DIR",
        default=default([]),
        help="a folder of your own board YAMLs, searched first (also $SENSORFLOW_BOARDS_PATH, ./boards)",
    )


def _command_in(argv: list[str]) -> str | None:
    """The sub-command named in ``argv``: the first word that is neither a flag nor the value
    of ``--boards-dir`` (the one global flag that takes a value)."""
    words = iter(argv)
    for a in words:
        if a == "--boards-dir":
            next(words, None)
        elif not a.startswith("-"):
            return a
    return None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser; only the sub-command named in ``argv`` gets its arguments (its
    module is imported), all of them when ``argv`` is None."""
    wanted = None if argv is None else _command_in(argv)
    parser = argparse.ArgumentParser(prog="sensorflow", description="Machine learning on sensor data at the edge.")
    parser.add_argument("--version", action="version", version=f"sensorflow {__version__}")
    _add_global_flags(parser, sub=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        _add_global_flags(p, sub=True)
        if argv is None or name == wanted:
            import_module(f"sensorflow.commands.{_MODULE.get(name, name)}").add_arguments(p)
    return parser


class _StderrHandler(logging.StreamHandler):
    """Writes to ``sys.stderr`` as it is when a record comes (tests and notebooks swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def setup_logging(verbose: int = 0, quiet: int = 0) -> None:
    """The ``sensorflow`` logger to stderr, message only; level from ``-v``/``-q``."""
    level = logging.DEBUG if verbose else {0: logging.INFO, 1: logging.WARNING}.get(quiet, logging.ERROR)
    for h in [h for h in log.handlers if getattr(h, "_sensorflow_cli", False)]:
        log.removeHandler(h)
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler._sensorflow_cli = True
    log.addHandler(handler)
    log.setLevel(level)
    log.propagate = False


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    t0 = time.perf_counter()
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    setup_logging(args.verbose, args.quiet)
    if not args.command:
        parser.print_help()
        return 2
    out = Output(args.json, args.quiet)
    if args.boards_dir:
        from .device import boards
        from .errors import ConfigError

        try:
            for d in args.boards_dir:
                boards.add_search_dir(d)
        except ConfigError as exc:
            return _error(args.command, out, str(exc), type(exc).__name__, exc.exit_code)
    mod = import_module(f"sensorflow.commands.{_MODULE.get(args.command, args.command)}")
    log.debug("sensorflow %s: started in %.2f s", args.command, time.perf_counter() - t0)
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
    log.debug("sensorflow %s: done in %.2f s (exit %d)", args.command, time.perf_counter() - t0, status)
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
