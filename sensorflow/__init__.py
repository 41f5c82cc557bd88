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
    "stage",
    "__version__",
]
