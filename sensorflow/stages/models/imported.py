"""``type: onnx``: a model trained elsewhere, read from an ONNX file when the pipeline is built.

The stage never runs itself: ``Pipeline`` replaces it by what the graph maps to (see
``sensorflow.interop.onnx_import``: an ``mlp``, ``logistic``, ``decision_tree``,
``random_forest``, ``conv1d`` or ``svm`` stage with its learned arrays, plus ``scaler`` stages for a
leading ONNX Scaler). The path is relative to the pipeline YAML. Training the pipeline fits the
feature stages and keeps the imported model as it is (cross-validation is turned off: it would
fit a fresh stage); the artifact stores the mapped stages' arrays, not the .onnx file.
"""

from __future__ import annotations

import types
from pathlib import Path
from typing import Literal

from pydantic import Field

from ...errors import ConfigError
from ...registry import register
from ..base import StageParams
from .base import Model


@register
class OnnxModel(Model):
    """A classifier read from an ONNX file (mapped at load onto an mlp / logistic / tree / forest / conv1d / svm stage)."""

    name = "onnx"

    class Params(StageParams):
        type: Literal["onnx"] = "onnx"
        path: str = Field(description="the .onnx file, relative to the pipeline YAML")
        classes: list[str | int] | None = Field(
            None, description="class labels in score order (default: from the graph)"
        )

    @classmethod
    def examples(cls):
        return []  # needs a file; tested in tests/interop

    def resolve(self, base_dir: Path) -> list:
        """The fitted stages this file maps to, in order (scalers, then the model)."""
        from .onnx_mapping import load

        path = Path(self.params.path)
        if not path.is_absolute():
            path = Path(base_dir) / path
        try:
            imported = load(path, classes=self.params.classes)
        except ConfigError as exc:
            raise ConfigError(exc.message, key=("path",)) from None
        stages = list(imported.pre) + [imported.model]
        for s in stages:
            s.fit = types.MethodType(_keep, s)
            s.output_spec = types.MethodType(_width_checked(type(s).output_spec, imported.n_features, path), s)
        return stages


def _keep(self, X, y=None):
    """``fit`` of an imported stage: the learned arrays stay; only the input is checked."""
    self.check_input(X)
    return self


def _width_checked(output_spec, n: int, path: Path):
    def checked(self, input_spec):
        if input_spec.kind == "vector" and n is not None and input_spec.shape[0] != n:
            raise ConfigError(
                f"{path.name} takes {n} features but the stages before it compute {input_spec.shape[0]}; "
                "use the feature stages the model was trained on",
                key=("path",),
            )
        return output_spec(self, input_spec)

    return checked
