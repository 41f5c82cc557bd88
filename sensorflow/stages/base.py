"""The Stage base class: one pipeline step with four faces (params, numpy reference,
emitters registered by name in ``sensorflow.codegen``, cost). Conventions follow
scikit-learn: ``__init__`` only stores params, learned state lives in attributes ending in ``_``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from ..cost import Cost
from ..errors import ConfigError, DataError, NotFittedError
from ..spec import Spec

Role = Literal["signal", "feature", "vector", "model", "post"]


class StageParams(BaseModel):
    """Parameters of one stage as written in a pipeline YAML. Subclasses add
    ``type: Literal["name"] = "name"`` and their fields; unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Tags:
    """What a stage is and can do, in the manner of scikit-learn's estimator tags.

    role: ``signal`` (signal -> signal, per sample), ``feature`` (signal -> vector),
    ``vector`` (vector -> vector), ``model`` (vector -> scores), ``post`` (scores over
    successive windows -> scores/events).
    """

    role: Role
    trainable: bool = False
    supervised: bool = False
    stateful: bool = False
    streaming: bool = False
    dtypes: frozenset = field(default_factory=lambda: frozenset({"f32"}))


class Stage:
    """Base class of every registered stage.

    Subclasses set ``name``, ``Params`` and ``tags`` and implement ``output_spec`` and
    ``_transform`` (plus ``_fit`` if trainable, ``init_state``/``_process`` if streaming).
    """

    name: ClassVar[str]
    Params: ClassVar[type[StageParams]]
    tags: ClassVar[Tags]

    def __init__(self, params: StageParams | None = None, **kwargs: Any):
        if params is None:
            try:
                params = self.Params(**kwargs)
            except Exception as exc:  # pydantic.ValidationError
                raise ConfigError(_pydantic_one_line(exc), key=()) from None
        elif kwargs:
            raise TypeError("pass either a Params object or keyword arguments, not both")
        self.params = params
        self.input_spec_: Spec | None = None
        self.output_spec_: Spec | None = None

    # ------------------------------------------------------------------ params
    def get_params(self, deep: bool = True) -> dict:
        return self.params.model_dump(exclude={"type"})

    def set_params(self, **kwargs) -> Stage:
        self.params = self.Params(**{**self.params.model_dump(), **kwargs})
        self.input_spec_ = self.output_spec_ = None
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # ------------------------------------------------------------------ specs
    def output_spec(self, input_spec: Spec) -> Spec:
        """The spec of one window after this stage; raise ConfigError(key=(param,)) if the
        input does not suit the params (e.g. fmax above Nyquist)."""
        raise NotImplementedError

    def input_kind(self) -> str:
        return {"signal": "signal", "feature": "signal", "vector": "vector", "model": "vector", "post": "scores"}[
            self.tags.role
        ]

    def bind(self, input_spec: Spec) -> Spec:
        """Check this stage against its input and remember both specs."""
        if input_spec.kind != self.input_kind():
            raise ConfigError(
                f"stage '{self.name}' takes a {self.input_kind()} but gets a {input_spec.kind}; reorder the stages"
            )
        try:
            out = self.output_spec(input_spec)
        except Exception:  # a stage that set input_spec_ early must not stay half-bound
            self.input_spec_ = self.output_spec_ = None
            raise
        self.input_spec_, self.output_spec_ = input_spec, out
        return out

    def _auto_bind(self, X: np.ndarray) -> None:
        if self.input_spec_ is not None:
            return
        kind = self.input_kind()
        if kind == "signal":
            sr = getattr(self.params, "sample_rate", None)
            if sr is None:
                raise ConfigError(f"stage '{self.name}' used alone needs sample_rate=...", key=("sample_rate",))
            self.bind(Spec.signal(X.shape[1], X.shape[2], sr))
        elif kind == "vector":
            self.bind(Spec.vector([f"f{i}" for i in range(X.shape[1])]))
        else:
            self.bind(Spec.scores([str(i) for i in range(X.shape[1])]))

    def check_input(self, X) -> np.ndarray:
        """Coerce a batch to ``(n, *shape)`` float; refuse NaN/Inf and wrong shapes."""
        X = np.asarray(X)
        if X.dtype.kind not in "fiu":
            raise DataError(f"stage '{self.name}': expected numbers, got dtype {X.dtype}")
        if X.dtype.kind != "f":
            X = X.astype(np.float32)
        kind = self.input_kind()
        if kind == "signal" and X.ndim == 2:
            X = X[:, :, None]
        want_ndim = 3 if kind == "signal" else 2
        if X.ndim != want_ndim:
            raise DataError(
                f"stage '{self.name}': expected a batch of shape "
                f"{'(n_windows, length, n_channels)' if kind == 'signal' else '(n_windows, n_features)'}, got {X.shape}"
            )
        if X.shape[0] == 0:
            raise DataError(f"stage '{self.name}': got an empty batch")
        if not np.all(np.isfinite(X)):
            raise DataError(f"stage '{self.name}': input contains NaN or Inf; clean or interpolate the data first")
        self._auto_bind(X)
        if tuple(X.shape[1:]) != tuple(self.input_spec_.shape):
            raise DataError(
                f"stage '{self.name}': each window should have shape {self.input_spec_.shape}, got {X.shape[1:]}"
            )
        return X

    # ------------------------------------------------------------------ window.pad: valid
    def computes_over_valid_length(self) -> bool:
        """True when this (bound) feature stage computes over the first ``n_valid`` samples of a
        window on host, C and MicroPython alike (``window.pad: valid``; :meth:`transform_valid`)."""
        return False

    def min_valid_length(self) -> int:
        """Fewest valid samples this stage computes over (``pad: valid``; its features are defined)."""
        return 1

    def fit_valid(self, X, y, n_valid) -> Stage:
        """Fit on windows whose first ``n_valid[i]`` samples are the recording (``pad: valid``)."""
        raise ConfigError(f"stage '{self.name}' is fitted on windows; it cannot run with window.pad: valid")

    def transform_valid(self, X, n_valid: int) -> np.ndarray:
        """Output for windows whose first ``n_valid`` samples are the recording (``pad: valid``)."""
        X = self.check_input(X)
        lo = self.min_valid_length()
        if not lo <= n_valid <= X.shape[1]:
            raise DataError(
                f"stage '{self.name}': a recording of {n_valid} samples; window.pad: valid needs {lo} to "
                f"{X.shape[1]} here (use pad: resample, edge or zero for shorter ones)"
            )
        return self._transform(X[:, :n_valid])

    # ------------------------------------------------------------------ reference
    def fit(self, X, y=None) -> Stage:
        X = self.check_input(X)
        if self.tags.trainable:
            if self.tags.supervised and y is None:
                raise DataError(f"stage '{self.name}' needs labels to fit")
            self._fit(X, None if y is None else np.asarray(y))
        return self

    def transform(self, X) -> np.ndarray:
        X = self.check_input(X)
        if self.tags.trainable and not self.is_fitted():
            raise NotFittedError(f"stage '{self.name}' is not fitted; call fit() or train the pipeline first")
        return self._transform(X)

    def fit_transform(self, X, y=None) -> np.ndarray:
        return self.fit(X, y).transform(X)

    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        raise NotImplementedError

    def _transform(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def is_fitted(self) -> bool:
        return not self.tags.trainable or bool(self.learned())

    # ------------------------------------------------------------------ streaming
    def init_state(self) -> dict[str, np.ndarray]:
        """Fresh streaming state (arrays only, so it maps onto a C struct)."""
        return {}

    def process(self, state: dict, chunk) -> tuple[dict, np.ndarray]:
        """Streaming form: ``chunk`` is ``(n, *per-step shape)`` along time (samples for
        signal stages, windows for post stages). Returns the new state and the output for
        those n steps; concatenated outputs equal ``transform`` of the whole sequence."""
        if not self.tags.streaming:
            raise NotImplementedError(f"stage '{self.name}' has no streaming form")
        return self._process(state, np.asarray(chunk))

    def _process(self, state: dict, chunk: np.ndarray) -> tuple[dict, np.ndarray]:
        raise NotImplementedError

    # ------------------------------------------------------------------ learned state
    def learned(self) -> dict[str, Any]:
        """Learned attributes (names ending in ``_``) as arrays / JSON values."""
        return {
            k: v
            for k, v in vars(self).items()
            if k.endswith("_") and not k.startswith("_") and k not in ("input_spec_", "output_spec_") and v is not None
        }

    def load_learned(self, values: dict[str, Any]) -> None:
        for k, v in values.items():
            setattr(self, k, v)

    def check_learned(self, values: dict[str, Any]) -> None:
        """Check learned values read from an artifact, before ``load_learned`` sets them
        (``artifact.load`` calls it): names are learned-attribute names, arrays hold finite
        numbers, JSON values are plain. Stages with a schema (shapes, index ranges) extend it.
        Raises ArtifactError."""
        from .learned import check_array, check_json, check_name

        for key, value in values.items():
            check_name(type(self), key)
            if isinstance(value, np.ndarray):
                check_array(key, value)
            else:
                check_json(key, value)

    # ------------------------------------------------------------------ conformance examples
    @classmethod
    def examples(cls) -> list[dict]:
        """Parameter sets the conformance suite runs this stage with (default params first)."""
        return [{}]

    @classmethod
    def example_input(cls, params: dict, rng: np.random.Generator) -> tuple[Spec, np.ndarray, np.ndarray | None]:
        """An input spec and a batch (with labels for supervised stages) that suit ``params``."""
        role = cls.tags.role
        if role in ("signal", "feature"):
            sr = params.get("sample_rate") or 1000.0
            spec = Spec.signal(256, 2, sr)
            X = rng.standard_normal((12, 256, 2)).astype(np.float32)
            return spec, X, None
        if role in ("vector", "model"):
            n = 60
            y = np.arange(n) % 3
            X = (rng.standard_normal((n, 5)) + y[:, None]).astype(np.float32)
            return Spec.vector([f"f{i}" for i in range(5)]), X, y
        X = rng.dirichlet(np.ones(3), size=40).astype(np.float32)
        return Spec.scores(["a", "b", "c"]), X, None

    # ------------------------------------------------------------------ cost
    # (C and MicroPython code come from the emitters registered under the stage's name in
    # sensorflow.codegen: stages know nothing of code generation)
    def cost(self, board=None) -> Cost:
        """Flash, RAM and operations per window for this stage as bound to its input."""
        raise NotImplementedError


def _pydantic_one_line(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return str(exc)
    first = errors()[0]
    loc = ".".join(str(p) for p in first.get("loc", ()))
    msg = first.get("msg", str(exc))
    for prefix in ("Value error, ", "Assertion failed, "):  # as config._explain: our validators' own words
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    return f"{loc}: {msg}" if loc else msg
