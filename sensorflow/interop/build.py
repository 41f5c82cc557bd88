"""A pipeline whose model is an ONNX file: the feature stages of a base pipeline, then the
stages the graph maps to (``sensorflow.interop.onnx_import``)."""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError


def pipeline_with_onnx(base, onnx_path, classes=None):
    """``base`` (a Pipeline) with its model stage replaced by ``type: onnx`` at ``onnx_path``
    (resolved at once by ``Pipeline``, which also turns cross-validation off)."""
    from ..pipeline import Pipeline
    from ..stages.models.imported import OnnxModel

    cfg = base.config
    entry = OnnxModel.Params(path=str(Path(onnx_path).resolve()), classes=classes)
    roles = [s.tags.role for s in base.stages]
    stages = list(cfg.stages)
    if "model" in roles:
        stages[roles.index("model")] = entry
    else:
        stages.insert(roles.index("post") if "post" in roles else len(stages), entry)
    cfg = cfg.model_copy(update={"stages": stages})
    try:
        return Pipeline(cfg, base._lines, base._source)
    except ConfigError as exc:
        raise ConfigError(exc.message.replace(str(Path(onnx_path).resolve()), str(onnx_path))) from None
