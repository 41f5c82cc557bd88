"""The Python API in a few functions, for notebooks and scripts: load a pipeline, get its
windows, fit/score it as a scikit-learn estimator, save it, export it and run it on a board.

``export`` and ``hil`` run the very code of ``sensorflow export`` / ``sensorflow hil``
(keyword arguments are the command's options, ``no_measure=True`` for ``--no-measure``) and
return what ``--json`` prints; errors are raised as :class:`~sensorflow.SensorflowError`.
Notes (progress, diagnostics) go to the ``logging`` logger ``sensorflow`` at INFO level."""

from __future__ import annotations

import argparse
import os
from importlib import import_module
from pathlib import Path

__all__ = ["load_pipeline", "load_windows", "train", "save", "load_artifact", "export", "run_hil"]


def load_pipeline(path: str | os.PathLike):
    """A pipeline YAML as an unfitted :class:`~sensorflow.pipeline.Pipeline` (a scikit-learn classifier)."""
    from .pipeline import Pipeline

    return Pipeline.from_yaml(path)


def load_windows(pipeline, data: str | os.PathLike | None = None):
    """The pipeline's dataset (its ``dataset:`` section, or ``data``) cut into windows:
    ``.X`` ``(n, length, channels)``, ``.y`` labels, ``.groups`` (keep a group on one side of a split)."""
    from .training import dataset_windows

    pipeline = _resolved(pipeline)
    ds = pipeline.load_data(None if data is None else str(data))
    return dataset_windows(pipeline, ds, _note)


def train(pipeline, data: str | os.PathLike | None = None, out: str | os.PathLike | None = None):
    """What ``sensorflow train`` does: the YAML's split, cross-validation, fit, held-out metrics,
    and (with ``out``) the artifact. Returns a ``TrainResult`` (``.metrics``, ``.artifact``...)."""
    from .training import train as train_fn

    if isinstance(pipeline, (str, os.PathLike)):
        pipeline = load_pipeline(pipeline)
    pipeline = _resolved(pipeline)
    ds = pipeline.load_data(None if data is None else str(data))
    return train_fn(pipeline, ds, out_dir=out, progress=False, note=_note)


def save(pipeline, out: str | os.PathLike, X_test=None, y_test=None) -> Path:
    """Save a fitted pipeline as an artifact (JSON + .npy, never pickle); ``X_test``/``y_test``
    (held-out windows and labels) are what ``hil`` sends to the board by default."""
    from . import artifact

    pipeline = _resolved(pipeline)
    arrays = {}
    if X_test is not None:
        arrays["test_windows"] = pipeline.check_windows(X_test)
    if y_test is not None:
        arrays["test_labels"] = y_test
    return artifact.save(pipeline, out, arrays=arrays)


def load_artifact(path: str | os.PathLike):
    """A saved artifact as a fitted Pipeline; its ``meta.json`` is ``pipeline.meta_``."""
    from . import artifact

    pipe, meta = artifact.load(path)
    pipe.meta_ = meta
    return pipe


def export(artifact, board: str, out: str | os.PathLike | None = None, lang: str = "c", **options) -> dict:
    """``sensorflow export ARTIFACT --board BOARD`` (``--out``, ``--lang``, ``prefix=``, ``no_measure=``);
    returns the export report (files, flash/RAM per stage)."""
    return _command("export", _artifact_path(artifact), board=board, out=out, lang=lang, **options)


# not ``hil``: that name is the ``sensorflow.hil`` package


def run_hil(artifact, board: str = "host", **options) -> dict:
    """``sensorflow hil ARTIFACT --board BOARD`` on an emulated board (``host``, ``qemu-mps2-an386``...)
    or a real one (``port=``); ``limit=``, ``windows=``, ``lang=``... as the command's options.
    Returns the comparison with the host (``passed``, per-window disagreements, timings)."""
    return _command("hil", _artifact_path(artifact), board=board, **options)


# ---------------------------------------------------------------------- plumbing
def _note(text: str) -> None:
    import logging

    logging.getLogger("sensorflow").info(text)


def _resolved(pipeline):
    """``pipeline`` with its config as the validated model (a Pipeline built from a dict or a
    YAML path gets the config it was validated to; the fitted stages stay)."""
    config = pipeline.config
    if not (hasattr(config, "model_dump") and hasattr(config, "stages")):
        pipeline.set_params(config=pipeline._graph.config)
    return pipeline


def _artifact_path(artifact) -> str:
    """A path, or anything with an ``.artifact`` path (a TrainResult)."""
    path = getattr(artifact, "artifact", artifact)
    if path is None:
        from .errors import ArtifactError

        raise ArtifactError("this result has no artifact; train with out=DIR (or sensorflow.save) first")
    return str(path)


class _Parser(argparse.ArgumentParser):
    """A bad option is a ConfigError (argparse would print the usage and exit)."""

    def error(self, message):
        from .errors import ConfigError

        raise ConfigError(f"{self.prog}: {message}")


def _command(name: str, *positional: str, **options) -> dict:
    """Run ``sensorflow NAME`` in this process with its own argument parser (so the defaults and
    checks are the command's); the result is the ``--json`` object without ``ok``."""
    from .cli import Output

    argv = list(positional)
    for key, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + key.replace("_", "-")
        argv += [flag] if value is True else [flag, str(value)]
    parser = _Parser(prog=f"sensorflow {name}")
    mod = import_module(f"sensorflow.commands.{name}")
    mod.add_arguments(parser)
    args = parser.parse_args(argv)
    out = Output(as_json=True)
    status = mod.run(args, out) or 0
    return {"ok": status == 0, **out.result}
