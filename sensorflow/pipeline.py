"""Pipeline: the stages of a YAML bound together; fit / transform / predict / stream.

Behaves as a scikit-learn classifier on batches of windows ``(n, length, n_channels)``.
Consecutive ``feature`` stages read the same signal and their vectors are concatenated
(as parallel processing blocks); every other stage feeds the next one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from . import config as config_mod
from . import registry
from .errors import ConfigError, DataError, NotFittedError
from .spec import Spec
from .windowing import Windower, frame


@dataclass
class Step:
    """One node of the bound pipeline: a single stage or a group of parallel feature stages."""

    indices: list[int]
    stages: list
    role: str
    output_spec: Spec


def run_steps(
    steps: list[Step], X: np.ndarray, y=None, fit: bool = False, upto: tuple[str, ...] = ("model", "post")
) -> np.ndarray:
    """Run bound steps in order (feature groups concatenated), stopping at the first step
    whose role is in ``upto``; with ``fit`` each stage is fitted on what reaches it."""
    out = X
    for step in steps:
        if step.role in upto:
            break
        if step.role == "feature":
            parts = [s.fit_transform(out, y) if fit else s.transform(out) for s in step.stages]
            out = np.concatenate([p.reshape(len(p), -1) for p in parts], axis=1)
        else:
            s = step.stages[0]
            out = s.fit_transform(out, y) if fit else s.transform(out)
    return out


class Pipeline:
    def __init__(self, config, lines: dict | None = None, source: str = "<pipeline>"):
        self.config = config
        self._lines = lines or {}
        self._source = source
        self.stages = [registry.get(p.type)(p) for p in config.stages]
        if any(hasattr(s, "resolve") for s in self.stages):
            self._resolve_imported()
        self.window_length, self.hop = config.window.samples(config.sensor.sample_rate)
        self.input_spec = Spec.signal(
            self.window_length, len(config.sensor.channels), config.sensor.sample_rate, config.sensor.channels
        )
        self.steps = self._bind()

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_yaml(cls, path) -> Pipeline:
        cfg, lines, shown = config_mod.load(path)
        return cls(cfg, lines, shown)

    @classmethod
    def from_string(cls, text: str, source: str = "<string>") -> Pipeline:
        cfg, lines, shown = config_mod.loads(text, source)
        return cls(cfg, lines, shown)

    def _resolve_imported(self) -> None:
        """Replace stages that load a model from a file (``type: onnx``) by the stages it maps to;
        the config then names those stages, so an artifact stores their arrays."""
        from pathlib import Path

        base = Path(self._source).parent if not self._source.startswith("<") else Path.cwd()
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

    def _error(self, exc: ConfigError, index: int) -> ConfigError:
        return self._located(exc.message, ("stages", index) + exc.key)

    def _located(self, message: str, key: tuple) -> ConfigError:
        """A ConfigError at ``key``'s line in this pipeline's file."""
        return ConfigError(message, key=key, file=self._source, line=config_mod.line_of(self._lines, key))

    def load_data(self, data: str | None = None):
        """The pipeline's dataset (``sensorflow.datasets.load_dataset``); a bad ``dataset:`` option
        (e.g. a recipe's) is reported at its line in the pipeline file."""
        from .datasets import load_dataset

        return self._locating(load_dataset, self.config, data)

    def check_data_options(self) -> None:
        """Check a recipe's ``dataset.options`` without building data (``sensorflow validate``)."""
        from .datasets.loading import check_recipe_options

        self._locating(check_recipe_options, self.config)

    def _locating(self, fn, *args):
        """``fn(*args)``, with a ConfigError that names only a key moved to that key's line here."""
        try:
            return fn(*args)
        except ConfigError as exc:
            if exc.file is not None or not exc.key:
                raise
            raise self._located(exc.message, exc.key) from None

    def _bind(self) -> list[Step]:
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
        for s in self.stages:
            if s.tags.role == "model":
                return s
        return None

    @property
    def classes_(self) -> np.ndarray:
        m = self.model
        if m is None or getattr(m, "classes_", None) is None:
            raise NotFittedError(f"pipeline '{self.name}' has no fitted model")
        return np.asarray(m.classes_)

    @property
    def feature_spec(self) -> Spec:
        """Spec of what the model receives (or the last pre-model output)."""
        spec = self.input_spec
        for step in self.steps:
            if step.role in ("model", "post"):
                break
            spec = step.output_spec
        return spec

    # ------------------------------------------------------------------ batch
    def check_windows(self, X) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim == 2 and self.input_spec.n_channels == 1:
            X = X[:, :, None]
        if X.ndim != 3 or X.shape[1:] != self.input_spec.shape:
            raise DataError(
                f"pipeline '{self.name}' expects windows of shape (n, {self.window_length}, "
                f"{self.input_spec.n_channels}), got {X.shape}"
            )
        if X.dtype.kind != "f":
            X = X.astype(np.float32)
        return X

    def _run(self, X, upto: tuple[str, ...], y=None, fit: bool = False) -> np.ndarray:
        """Run steps until (not including) the first step whose role is in ``upto``."""
        return run_steps(self.steps, self.check_windows(X), y=y, fit=fit, upto=upto)

    def fit(self, X, y) -> Pipeline:
        y = np.asarray(y)
        if len(y) != len(X):
            raise DataError(f"got {len(X)} windows but {len(y)} labels")
        feats = self._run(X, upto=("model", "post"), y=y, fit=True)
        if self.model is not None:
            self.model.fit(feats, y)
        return self.rebind()

    def rebind(self) -> Pipeline:
        """Bind every stage again, e.g. once the model knows its classes (after fit or load)."""
        self.steps = self._bind()
        return self

    def transform(self, X) -> np.ndarray:
        """Features: what the model sees, ``(n, n_features)``."""
        return self._run(X, upto=("model", "post"))

    features = transform

    def predict_proba(self, X) -> np.ndarray:
        if self.model is None:
            raise NotFittedError(f"pipeline '{self.name}' has no model stage")
        return self.model.transform(self.transform(X))

    def decision_scores(self, X) -> np.ndarray:
        return self.predict_proba(X)

    def predict(self, X) -> np.ndarray:
        if self.model is None:
            raise NotFittedError(f"pipeline '{self.name}' has no model stage")
        return self.model.predict(self.transform(X))

    def score(self, X, y) -> float:
        return float(np.mean(self.predict(X) == np.asarray(y)))

    def get_params(self, deep: bool = True) -> dict:
        return {"config": self.config}

    def set_params(self, **params) -> Pipeline:
        if "config" in params:
            self.__init__(params["config"], self._lines, self._source)
        return self

    # ------------------------------------------------------------------ streaming
    def post_stages(self) -> list:
        return [s for s in self.stages if s.tags.role == "post"]

    def stream(self, chunks: Iterable[np.ndarray]) -> Iterator[dict]:
        """Feed chunks of raw samples ``(n, n_channels)`` of any length; yield one record per
        completed window: start time (s), scores, predicted label, and the post-processed
        output (``post``), in which a non-zero entry is an event for that class."""
        windower = Windower(self.window_length, self.hop, self.input_spec.n_channels)
        posts = self.post_stages()
        states = [p.init_state() for p in posts]
        classes = self.classes_
        sr = self.config.sensor.sample_rate
        for chunk in chunks:
            windows = windower.push(chunk)
            if not len(windows):
                continue
            first = windower.n_windows - len(windows)
            scores = self.predict_proba(windows)
            post = scores
            for k, p in enumerate(posts):
                states[k], post = p.process(states[k], post)
            for j in range(len(windows)):
                idx = first + j
                yield {
                    "window": idx,
                    "time": idx * self.hop / sr,
                    "scores": scores[j],
                    "label": classes[int(np.argmax(scores[j]))] if scores.shape[1] == len(classes) else None,
                    "post": post[j],
                }

    def frame(self, signal: np.ndarray) -> np.ndarray:
        """Windows of a continuous recording, as this pipeline cuts them."""
        return frame(signal, self.window_length, self.hop)
