"""ONNX graphs onto sensorflow stages: the mapping lives beside the ``onnx`` stage that uses it
(:mod:`sensorflow.stages.models.onnx_mapping`, so stages never import this higher layer); this
module is its public name."""

from ..stages.models.onnx_mapping import SUPPORTED, Imported, from_model, load

__all__ = ["SUPPORTED", "Imported", "from_model", "load"]
