"""MiniRocket features (Dempster, Schmidt & Webb, KDD 2021): ``minirocket``.

The numpy float32 reference is ``sensorflow.dsp.minirocket`` (conventions in its docstring); with
aeon's fitted parameters loaded (``dsp.minirocket.from_aeon_parameters``) the features equal
aeon's MiniRocket transform. ``n_features`` is rounded down to a multiple of 84, as aeon does.

``keep: k`` prunes after fitting, as Detach-ROCKET's sequential feature detachment does: fit a
ridge classifier with cross-validated alpha (``RidgeClassifierCV``, alphas ``10^-3 .. 10^3``,
on standardised features), drop the features it weighs least (sum over classes of ``|coef|``),
keep ``keep_ratio`` of them per round, refit, until ``k`` remain (Detach-ROCKET drops 5% a
round; on ACSF1 keeping 0.8 a round instead of 0.5 cross-validated worse at k = 100: 0.66 vs 0.77). Only the kept
(kernel, dilation, bias, channel combination) entries are stored, so only they are computed,
on the host and on a device; the head that follows is trained on the kept features.

Pruning is a stage parameter rather than a step after the head is fitted because a pipeline fits
its stages in order: the feature stage has to know what it computes before the head learns from
it. Ranking with its own ridge on its own training data keeps the pipeline a straight chain, the
artifact holds only the kept entries, and the head (``ridge_classifier``, ``logistic``) is trained
on exactly the features the device computes. Choose ``keep`` by cross-validation on training data
(``tests/features/minirocket_accuracy.py`` does so).

Windows must have at least 9 samples. Recordings shorter than the window (JapaneseVowels: 7 to
29 samples) become one window as ``window.pad`` says (resample, edge or zero; the kernels read
zeros beyond the window's ends, so zero padding adds outputs near zero that the biases, fitted
on padded training windows, see as well). ``pad: valid`` computes over the recording's own
samples (any length >= 1): the convolution reads zeros beyond its ends, PPV over its n outputs
or its valid part ``[4d, n - 4d)`` (all n outputs when that part is empty), and the fit takes
each bias from the picked training recording's own samples (``dsp.minirocket.fit`` ``lengths``).

Learned arrays (one entry per output feature, in output order): ``kernel_`` (0..83),
``dilation_``, ``padding_`` (1: PPV over the zero-padded full length, 0: over the valid part),
``bias_`` (float32), ``combination_`` (index of its channel combination), and the combinations
as ``combination_offsets_`` / ``combination_channels_``; ``selected_``: indices of the kept
features among the unpruned ones.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from ..cost import Cost
from ..dsp import minirocket as mr
from ..dsp.params import RateFree, sample_rate_of
from ..errors import ConfigError, DataError
from ..registry import register
from ..spec import Spec
from .base import Stage, StageParams, Tags

RANKING_ALPHAS = tuple(np.logspace(-3, 3, 10).tolist())  # aeon's MiniRocketClassifier ridge
UNROLL_MAX = 4096  # at most this many features: the C export is straight-line code
UNROLL_BLOCK = 12  # features the straight-line C counts in one pass over the window


@register
class MiniRocket(RateFree, Stage):
    """PPV features of the 84 MiniRocket kernels over fitted dilations and biases."""

    name = "minirocket"
    tags = Tags(role="feature", trainable=True)

    class Params(StageParams):
        type: Literal["minirocket"] = "minirocket"
        n_features: int = Field(10_000, ge=84, description="features before pruning (rounded down to 84 k)")
        max_dilations_per_kernel: int = Field(32, ge=1, description="as aeon's MiniRocket")
        random_state: int = Field(0, ge=0, description="seed of the bias windows and channel combinations")
        keep: int | None = Field(None, ge=1, description="keep only the k features a ridge head weighs most")
        keep_ratio: float = Field(0.5, gt=0, lt=1, description="fraction kept per pruning round")
        sample_rate: float | None = Field(None, gt=0, description="only when used alone (Hz)")

    def __init__(self, params=None, **kwargs):
        super().__init__(params, **kwargs)
        self.kernel_ = None

    @classmethod
    def examples(cls):
        return [
            {"n_features": 168},
            {"n_features": 840, "keep": 50},
            {"n_features": 84, "max_dilations_per_kernel": 1},
            {"n_features": 252, "keep": 40, "random_state": 1},  # one channel: the C export's straight-line path
        ]

    @classmethod
    def example_input(cls, params, rng):
        n, L, C = 24, 64, (1 if params.get("random_state") == 1 else 3)
        y = np.arange(n) % 2
        t = np.arange(L)[None, :, None]
        X = rng.standard_normal((n, L, C)) + np.sin(t * (0.2 + 0.3 * y[:, None, None]))
        return Spec.signal(L, C, 1.0), X.astype(np.float32), (y if params.get("keep") else None)

    def _n_out(self) -> int:
        if self.kernel_ is not None:
            return len(self.kernel_)
        total = mr.N_KERNELS * (self.params.n_features // mr.N_KERNELS)
        return min(total, self.params.keep) if self.params.keep else total

    def output_spec(self, input_spec):
        sample_rate_of(self, input_spec)
        if input_spec.length < 9:
            raise ConfigError(
                f"stage 'minirocket': the window has {input_spec.length} samples but the kernels need 9; "
                "lengthen the window"
            )
        return Spec.vector([f"ppv{i}" for i in range(self._n_out())])

    def computes_over_valid_length(self) -> bool:
        return True  # zeros beyond the recording's ends, as beyond the window's

    def fit_valid(self, X, y, n_valid):
        X = self.check_input(X)
        self._fit(X, y, np.asarray(n_valid, dtype=np.int64))
        return self

    def _fit(self, X, y, lengths=None):
        p = self.params
        if p.keep is not None and y is None:
            raise DataError("stage 'minirocket': keep needs labels to rank the features; fit it with y")
        learned = mr.fit(X, p.n_features, p.max_dilations_per_kernel, p.random_state, lengths=lengths)
        selected = np.arange(len(learned["bias_"]))
        if p.keep is not None and p.keep < len(selected):
            F = mr.transform(X, learned) if lengths is None else mr.transform_lengths(X, learned, lengths)
            selected = detach(F, np.asarray(y), p.keep, p.keep_ratio)
            learned = mr.subset(learned, selected)
        self.load_learned({**learned, "selected_": selected})
        if self.input_spec_ is not None:
            self.output_spec_ = self.output_spec(self.input_spec_)

    def load_learned(self, values):
        super().load_learned(values)
        if self.input_spec_ is not None and self.kernel_ is not None:
            self.output_spec_ = self.output_spec(self.input_spec_)

    def learned_arrays(self) -> dict:
        return {k: getattr(self, k) for k in LEARNED}

    def _transform(self, X):
        if X.shape[2] <= int(np.max(self.combination_channels_, initial=-1)):
            raise DataError(f"stage 'minirocket': fitted on more channels than the input's {X.shape[2]}; refit")
        return mr.transform(X, self.learned_arrays()).astype(X.dtype, copy=False)

    def cost(self, board=None):
        """M4F instructions as the C export computes (measured, ``tests/features/minirocket_device_cost.py``).
        At most ``UNROLL_MAX`` features (straight-line C): per dilation the tap sums (22 a sample;
        several channels: of each channel), per block of up to 12 features of a dilation 16, per
        feature 5 (shared partial sums, one add, sign-bit count), several channels: per convolution
        4 a channel and per feature 50; flash about 84 B a feature and 190 a pass. Otherwise
        sf_minirocket_f32: per dilation and channel the tap sums and 3 x (26 a sample), per
        convolution and channel 12, per feature 5."""
        L, C = self.input_spec_.length, self.input_spec_.n_channels
        m = self._n_out()
        if self.kernel_ is None:  # before fit: one channel per combination, 4 biases per convolution
            n_dil, groups, chans, d_max = min(32, m // 84 or 1), max(1, m // 4), max(1, m // 4), (L - 1) // 8
            n_dil_1 = min(32, 4 * int(np.log2(max(L - 1, 8) / 8)) + 1)  # the most a fit can give, about
            blocks = m // UNROLL_BLOCK + n_dil_1
        else:
            n_dil, d_max = len(np.unique(self.dilation_)), int(np.max(self.dilation_))
            keys = np.stack([self.dilation_, self.kernel_, self.combination_])
            first = np.unique(keys, axis=1, return_index=True)[1]
            groups = len(first)
            chans = int(np.sum(np.diff(self.combination_offsets_)[self.combination_[first]]))
            runs = self.dilation_ if C == 1 else np.stack([self.dilation_, self.padding_])  # a block: one run
            per_dil = np.unique(runs, axis=-1, return_counts=True)[1]
            blocks, n_dil_1 = int(np.sum(-(-per_dil // UNROLL_BLOCK))), n_dil
        if m <= UNROLL_MAX:  # several channels: per dilation the tap sums of each, per convolution 4 a channel
            ops = L * (10 * C + 22 * n_dil_1 * C + 16 * blocks + 5 * m + (4 * chans if C > 1 else 0))
            ops += (6 * C * L + 50 * m) if C > 1 else 0  # de-interleaving; per feature the division and store
            return Cost(flash_bytes=84 * m + 190 * blocks + 2000, ram_bytes=4 * C * (3 * L + 16 * d_max), ops=int(ops))
        ops = n_dil * C * L * 26 + chans * L * 12 + m * (L * 5 + 50)
        flash = 12 * m + 2 * (int(np.size(self.combination_channels_)) if self.kernel_ is not None else chans)
        flash += 2 * (groups + 1) + 252 + 1700  # kernel table; sf_minirocket text: 1560 B at -O2 on the M4F
        return Cost(flash_bytes=int(flash), ram_bytes=4 * (L + C * (2 * L + 8 * d_max)), ops=int(ops))


LEARNED = (
    "kernel_",
    "dilation_",
    "padding_",
    "bias_",
    "combination_",
    "combination_offsets_",
    "combination_channels_",
)


def detach(F: np.ndarray, y: np.ndarray, keep: int, ratio: float = 0.5, alphas=RANKING_ALPHAS) -> np.ndarray:
    """Indices (sorted) of the ``keep`` columns of F that survive sequential detachment:
    RidgeClassifierCV on standardised columns, keep the ``ratio`` with the largest summed
    ``|coef|``, refit, until ``keep`` remain (Uribarri et al., Detach-ROCKET, 2024)."""
    from sklearn.linear_model import RidgeClassifierCV

    F = np.asarray(F, dtype=np.float64)
    active = np.arange(F.shape[1])
    while len(active) > keep:
        x = F[:, active]
        std = x.std(axis=0)
        x = (x - x.mean(axis=0)) / np.where(std > 0, std, 1.0)
        coef = np.atleast_2d(RidgeClassifierCV(alphas=np.asarray(alphas)).fit(x, y).coef_)
        score = np.abs(coef).sum(axis=0)
        n_next = max(keep, int(len(active) * ratio))
        active = active[np.argsort(-score, kind="stable")[:n_next]]
    return np.sort(active)
