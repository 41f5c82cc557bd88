"""Common part of the model stages: classes, predict / predict_proba, specs.

A model is trained with scikit-learn in ``_fit`` and keeps only plain arrays / JSON (names
ending in ``_``); inference is numpy on those arrays and reproduces scikit-learn's
``predict`` exactly and ``predict_proba`` to float64 rounding. ``transform`` returns the
probabilities in the input dtype (float32 in pipelines), in the order of ``classes_``.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from ...errors import DataError, NotFittedError
from ...labels import unique_natural
from ...spec import Spec
from ..base import Stage, Tags

UNFITTED_SCORES = Spec("scores", (0,), None, ())
"""Output spec of a model whose classes are not known yet (before ``fit``)."""


class Model(Stage):
    tags = Tags(role="model", trainable=True, supervised=True)
    task: ClassVar[str] = "classification"
    """``classification`` (scores are class probabilities) or ``regression`` (one value, ``regression.py``)."""

    def __init__(self, params=None, **kwargs):
        super().__init__(params, **kwargs)
        self.classes_: list | None = None

    # ------------------------------------------------------------------ specs
    def output_spec(self, input_spec: Spec) -> Spec:
        if self.classes_ is None:
            return UNFITTED_SCORES
        return Spec.scores(self.classes_)

    def _learned_classes(self, y: np.ndarray) -> np.ndarray:
        """Set ``classes_`` from the labels in natural order (``sensorflow.labels``); return the class
        index of each label. Estimators are fitted on these indices so their class order is ours."""
        y = np.asarray(y)
        if y.ndim != 1:
            raise DataError(f"stage '{self.name}': labels must be one per window, got shape {y.shape}")
        classes, codes = unique_natural(y)
        if len(classes) < 2:
            raise DataError(f"stage '{self.name}': needs at least two classes to learn, got {classes.tolist()}")
        self.classes_ = classes.tolist()
        return codes

    def _after_fit(self) -> None:
        if self.input_spec_ is not None:
            self.output_spec_ = Spec.scores(self.classes_)

    def load_learned(self, values) -> None:
        super().load_learned(values)
        if isinstance(self.classes_, np.ndarray):
            self.classes_ = self.classes_.tolist()
        self._after_fit()

    def check_learned(self, values) -> None:
        """The base checks, then ``classes_``: two or more unique labels, all strings or all integers."""
        super().check_learned(values)
        from ...errors import ArtifactError

        classes = values.get("classes_")
        if isinstance(classes, np.ndarray):
            classes = classes.tolist()
        if not isinstance(classes, list) or len(classes) < 2:
            raise ArtifactError(f"'classes_' should list two or more class labels, got {classes!r:.60}")
        if not (all(isinstance(c, str) for c in classes) or all(type(c) is int for c in classes)):
            raise ArtifactError("'classes_' should hold only strings or only integers")
        if len(set(classes)) != len(classes):
            raise ArtifactError("'classes_' lists a class twice")

    def _learned_n_features(self) -> int | None:
        """Features the model receives as bound in its pipeline (None when used alone, unbound)."""
        spec = self.input_spec_
        return int(spec.shape[0]) if spec is not None and len(spec.shape) == 1 else None

    # ------------------------------------------------------------------ inference
    def _checked(self, X) -> np.ndarray:
        X = self.check_input(X)
        if not self.is_fitted():
            raise NotFittedError(f"stage '{self.name}' is not fitted; call fit() or train the pipeline first")
        return X

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities in float64, equal to scikit-learn's ``predict_proba``."""
        return self._proba(self._checked(X))

    def predict(self, X) -> np.ndarray:
        """Labels, equal to scikit-learn's ``predict``."""
        X = self._checked(X)
        return np.asarray(self.classes_)[self._predict_index(X)]

    def _transform(self, X: np.ndarray) -> np.ndarray:
        return self._proba(X).astype(X.dtype, copy=False)

    def _proba(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _predict_index(self, X: np.ndarray) -> np.ndarray:
        return np.argmax(self._proba(X), axis=1)

    @property
    def n_classes(self) -> int:
        return len(self.classes_) if self.classes_ is not None else 0

    @property
    def n_features(self) -> int:
        return int(self.input_spec_.shape[0])
