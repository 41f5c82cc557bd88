"""sensorflow: machine learning on sensor data at the edge."""

__version__ = "0.1.0"

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


def __getattr__(name):
    if name == "Pipeline":
        from .pipeline import Pipeline

        return Pipeline
    if name == "from_sklearn":
        from .interop.sklearn import from_sklearn

        return from_sklearn
    raise AttributeError(name)


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
]
