"""The host reference of an export whose model stage took the int8 path (``export --numeric``,
``sensorflow.stages.models.int8``): the pipeline's float features, then the int8 network's
labels and scores (``QNet`` / ``QConvNet`` forward, :func:`int8.scores`), which the device computes bit for
bit. HIL compares a board with this instead of the float model's probabilities."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

INT8_PREFIX = "integer: int8"


class Int8Reference:
    """A fitted pipeline whose ``predict_proba`` is the int8 model's (everything else delegated)."""

    def __init__(self, pipeline):
        from ..stages.models.int8_conv import quantize_model

        self._pipeline = pipeline
        self._net = quantize_model(pipeline.model)

    def __getattr__(self, name):
        return getattr(self._pipeline, name)

    def predict_proba(self, X, n_valid=None) -> np.ndarray:
        return self.proba_of_features(self._pipeline.transform(X, n_valid))

    def proba_of_features(self, F) -> np.ndarray:
        """The int8 model's scores of float features ``F`` (what :meth:`predict_proba` runs)."""
        from ..stages.models.int8 import scores

        return scores(self._net, self._net.forward(self._net.quantize_input(F))).astype(np.float64)

    def predict(self, X, n_valid=None) -> np.ndarray:
        return np.asarray(self._pipeline.classes_)[np.argmax(self.predict_proba(X, n_valid), axis=1)]


def model_is_int8(export_dir: Path) -> bool:
    """Does the export in ``export_dir`` (its ``export_report.json``) run the model stage in int8?"""
    path = Path(export_dir) / "export_report.json"
    if not path.is_file():
        return False
    try:
        rows = json.loads(path.read_text()).get("stages", [])
    except (OSError, ValueError, AttributeError):
        return False
    return any(isinstance(r, dict) and str(r.get("numeric", "")).startswith(INT8_PREFIX) for r in rows)


def reference_for(pipeline, export_dir: Path | None):
    """The pipeline, or its :class:`Int8Reference` when the export took the int8 path."""
    if export_dir is not None and pipeline.model is not None and model_is_int8(export_dir):
        return Int8Reference(pipeline)
    return pipeline
