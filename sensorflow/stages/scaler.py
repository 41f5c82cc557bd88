"""Feature scaling learned in ``fit``: ``scaler`` (standard or min-max), following
scikit-learn's StandardScaler and MinMaxScaler (a constant feature gets scale 1, with
sklearn's tests for "constant": ``var <= n eps var + (n mean eps)^2`` and ``range < 10 eps``)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, field_validator

from ..cost import Cost
from ..errors import DataError
from ..registry import register
from .base import Stage, StageParams, Tags

_EPS = np.finfo(np.float64).eps


@register
class Scaler(Stage):
    """``standard``: ``(x - mean_) / scale_`` with ``scale_`` the population std;
    ``minmax``: ``x * scale_ + min_`` mapping the training range onto ``feature_range``.
    Learned attributes are float64 arrays; the transform runs in the input's dtype."""

    name = "scaler"
    tags = Tags(role="vector", trainable=True)

    class Params(StageParams):
        type: Literal["scaler"] = "scaler"
        method: Literal["standard", "minmax"] = Field("standard", description="standardise or rescale to a range")
        feature_range: tuple[float, float] = Field((0.0, 1.0), description="target range for minmax")
        clip: bool = Field(False, description="minmax: clip outputs to feature_range (sklearn clip)")

        @field_validator("feature_range")
        @classmethod
        def _increasing(cls, v):
            if not v[0] < v[1]:
                raise ValueError(f"must be (low, high) with low < high, got {tuple(v)}")
            return v

    @classmethod
    def examples(cls):
        return [{}, {"method": "minmax"}, {"method": "minmax", "feature_range": (-1.0, 1.0), "clip": True}]

    def output_spec(self, input_spec):
        return input_spec

    def _fit(self, X, y):
        x = X.astype(np.float64)
        for k in ("mean_", "var_", "data_min_", "data_max_", "min_"):
            self.__dict__.pop(k, None)
        if self.params.method == "standard":
            self.mean_ = x.mean(axis=0)
            self.var_ = x.var(axis=0)
            constant = self.var_ <= len(x) * _EPS * self.var_ + (len(x) * self.mean_ * _EPS) ** 2
            self.scale_ = np.where(constant, 1.0, np.sqrt(self.var_))
        else:
            lo, hi = self.params.feature_range
            self.data_min_ = x.min(axis=0)
            self.data_max_ = x.max(axis=0)
            data_range = self.data_max_ - self.data_min_
            self.scale_ = (hi - lo) / np.where(data_range < 10 * _EPS, 1.0, data_range)
            self.min_ = lo - self.data_min_ * self.scale_

    def check_learned(self, values) -> None:
        """The arrays of the configured method, one entry per feature."""
        super().check_learned(values)
        if not values:  # not fitted (saved before training)
            return
        from . import learned as L

        spec = self.input_spec_
        n = int(spec.shape[0]) if spec is not None and len(spec.shape) == 1 else None
        keys = ("mean_", "var_", "scale_") if self.params.method == "standard" else ("min_", "scale_")
        for key in keys:
            L.array(values, key, "f", shape=(n,))

    def _transform(self, X):
        need = ("mean_", "scale_") if self.params.method == "standard" else ("min_", "scale_")
        for k in need:
            v = getattr(self, k, None)
            if v is None or np.shape(v) != (X.shape[1],):
                raise DataError(
                    f"stage '{self.name}': learned {k} has shape {np.shape(v)} but the input has {X.shape[1]} "
                    "features; refit the scaler"
                )
        dt = X.dtype
        if self.params.method == "standard":
            return (X - np.asarray(self.mean_, dtype=dt)) / np.asarray(self.scale_, dtype=dt)
        out = X * np.asarray(self.scale_, dtype=dt) + np.asarray(self.min_, dtype=dt)
        if self.params.clip:
            lo, hi = self.params.feature_range
            out = np.clip(out, dt.type(lo), dt.type(hi))
        return out

    def cost(self, board=None):
        n = self.input_spec_.size
        return Cost(flash_bytes=8 * n + 64, ram_bytes=0, ops=(2 + 2 * self.params.clip) * n)
