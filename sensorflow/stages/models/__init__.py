"""Model stages (role ``model``): vector -> class probabilities. Importing this package
registers every model; each module notes the scikit-learn estimator it reproduces."""

from . import anomaly, conv, imported, knn, linear, mlp, regression, trees  # noqa: F401  (registration on import)
from .base import Model

__all__ = ["Model"]
