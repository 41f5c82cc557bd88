"""Small dense networks, after ``sklearn.neural_network.MLPClassifier``.

The weights of every layer are kept flat in ``weights_``/``biases_`` with the layer widths in
``layer_sizes_`` (input, hidden..., output); ``layers()`` gives ``(W, b)`` per layer. The
forward pass is scikit-learn's ``_forward_pass_fast``: ``a = a @ W + b``, then the hidden
activation (relu / tanh / logistic / identity) in place; the output is softmax for several
classes and a single logistic unit for two (``predict_proba = [1 - p, p]``, predict ``p > 0.5``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np
from pydantic import Field

from ...cost import Cost
from ...registry import register
from ..base import StageParams
from .base import Model
from .int8 import calibration_ranges
from .linear import expit, softmax

_HIDDEN = {
    "relu": lambda a: np.maximum(a, 0, out=a),
    "tanh": lambda a: np.tanh(a, out=a),
    "logistic": lambda a: expit(a, out=a),
    "identity": lambda a: a,
}


class MLPParams(StageParams):
    """The params of ``mlp`` and ``mlp_regressor`` (scikit-learn's ``MLPClassifier`` /
    ``MLPRegressor``); each stage's ``Params`` sets ``type``."""

    type: str
    hidden_layer_sizes: list[int] = Field(default_factory=lambda: [32], description="width of each hidden layer")
    activation: Literal["relu", "tanh", "logistic", "identity"] = "relu"
    alpha: float = Field(1e-4, ge=0, description="L2 penalty")
    learning_rate_init: float = Field(1e-3, gt=0)
    max_iter: int = Field(500, ge=1)
    random_state: int = 0


class _DenseLayers:
    """The flat layer arrays shared by ``mlp`` and ``mlp_regressor``: loading them from a fitted
    scikit-learn MLP, checking them, and the forward pass up to the output activation."""

    def _estimator_kwargs(self) -> dict:
        p = self.params
        return dict(
            hidden_layer_sizes=tuple(p.hidden_layer_sizes),
            activation=p.activation,
            alpha=p.alpha,
            learning_rate_init=p.learning_rate_init,
            max_iter=p.max_iter,
            random_state=p.random_state,
        )

    def load_layers(self, est) -> None:
        """``coefs_``/``intercepts_`` of a fitted scikit-learn MLP as the flat arrays."""
        self.layer_sizes_ = [int(est.coefs_[0].shape[0])] + [int(W.shape[1]) for W in est.coefs_]
        self.weights_ = np.concatenate([W.ravel() for W in est.coefs_])
        self.biases_ = np.concatenate([b.ravel() for b in est.intercepts_])

    def _check_layers(self, values, n_out: int, outputs: str) -> None:
        """``layer_sizes_`` from n_features to ``n_out`` outputs (``outputs`` names them in the
        error); ``weights_``/``biases_`` flat, exactly as long as those layers need."""
        from ...errors import ArtifactError
        from .. import learned as L

        sizes = L.int_list(values, "layer_sizes_")
        n_features = self._learned_n_features()
        if len(sizes) < 2 or sizes[-1] != n_out:
            raise ArtifactError(f"'layer_sizes_' {sizes} does not end in {outputs}")
        if n_features is not None and sizes[0] != n_features:
            raise ArtifactError(f"'layer_sizes_' starts at {sizes[0]} inputs but the model gets {n_features} features")
        L.array(values, "weights_", "f", shape=(sum(a * b for a, b in zip(sizes[:-1], sizes[1:])),))
        L.array(values, "biases_", "f", shape=(sum(sizes[1:]),))

    def layers(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """``(W (n_in, n_out), b (n_out,))`` per layer, input to output."""
        wo = bo = 0
        sizes = list(self.layer_sizes_)
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            W = self.weights_[wo : wo + n_in * n_out].reshape(n_in, n_out)
            b = self.biases_[bo : bo + n_out]
            wo += n_in * n_out
            bo += n_out
            yield W, b

    def _dense_cost(self, n_out: int) -> Cost:
        """Flash, RAM and operations of the layers (``n_out`` outputs before fitting)."""
        sizes = self.layer_sizes_ or [self.n_features] + list(self.params.hidden_layer_sizes) + [n_out]
        n_w = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
        n_b = sum(sizes[1:])
        return Cost(flash_bytes=4 * (n_w + n_b) + 256, ram_bytes=4 * 2 * max(sizes), ops=n_w + 2 * n_b)

    def _output_layer(self, X) -> np.ndarray:
        """The output layer before its activation, ``(n, n_out)``: ``a @ W + b`` per layer with the
        hidden activation in place between them (scikit-learn's ``_forward_pass_fast``)."""
        a = np.asarray(X)
        layers = list(self.layers())
        hidden = _HIDDEN[self.params.activation]
        for i, (W, b) in enumerate(layers):
            a = a @ W
            a += b
            if i != len(layers) - 1:
                hidden(a)
        return a


@register
class MLP(_DenseLayers, Model):
    """``sklearn.neural_network.MLPClassifier``: dense layers with a relu / tanh / logistic / identity
    activation, softmax output (one logistic unit for two classes)."""

    name = "mlp"

    class Params(MLPParams):
        type: Literal["mlp"] = "mlp"

    def __init__(self, params=None, **kwargs):
        super().__init__(params, **kwargs)
        self.layer_sizes_ = self.weights_ = self.biases_ = None
        self.int8_ranges_ = None  # calibration for the int8 path (stages.models.int8)

    def _fit(self, X, y):
        from sklearn.neural_network import MLPClassifier

        codes = self._learned_classes(y)
        self.load_layers(MLPClassifier(**self._estimator_kwargs()).fit(X, codes))
        self.int8_ranges_ = calibration_ranges(self, X)
        self._after_fit()

    def check_learned(self, values) -> None:
        """``layer_sizes_`` from n_features to the outputs (1 for two classes, else one per class);
        ``weights_``/``biases_`` flat, exactly as long as those layers need."""
        super().check_learned(values)
        n_classes = len(values["classes_"])
        self._check_layers(values, 1 if n_classes == 2 else n_classes, f"the output layer for {n_classes} classes")

    def forward(self, X) -> np.ndarray:
        """Output layer activations: softmax ``(n, n_classes)``, or ``(n,)`` logistic for two classes."""
        a = self._output_layer(X)
        if a.shape[1] == 1:
            expit(a, out=a)
            return a.ravel()
        return softmax(a)

    def _proba(self, X):
        out = self.forward(X)
        if out.ndim == 1:
            return np.vstack([1 - out, out]).T.astype(np.float64)
        return out.astype(np.float64)

    def _predict_index(self, X):
        out = self.forward(X)
        return (out > 0.5).astype(np.int64) if out.ndim == 1 else np.argmax(out, axis=1)

    def cost(self, board=None) -> Cost:
        return self._dense_cost(max(self.n_classes, 2))

    @classmethod
    def examples(cls):
        return [
            {"hidden_layer_sizes": [8], "max_iter": 200},
            {"hidden_layer_sizes": [6, 4], "activation": "tanh", "max_iter": 200},
        ]
