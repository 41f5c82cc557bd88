"""What flows between stages: the shape of one window's data at each point of a pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

Kind = Literal["signal", "vector", "scores"]


@dataclass(frozen=True)
class Spec:
    """Shape of one window's data.

    - ``signal``: ``(length, n_channels)`` samples at ``sample_rate`` Hz;
    - ``vector``: ``(n_features,)`` feature values, ``names`` one per feature;
    - ``scores``: ``(n_classes,)`` class probabilities or an anomaly score, ``names`` the classes.

    A batch is an array of shape ``(n_windows, *shape)``.
    """

    kind: Kind
    shape: tuple[int, ...]
    sample_rate: float | None = None
    names: tuple[str, ...] = field(default=())

    @staticmethod
    def signal(length: int, n_channels: int, sample_rate: float, names=()) -> Spec:
        names = tuple(names) or tuple(f"ch{i}" for i in range(n_channels))
        return Spec("signal", (int(length), int(n_channels)), float(sample_rate), names)

    @staticmethod
    def vector(names) -> Spec:
        names = tuple(names)
        return Spec("vector", (len(names),), None, names)

    @staticmethod
    def scores(classes) -> Spec:
        classes = tuple(str(c) for c in classes)
        return Spec("scores", (len(classes),), None, classes)

    @property
    def length(self) -> int:
        return self.shape[0]

    @property
    def n_channels(self) -> int:
        return self.shape[1] if self.kind == "signal" else 1

    @property
    def size(self) -> int:
        n = 1
        for s in self.shape:
            n *= s
        return n

    def with_(self, **kw) -> Spec:
        return replace(self, **kw)
