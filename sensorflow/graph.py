"""The stages of a pipeline YAML bound together: which stage feeds which, and the shape
(:class:`~sensorflow.spec.Spec`) each one outputs.

Consecutive ``feature`` stages read the same signal and their vectors are concatenated
(as parallel processing blocks); every other stage feeds the next one. This module needs
numpy and pydantic only, so ``sensorflow validate`` starts fast; the scikit-learn estimator
that fits and predicts with these stages is :class:`sensorflow.pipeline.Pipeline`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import config as config_mod
from . import registry
from .errors import ConfigError, DataError
from .spec import Spec
from .windowing import VALID_PAD, frame


@dataclass
class Step:
    """One node of the bound pipeline: a single stage or a group of parallel feature stages."""

    indices: list[int]
    stages: list
    role: str
    output_spec: Spec


def run_steps(
    steps: list[Step],
    X: np.ndarray,
    y=None,
    fit: bool = False,
    upto: tuple[str, ...] = ("model", "post"),
    n_valid: np.ndarray | None = None,
) -> np.ndarray:
    """Run bound steps in order (feature groups concatenated), stopping at the first step
    whose role is in ``upto``; with ``fit`` each stage is fitted on what reaches it.
    ``n_valid`` (``window.pad: valid``): the valid samples of each window, read by the feature
    stages (no signal stage may come before them; checked when the pipeline is built)."""
    out = X
    for step in steps:
        if step.role in upto:
            break
        if step.role == "feature" and n_valid is not None:
            parts = [_over_valid_length(s, out, n_valid, fit, y) for s in step.stages]
            out = np.concatenate([p.reshape(len(p), -1) for p in parts], axis=1)
        elif step.role == "feature":
            parts = [s.fit_transform(out, y) if fit else s.transform(out) for s in step.stages]
            out = np.concatenate([p.reshape(len(p), -1) for p in parts], axis=1)
        else:
            s = step.stages[0]
            out = s.fit_transform(out, y) if fit else s.transform(out)
    return out


def _over_valid_length(stage, X: np.ndarray, n_valid: np.ndarray, fit: bool, y=None) -> np.ndarray:
    """A feature stage's output per window over its valid samples (windows grouped by length;
    a trainable one, ``minirocket``, fitted first over them: ``Stage.fit_valid``)."""
    if fit and stage.tags.trainable:
        stage.fit_valid(X, y, n_valid)
    out = None
    for n in np.unique(n_valid):
        rows = np.flatnonzero(n_valid == n)
        part = stage.transform_valid(X[rows], int(n))
        if out is None:
            out = np.empty((len(X),) + part.shape[1:], dtype=part.dtype)
        out[rows] = part
    return out


class StageGraph:
    """A validated config's stages, built and bound (raises a located ConfigError if they do not fit)."""

    def __init__(self, config, lines: dict | None = None, source: str | None = None):
        self.config = config
        self.lines = lines or {}
        self.source = source or "<pipeline>"
        self.source_config = config  # as given: `type: onnx` stages not yet replaced
        self.stages = [registry.get(p.type)(p) for p in config.stages]
        self.resolved = any(hasattr(s, "resolve") for s in self.stages)
        if self.resolved:
            self._resolve_imported()
        self.window_length, self.hop = config.window.samples(config.sensor.sample_rate)
        self.pad = config.window.pad_mode(config.sensor.kind)
        self.input_spec = Spec.signal(
            self.window_length, len(config.sensor.channels), config.sensor.sample_rate, config.sensor.channels
        )
        self.steps = self.bind()
        self.min_valid = 1  # pad: valid: fewest valid samples every feature stage computes over
        if self.pad == VALID_PAD:
            self._check_valid_length()
            self.min_valid = max(s.min_valid_length() for s in self.stages if s.tags.role == "feature")
        self._check_cost()

    def _resolve_imported(self) -> None:
        """Replace stages that load a model from a file (``type: onnx``) by the stages it maps to;
        the config then names those stages, so an artifact stores their arrays."""
        from pathlib import Path

        base = Path(self.source).parent if not self.source.startswith("<") else Path.cwd()
        stages = []
        for i, s in enumerate(self.stages):
            try:
                stages += s.resolve(base) if hasattr(s, "resolve") else [s]
            except ConfigError as exc:
                raise self._error(exc, i) from None
        self.stages = stages
        # cross-validation / hard-negative mining would fit the mapped stage type from scratch: off
        train = self.config.train.model_copy(update={"cv_folds": 0, "hard_negatives": 0})
        self.config = self.config.model_copy(update={"stages": [s.params for s in stages], "train": train})

    def _check_cost(self) -> None:
        """Refuse a stage whose estimated flash or RAM is over ``config.MAX_STAGE_BYTES`` (e.g. an MLP
        layer of millions of units), at its line, before anything is allocated for it."""
        for i, stage in enumerate(self.stages):
            try:
                cost = stage.cost()
            except Exception:  # an estimate some stages can only give once fitted
                continue
            need = max(cost.flash_bytes or 0, cost.ram_bytes or 0)
            if need > config_mod.MAX_STAGE_BYTES:
                raise self.located(
                    f"stage '{stage.name}' would need about {need / 2**20:.0f} MiB of flash or RAM, over the "
                    f"limit of {config_mod.MAX_STAGE_BYTES >> 20} MiB; make it smaller",
                    ("stages", i),
                )

    @classmethod
    def from_yaml(cls, path) -> StageGraph:
        cfg, lines, shown = config_mod.load(path)
        return cls(cfg, lines, shown)

    # ------------------------------------------------------------------ errors located in the file
    def located(self, message: str, key: tuple) -> ConfigError:
        """A ConfigError at ``key``'s line in this pipeline's file."""
        return ConfigError(message, key=key, file=self.source, line=config_mod.line_of(self.lines, key))

    def _error(self, exc: ConfigError, index: int) -> ConfigError:
        return self.located(exc.message, ("stages", index) + exc.key)

    def locating(self, fn, *args):
        """``fn(*args)``, with a ConfigError that names only a key moved to that key's line here."""
        try:
            return fn(*args)
        except ConfigError as exc:
            if exc.file is not None or not exc.key:
                raise
            raise self.located(exc.message, exc.key) from None

    def check_data_options(self) -> None:
        """Check a recipe's ``dataset.options`` without building data (``sensorflow validate``)."""
        from .datasets.loading import check_recipe_options

        self.locating(check_recipe_options, self.config)

    def _check_valid_length(self) -> None:
        """``window.pad: valid``: every stage before the model that reads the window must compute
        over its first n_valid samples (feature stages that say so, no signal stage before them)."""
        for i, stage in enumerate(self.stages):
            role = stage.tags.role
            if role not in ("signal", "feature"):
                continue
            if role == "signal" or not stage.computes_over_valid_length():
                raise self.located(
                    f"stage '{stage.name}' (stages[{i}]) cannot compute over the valid length of a short "
                    "recording (window.pad: valid works with the feature stages stats (float), catch22 and minirocket read from the "
                    "raw window); use window.pad: resample, edge or zero",
                    ("window", "pad"),
                )

    # ------------------------------------------------------------------ binding
    def bind(self) -> list[Step]:
        steps: list[Step] = []
        spec = self.input_spec
        i = 0
        roles = [s.tags.role for s in self.stages]
        seen_model = False
        while i < len(self.stages):
            role = roles[i]
            if role == "feature":
                j = i
                while j < len(self.stages) and roles[j] == "feature":
                    j += 1
                group, names = [], []
                for k in range(i, j):
                    try:
                        out = self.stages[k].bind(spec)
                    except ConfigError as exc:
                        raise self._error(exc, k) from None
                    prefix = self.stages[k].name
                    names += [f"{prefix}.{n}" for n in out.names]
                    group.append(self.stages[k])
                spec = Spec.vector(names)
                steps.append(Step(list(range(i, j)), group, "feature", spec))
                i = j
                continue
            if role == "model":
                if seen_model:
                    raise self._error(ConfigError("a pipeline has at most one model stage"), i)
                seen_model = True
            if role == "post" and not seen_model:
                raise self._error(ConfigError("post-processing stages go after the model stage"), i)
            if role == "post":  # scores arrive at the window rate (windows per second)
                spec = spec.with_(sample_rate=self.config.sensor.sample_rate / self.hop)
            try:
                spec = self.stages[i].bind(spec)
            except ConfigError as exc:
                raise self._error(exc, i) from None
            steps.append(Step([i], [self.stages[i]], role, spec))
            i += 1
        return steps

    # ------------------------------------------------------------------ properties
    @property
    def name(self) -> str:
        return self.config.name

    @property
    def model(self):
        return next((s for s in self.stages if s.tags.role == "model"), None)

    @property
    def feature_spec(self) -> Spec:
        """Spec of what the model receives (or the last pre-model output)."""
        spec = self.input_spec
        for step in self.steps:
            if step.role in ("model", "post"):
                break
            spec = step.output_spec
        return spec

    def post_stages(self) -> list:
        return [s for s in self.stages if s.tags.role == "post"]

    def check_windows(self, X) -> np.ndarray:
        """``X`` as float windows ``(n, length, channels)``; 2-D ``(n, length)`` for a single channel,
        ``(n, channels)`` for windows of one sample (a plain feature matrix) are taken too."""
        X = np.asarray(X)
        if X.ndim == 2 and self.input_spec.n_channels == 1:
            X = X[:, :, None]
        elif X.ndim == 2 and self.window_length == 1:
            X = X[:, None, :]
        if X.ndim != 3 or X.shape[1:] != self.input_spec.shape:
            raise DataError(
                f"pipeline '{self.name}' expects windows of shape (n, {self.window_length}, "
                f"{self.input_spec.n_channels}), got {X.shape}"
            )
        if X.dtype.kind != "f":
            X = X.astype(np.float32)
        return X

    @property
    def width_2d(self) -> int | None:
        """Columns of a 2-D batch: the window length (one channel), the channels (one-sample
        windows), or None when windows must be 3-D."""
        n_channels = self.input_spec.n_channels
        return self.window_length if n_channels == 1 else n_channels if self.window_length == 1 else None

    def frame(self, signal: np.ndarray) -> np.ndarray:
        """Windows of a continuous recording, as this pipeline cuts them."""
        return frame(signal, self.window_length, self.hop)
