"""sensorflow: machine learning on sensor data at the edge.

The Python API (see the README): ``load_pipeline``, ``load_windows``, ``train``, ``save``,
``load_artifact``, ``export``, ``run_hil`` and the scikit-learn estimator ``Pipeline``.
They are imported on first use, so ``import sensorflow`` stays light (no scikit-learn,
no matplotlib) and the ``sensorflow`` command starts fast."""

from .errors import (  # noqa: E402
    ArtifactError,
    BudgetExceededError,
    CodegenError,
    ConfigError,
    DataError,
    HILError,
    HILTimeout,
    NotFittedError,
    SensorflowError,
)
from .registry import stage  # noqa: E402
from .version import __version__

_API = ("load_pipeline", "load_windows", "train", "save", "load_artifact", "export", "run_hil")


def __getattr__(name):
    if name == "Pipeline":
        from .pipeline import Pipeline

        return Pipeline
    if name == "from_sklearn":
        from .interop.sklearn import from_sklearn

        return from_sklearn
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'sensorflow' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | {"Pipeline", "from_sklearn", *_API})


__all__ = [
    "ArtifactError",
    "BudgetExceededError",
    "CodegenError",
    "ConfigError",
    "DataError",
    "HILError",
    "HILTimeout",
    "NotFittedError",
    "SensorflowError",
    "Pipeline",
    "from_sklearn",
    "stage",
    "__version__",
    *_API,
]
