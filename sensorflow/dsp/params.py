"""Checks shared by the DSP stages: where the sample rate comes from and what it allows."""

from __future__ import annotations

from ..errors import ConfigError
from ..spec import Spec


def sample_rate_of(stage, spec: Spec) -> float:
    """The bound signal's sample rate; a ``sample_rate`` param (for standalone use) must agree."""
    own = getattr(stage.params, "sample_rate", None)
    sr = spec.sample_rate
    if sr is None:
        if own is None:
            raise ConfigError(f"stage '{stage.name}' needs a sample rate; pass sample_rate=...", key=("sample_rate",))
        return float(own)
    if own is not None and abs(float(own) - float(sr)) > 1e-9 * sr:
        raise ConfigError(
            f"stage '{stage.name}' has sample_rate {own:g} Hz but its input runs at {sr:g} Hz; "
            "remove sample_rate (the pipeline's sensor sets it)",
            key=("sample_rate",),
        )
    return float(sr)


def check_below_nyquist(stage, key: str, freq: float, sr: float, what: str | None = None) -> None:
    """Refuse a frequency parameter above the Nyquist frequency of ``sr``."""
    nyq = sr / 2.0
    if freq > nyq * (1 + 1e-12):
        raise ConfigError(
            f"stage '{stage.name}': {what or key} {freq:g} Hz is above the Nyquist frequency "
            f"({nyq:g} Hz at {sr:g} Hz); lower {key} or raise the sample rate",
            key=(key,),
        )


def check_min_length(stage, key: str, need: int, length: int, what: str) -> None:
    """Refuse a window shorter than what a parameter needs."""
    if length < need:
        raise ConfigError(
            f"stage '{stage.name}': the window has {length} samples but {what} needs {need}; "
            f"lengthen the window or lower {key}",
            key=(key,),
        )


class RateFree:
    """Mixin for stages whose numbers do not depend on the sample rate (stats, dc_remove,
    pre_emphasis, magnitude): used alone they need no ``sample_rate`` (1 Hz is assumed)."""

    def _auto_bind(self, X):
        if self.input_spec_ is None and getattr(self.params, "sample_rate", None) is None and X.ndim == 3:
            self.bind(Spec.signal(X.shape[1], X.shape[2], 1.0))
            return
        super()._auto_bind(X)
