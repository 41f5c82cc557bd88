"""Pipeline: a pipeline YAML as a scikit-learn classifier over windows ``(n, length, n_channels)``.

It follows the scikit-learn estimator contract (``BaseEstimator``/``ClassifierMixin``):
``__init__`` stores its parameters, ``fit`` builds and fits the stages (see
:mod:`sensorflow.graph` for how they are bound), ``get_params``/``set_params`` expose each
stage's parameters as ``<stage>__<param>`` (the stage's ``type``; ``<type>-1``, ``<type>-2``
when a type appears twice, as ``make_pipeline`` names steps), so ``clone``,
``cross_val_score`` and ``GridSearchCV`` work. A single-channel pipeline also takes
``(n, length)``, and one whose windows are a single sample ``(n, channels)``: a feature matrix.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Iterator, Mapping

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.exceptions import NotFittedError as _SklearnNotFittedError
from sklearn.utils.multiclass import check_classification_targets

from . import config as config_mod
from .errors import ConfigError, DataError, NotFittedError
from .graph import StageGraph, Step, run_steps
from .windowing import VALID_PAD, Windower, to_window, valid_length

__all__ = ["Pipeline", "PipelineNotFittedError", "Step", "run_steps"]


class PipelineNotFittedError(NotFittedError, _SklearnNotFittedError):
    """Predicting before ``fit``: a sensorflow error that is also scikit-learn's NotFittedError."""


class Pipeline(ClassifierMixin, TransformerMixin, BaseEstimator):
    """A sensorflow pipeline as a scikit-learn classifier.

    Parameters
    ----------
    config : PipelineConfig, dict or path
        The pipeline: a validated config, the YAML's contents as a dict, or a YAML file.
        Validated and built when first used (``Pipeline.from_yaml`` does it at once).
    lines : dict, optional
        ``{key path: line}`` of the YAML it came from, so that errors name the line.
    source : str, optional
        The file name errors show (default ``<pipeline>``).
    """

    def __init__(self, config=None, lines=None, source=None):
        self.config = config
        self.lines = lines
        self.source = source

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_yaml(cls, path) -> Pipeline:
        """Read, validate and bind a pipeline YAML (errors name the file and line)."""
        cfg, lines, shown = config_mod.load(path)
        return cls(cfg, lines, shown)._build()

    @classmethod
    def from_string(cls, text: str, source: str = "<string>") -> Pipeline:
        cfg, lines, shown = config_mod.loads(text, source)
        return cls(cfg, lines, shown)._build()

    def _validated(self):
        """``config`` as a validated PipelineConfig (with the lines and file name of a YAML path)."""
        cfg = self.config
        if cfg is None:
            raise ConfigError("Pipeline() needs a config: use Pipeline.from_yaml(path) or Pipeline(config_dict)")
        if isinstance(cfg, (str, os.PathLike)):
            cfg, lines, shown = config_mod.load(cfg)
            return cfg, lines, shown
        if isinstance(cfg, Mapping):
            return config_mod.validate(dict(cfg), self._lines, self._source), self._lines, self._source
        if not hasattr(cfg, "stages") or not hasattr(cfg, "sensor"):
            raise ConfigError(f"config must be a PipelineConfig, a dict or a YAML path, got {type(cfg).__name__}")
        return cfg, self._lines, self._source

    def _build(self) -> Pipeline:
        """(Re)build the stages from the parameters; fitted state is dropped."""
        imported = self.__dict__.get("_imported")
        if imported is not None and self.config is imported[-1]:
            graph = StageGraph(*imported[:-1])  # fit again: read the model file again, never train it
        else:
            graph = StageGraph(*self._validated())
        if graph.resolved:  # a `type: onnx` stage became the stages it maps to: they are the config now
            self._imported = (graph.source_config, graph.lines, graph.source, graph.config)
            self.config = graph.config
        self._built = ((self.config, self.lines, self.source), graph)
        return self

    @property
    def _graph(self) -> StageGraph:
        """The built stages. Parameters changed (``set_params`` or assignment) rebuild them if
        unfitted; a fitted pipeline keeps its fitted stages until the next ``fit`` (as in
        scikit-learn), and a config edited in place becomes theirs (e.g. a new threshold)."""
        built = self.__dict__.get("_built")
        key = (self.config, self.lines, self.source)
        if built is None:
            return self._build()._built[1]
        if any(a is not b for a, b in zip(built[0], key)):
            graph = built[1]
            model = graph.model
            if model is None or getattr(model, "classes_", None) is None:
                return self._build()._built[1]
            if hasattr(self.config, "stages") and hasattr(self.config, "sensor"):
                graph.config = self.config
            self._built = (key, graph)
        return self._built[1]

    @property
    def _lines(self) -> dict:
        return self.lines or {}

    @property
    def _source(self) -> str:
        return self.source or "<pipeline>"

    # ------------------------------------------------------------------ the bound stages
    @property
    def stages(self) -> list:
        return self._graph.stages

    @property
    def steps(self) -> list[Step]:
        return self._graph.steps

    @property
    def window_length(self) -> int:
        return self._graph.window_length

    @property
    def hop(self) -> int:
        return self._graph.hop

    @property
    def pad(self) -> str:
        """How a recording shorter than one window becomes one (``sensorflow.windowing.PAD_MODES``)."""
        return self._graph.pad

    @property
    def min_valid_length(self) -> int:
        """``window.pad: valid``: fewest samples a recording may have (catch22: 10; else 1)."""
        return self._graph.min_valid

    def to_window(self, recording) -> np.ndarray:
        """One window from a recording ``(n >= 1, channels)`` as training cut it (``window.pad``):
        what the exports' ``<prefix>_to_window`` / ``Pipeline.to_window`` compute."""
        return to_window(recording, self.window_length, self.pad)

    def to_windows(self, recordings) -> tuple[np.ndarray, np.ndarray | None]:
        """One window per recording ``(n_i >= 1, channels)`` of any lengths (:meth:`to_window`) and,
        with ``window.pad: valid``, how many samples of each window are the recording
        (``min(n_i, window length)``, the device's ``n_valid``), else None."""
        X = np.stack([self.to_window(r) for r in recordings]) if len(recordings) else None
        if X is None:
            raise DataError(f"pipeline '{self.name}': no recordings given")
        if self.pad != VALID_PAD:
            return X, None
        return X, np.array([valid_length(np.asarray(r), self.window_length) for r in recordings], dtype=np.int64)

    def windows_with_lengths(self, X, n_valid) -> tuple[np.ndarray, np.ndarray | None]:
        """(windows, n_valid): recordings of different lengths become windows (:meth:`to_windows`);
        a given ``n_valid`` is checked (``window.pad: valid`` only, one per window, 1..length)."""
        if isinstance(X, (list, tuple)) and len(X) and all(np.ndim(r) in (1, 2) for r in X):
            lengths = {len(r) for r in X}
            if len(lengths) > 1 or (np.ndim(X[0]) == 2 and lengths != {self.window_length}):
                if n_valid is not None:
                    raise DataError(f"pipeline '{self.name}': give recordings or windows with n_valid, not both")
                return self.to_windows(X)
        if n_valid is None:
            return X, None
        if self.pad != VALID_PAD:
            raise DataError(
                f"pipeline '{self.name}': n_valid needs window.pad: valid (this pipeline pads with {self.pad!r})"
            )
        n_valid = np.asarray(n_valid)
        L = self.window_length
        if n_valid.ndim != 1 or n_valid.dtype.kind not in "iu" or len(n_valid) != len(X):
            raise DataError(f"pipeline '{self.name}': n_valid must be one integer per window ({len(X)})")
        lo = self.min_valid_length
        if len(n_valid) and (n_valid.min() < lo or n_valid.max() > L):
            raise DataError(
                f"pipeline '{self.name}': n_valid must be {lo} to {L} (the window length); "
                "shorter recordings need window.pad: resample, edge or zero"
            )
        return X, n_valid.astype(np.int64)

    @property
    def input_spec(self):
        return self._graph.input_spec

    @property
    def feature_spec(self):
        """Spec of what the model receives (or the last pre-model output)."""
        return self._graph.feature_spec

    @property
    def name(self) -> str:
        return self._graph.name

    @property
    def model(self):
        return self._graph.model

    @property
    def task(self) -> str | None:
        """``classification`` or ``regression`` (from the model stage), None without a model."""
        m = self.model
        return None if m is None else m.task

    @property
    def classes_(self) -> np.ndarray:
        m = self.model
        if m is None or getattr(m, "classes_", None) is None:
            raise PipelineNotFittedError(f"pipeline '{self.name}' has no fitted model; call fit first")
        return np.asarray(m.classes_)

    def __sklearn_is_fitted__(self) -> bool:
        m = self.model
        return m is not None and getattr(m, "classes_", None) is not None

    def post_stages(self) -> list:
        return self._graph.post_stages()

    def check_windows(self, X) -> np.ndarray:
        return self._graph.check_windows(X)

    def frame(self, signal: np.ndarray) -> np.ndarray:
        """Windows of a continuous recording, as this pipeline cuts them."""
        return self._graph.frame(signal)

    def _located(self, message: str, key: tuple) -> ConfigError:
        return self._graph.located(message, key)

    def load_data(self, data: str | None = None):
        """The pipeline's dataset (``sensorflow.datasets.load_dataset``); a bad ``dataset:`` option
        (e.g. a recipe's) is reported at its line in the pipeline file."""
        from .datasets import load_dataset

        return self._graph.locating(load_dataset, self._graph.config, data)

    def check_data_options(self) -> None:
        """Check a recipe's ``dataset.options`` without building data (``sensorflow validate``)."""
        self._graph.check_data_options()

    def rebind(self) -> Pipeline:
        """Bind every stage again, e.g. once the model knows its classes (after fit or load)."""
        self._graph.steps = self._graph.bind()
        return self

    # ------------------------------------------------------------------ scikit-learn parameters
    def _stage_names(self) -> list[str]:
        types = [s.type for s in self._graph.config.stages]
        seen: dict[str, int] = {}
        names = []
        for t in types:
            seen[t] = seen.get(t, 0) + 1
            names.append(f"{t}-{seen[t]}" if types.count(t) > 1 else t)
        return names

    def get_params(self, deep: bool = True) -> dict:
        """``config``, ``lines``, ``source``; with ``deep``, also ``<stage>__<param>`` per stage parameter."""
        params = super().get_params(deep=False)
        if not deep:
            return params
        try:
            graph = self._graph
        except (ConfigError, DataError):  # not a usable config (yet): only the top-level parameters
            return params
        for name, p in zip(self._stage_names(), graph.config.stages):
            for field in type(p).model_fields:
                if field != "type":
                    params[f"{name}__{field}"] = getattr(p, field)
        return params

    def set_params(self, **params) -> Pipeline:
        """Set ``config``/``lines``/``source``, or a stage parameter ``<stage>__<param>`` (the
        config is validated again, so a bad value is a ConfigError naming the stage)."""
        nested = {k: v for k, v in params.items() if "__" in k}
        super().set_params(**{k: v for k, v in params.items() if "__" not in k})
        if not nested:
            return self
        graph = self._graph
        names = self._stage_names()
        data = graph.config.model_dump()
        for key, value in nested.items():
            stage, _, field = key.partition("__")
            if stage not in names:
                raise ValueError(f"Invalid parameter {stage!r} for estimator {self!r}; stages: {', '.join(names)}")
            i = names.index(stage)
            fields = [f for f in type(graph.config.stages[i]).model_fields if f != "type"]
            if field not in fields:
                raise ValueError(f"Invalid parameter {field!r} for stage {stage!r}; parameters: {', '.join(fields)}")
            data["stages"][i][field] = value
        self.config = config_mod.validate(data, self._lines, self._source)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        try:
            two_d = self._graph.width_2d is not None
            has_model = self._graph.model is not None
        except (ConfigError, DataError):
            two_d, has_model = False, True
        tags.input_tags.two_d_array = two_d  # (n, length) for one channel, (n, channels) for one-sample windows
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = False
        tags.requires_fit = True
        tags.transformer_tags.preserves_dtype = []  # transform: windows -> the model's features (float32)
        tags.target_tags.required = has_model
        try:
            regression = self._graph.model is not None and self._graph.model.task == "regression"
        except (ConfigError, DataError):
            regression = False
        if regression:  # a regression model: scikit-learn's is_regressor, R² as score
            from sklearn.utils import RegressorTags

            tags.estimator_type, tags.classifier_tags, tags.regressor_tags = "regressor", None, RegressorTags()
        return tags

    def score(self, X, y, sample_weight=None) -> float:
        """Accuracy (``ClassifierMixin.score``); R² for a regression model, as scikit-learn's regressors."""
        if self.task == "regression":
            from sklearn.metrics import r2_score

            from .stages.models.regression import regression_targets

            return float(r2_score(regression_targets(y), self.predict(X), sample_weight=sample_weight))
        return super().score(X, y, sample_weight=sample_weight)

    def __repr__(self, N_CHAR_MAX: int = 700) -> str:
        try:
            g = self._graph
            what = f"'{g.name}': " + " -> ".join(s.name for s in g.stages)
        except (ConfigError, DataError):
            return super().__repr__(N_CHAR_MAX)
        return f"Pipeline({what}{', from ' + self.source if self.source else ''})"

    # ------------------------------------------------------------------ batch
    def _windows(self, X) -> np.ndarray:
        """Windows as the stages take them; sparse, complex, NaN/inf and empty input refused with
        the messages scikit-learn's estimator checks look for."""
        if hasattr(X, "toarray"):
            raise DataError(f"pipeline '{self.name}': sparse input is not supported; pass dense windows")
        X = np.asarray(X)
        if X.dtype.kind == "c":
            raise DataError(f"pipeline '{self.name}': Complex data not supported; windows are real samples")
        if X.dtype.kind in "fiub" and not np.isfinite(X).all():
            raise DataError(f"pipeline '{self.name}': windows contain NaN or infinity; clean the data first")
        if X.ndim == 2 and X.shape[1] == 0:
            raise DataError(f"pipeline '{self.name}': 0 feature(s) (shape={X.shape}) while a minimum of 1 is required.")
        if X.ndim == 1:
            raise DataError(
                f"pipeline '{self.name}': got a 1-D array; Reshape your data: X.reshape(1, -1) for one window"
            )
        width = self._graph.width_2d
        if X.ndim == 2 and width is not None and X.shape[1] != width:  # scikit-learn's wording
            raise DataError(f"X has {X.shape[1]} features, but Pipeline is expecting {width} features as input")
        return self.check_windows(X)

    def _run(self, X, upto: tuple[str, ...], y=None, fit: bool = False, n_valid=None) -> np.ndarray:
        """Run steps until (not including) the first step whose role is in ``upto``."""
        X, n_valid = self.windows_with_lengths(X, n_valid)
        return run_steps(self.steps, self._windows(X), y=y, fit=fit, upto=upto, n_valid=n_valid)

    def fit(self, X, y, n_valid=None) -> Pipeline:
        """Build the stages afresh from the parameters and fit them on windows ``X``, labels ``y``
        (``X`` may also be recordings of different lengths; ``n_valid``: see :meth:`transform`)."""
        self._build()
        X, n_valid = self.windows_with_lengths(X, n_valid)
        if y is None:
            raise DataError(f"pipeline '{self.name}' requires y to be passed, but the target y is None")
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected (one label per window); using y.ravel()",
                DataConversionWarning,
                stacklevel=2,
            )
            y = y.ravel()
        if y.ndim != 1:
            raise DataError(f"labels must be one per window (1-D), got shape {y.shape}")
        if self.model is not None and self.task == "classification":
            check_classification_targets(y)  # "Unknown label type" for a continuous target
        X = self._windows(X)
        if len(y) != len(X):
            raise DataError(f"got {len(X)} windows but {len(y)} labels")
        feats = run_steps(self.steps, X, y=y, fit=True, upto=("model", "post"), n_valid=n_valid)
        if self.model is not None:
            self.model.fit(feats, y)
        self.n_features_in_ = self._graph.width_2d or self.window_length  # X.shape[1], as scikit-learn counts
        return self.rebind()

    def _fitted(self):
        if self.model is None:
            raise NotFittedError(f"pipeline '{self.name}' has no model stage")
        if not self.__sklearn_is_fitted__():
            raise PipelineNotFittedError(f"pipeline '{self.name}' is not fitted yet; call fit first")
        return self.model

    def transform(self, X, n_valid=None) -> np.ndarray:
        """Features: what the model sees, ``(n, n_features)``. ``X``: windows, or recordings of
        different lengths (one window each, as ``window.pad`` says); with ``window.pad: valid``,
        ``n_valid`` gives the valid samples of each window (the device's ``<prefix>_infer_n``)."""
        return self._run(X, upto=("model", "post"), n_valid=n_valid)

    features = transform

    def predict_proba(self, X, n_valid=None) -> np.ndarray:
        self._fitted()  # NotFittedError before any check of X (scikit-learn's estimator checks)
        return self.proba_of_features(self.transform(X, n_valid))

    def proba_of_features(self, features: np.ndarray) -> np.ndarray:
        """``predict_proba`` from :meth:`transform`'s output (the model stage alone)."""
        return self._fitted().transform(features)

    def decision_scores(self, X, n_valid=None) -> np.ndarray:
        return self.predict_proba(X, n_valid)

    def predict(self, X, n_valid=None) -> np.ndarray:
        model = self._fitted()
        return model.predict(self.transform(X, n_valid))

    def answerable(self, X, n_valid=None) -> np.ndarray:
        """Which windows get a class on the device: those whose samples and features are all
        finite. A finite window can still give NaN/Inf features (float32 overflow inside a stage,
        e.g. ``stats`` energy of 3e38 samples): the exports answer those ``SF_ERR_NONFINITE`` /
        ``NONFINITE`` too, and ``predict`` refuses them (docs/design.md, "Non-finite input")."""
        return self._defined_features(X, n_valid)[0]

    def _defined_features(self, X, n_valid=None) -> tuple[np.ndarray, np.ndarray]:
        """(which windows are answerable, the features of those windows)."""
        X, n_valid = self.windows_with_lengths(X, n_valid)
        X = np.asarray(X, dtype=np.float32)
        ok = np.isfinite(X).reshape(len(X), -1).all(axis=1)
        nv = (lambda rows: None) if n_valid is None else (lambda rows: n_valid[rows])
        idx = np.flatnonzero(ok)
        if not len(idx):
            return ok, np.empty((0, 0), np.float32)
        with np.errstate(over="ignore", invalid="ignore"):
            try:
                parts = [self.transform(X[idx], nv(idx))]
            except DataError:  # a stage refused a non-finite intermediate: find the windows one by one
                parts = []
                for i in idx:
                    try:
                        parts.append(self.transform(X[i : i + 1], nv(slice(i, i + 1))))
                    except DataError:
                        ok[i] = False
        F = np.concatenate(parts) if parts else np.empty((0, 0), np.float32)
        good = np.isfinite(F).all(axis=1)
        ok[np.flatnonzero(ok)] = good
        return ok, F[good]

    # ------------------------------------------------------------------ streaming
    def stream(self, chunks: Iterable[np.ndarray]) -> Iterator[dict]:
        """Feed chunks of raw samples ``(n, n_channels)`` of any length; yield one record per
        completed window: start time (s), scores, predicted label, and the post-processed
        output (``post``), in which a non-zero entry is an event for that class; ``status`` is
        ``"ok"``. A window holding a NaN or Inf sample (or whose features do) gets ``status`` ``"nonfinite"`` and None
        for scores, label and post, and does not advance the post stages, as the exported C
        (``SF_ERR_NONFINITE``) and MicroPython (``NONFINITE``) do (docs/design.md)."""
        windower = Windower(self.window_length, self.hop, self.input_spec.n_channels)
        posts = self.post_stages()
        states = [p.init_state() for p in posts]
        classes = self.classes_
        sr = self._graph.config.sensor.sample_rate
        for chunk in chunks:
            windows = windower.push(chunk)
            if not len(windows):
                continue
            first = windower.n_windows - len(windows)
            ok, feats = self._defined_features(windows)
            if ok.any():
                scores = self._fitted().transform(feats)
                post = scores
                for k, p in enumerate(posts):
                    states[k], post = p.process(states[k], post)
            row = 0  # row of scores/post: finite windows only
            for j in range(len(windows)):
                idx = first + j
                rec = {"window": idx, "time": idx * self.hop / sr}
                if not ok[j]:
                    yield {**rec, "status": "nonfinite", "scores": None, "label": None, "post": None}
                    continue
                yield {
                    **rec,
                    "status": "ok",
                    "scores": scores[row],
                    "label": classes[int(np.argmax(scores[row]))] if scores.shape[1] == len(classes) else None,
                    "post": post[row],
                }
                row += 1
