"""Frequency-domain features of each channel of a window: ``fft``, ``band_energy``,
``spectral`` and ``envelope_spectrum``.

All four start from the same spectrum: frames of ``n_fft`` samples (default: the whole
window, one frame) every ``hop_length`` samples, no padding, multiplied by a periodic window
(scipy.signal.get_window), ``|rfft|`` (or ``|rfft|**2``) and averaged over the frames (a
Welch-style average without scaling). With one frame this is exactly
``abs(librosa.stft(x, n_fft=len(x), center=False, window=...))``.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import Field, field_validator

from .. import dsp
from ..cost import Cost
from ..dsp import fixed
from ..dsp.params import check_below_nyquist, check_min_length, sample_rate_of
from ..errors import ConfigError
from ..registry import register
from ..spec import Spec
from . import fixed_point
from .base import Stage, StageParams, Tags


class _SpectrumParams(StageParams):
    sample_rate: float | None = Field(None, gt=0, description="Hz; only when used alone (a pipeline's sensor sets it)")
    n_fft: int | None = Field(None, ge=4, le=65536, description="FFT length (samples); default the window length")
    hop_length: int | None = Field(
        None, ge=1, description="samples between frames when the window holds several n_fft frames; default n_fft // 2"
    )
    window: str = Field("hann", description="window name as scipy.signal.get_window, periodic (fftbins=True)")

    @field_validator("window")
    @classmethod
    def _window_known(cls, v):
        return dsp.check_window_name(v)


class _SpectrumStage(Stage):
    """Shared framing / averaged spectrum of the fft-family stages."""

    tags = Tags(role="feature")

    @property
    def n_fft(self) -> int:
        return self.params.n_fft or self.input_spec_.length

    @property
    def hop_length(self) -> int:
        return self.params.hop_length or max(1, self.n_fft // 2)

    @property
    def sample_rate(self) -> float:
        return float(self.input_spec_.sample_rate)

    @property
    def n_frames(self) -> int:
        return dsp.n_frames(self.input_spec_.length, self.n_fft, self.hop_length, center=False)

    def frequencies(self) -> np.ndarray:
        """Centre frequency (Hz) of every rfft bin."""
        return dsp.fft_frequencies(self.sample_rate, self.n_fft)

    def window_vector(self, dtype=np.float32) -> np.ndarray:
        return dsp.window_vector(self.params.window, self.n_fft, self.n_fft, dtype)

    def _bind_spectrum(self, input_spec: Spec) -> float:
        sr = sample_rate_of(self, input_spec)
        n_fft = self.params.n_fft or input_spec.length
        check_min_length(self, "n_fft", n_fft, input_spec.length, f"n_fft={n_fft}")
        if n_fft < 4:
            raise ConfigError(
                f"stage '{self.name}': the window has {input_spec.length} samples, too few for a spectrum; "
                "lengthen the window",
                key=("n_fft",),
            )
        self.input_spec_ = input_spec
        return sr

    def spectrum(self, X: np.ndarray, power: float) -> np.ndarray:
        """Frame-averaged ``|rfft(frame * window)| ** power``: ``(n, length, C) -> (n, C, n_bins)`` float64."""
        x = np.ascontiguousarray(X.transpose(0, 2, 1))
        frames = dsp.frame_signal(x, self.n_fft, self.hop_length, center=False)
        spec = dsp.power_spectrum(frames, self.window_vector(np.float64), power, dtype=np.float64)
        return spec.mean(axis=-2)

    def _spectrum_cost(self) -> Cost:
        n, c, T = self.n_fft, self.input_spec_.n_channels, self.n_frames
        n_bins = n // 2 + 1
        fft_ops = int(2.5 * n * math.log2(n)) + 4 * n
        return Cost(
            flash_bytes=4 * n + 4 * n + 1024,  # window + twiddles + code
            ram_bytes=4 * n + 4 * n_bins,  # FFT buffer (the frame, windowed in place), averaged spectrum
            ops=c * T * (n + fft_ops + 3 * n_bins),
        )

    @classmethod
    def example_input(cls, params, rng):
        sr = params.get("sample_rate") or 1000.0
        t = np.arange(256) / sr
        X = rng.standard_normal((12, 256, 2)) * 0.3
        X += np.sin(2 * np.pi * rng.uniform(20, 300, (12, 1, 2)) * t[None, :, None])
        return Spec.signal(256, 2, sr), X.astype(np.float32), None


@register
class FFT(_SpectrumStage):
    """Magnitude (``|X|``) or power (``|X|^2``) spectrum per channel, bins 0 .. fmax;
    features ``<channel>_b<bin>`` (bin k is at ``k * sample_rate / n_fft`` Hz)."""

    name = "fft"

    class Params(_SpectrumParams):
        type: Literal["fft"] = "fft"
        scaling: Literal["magnitude", "power"] = Field("magnitude", description="|X| or |X|^2 (unnormalised rfft)")
        fmax: float | None = Field(None, gt=0, description="keep bins up to this frequency (Hz); default Nyquist")

    @classmethod
    def examples(cls):
        return [
            {},
            {"n_fft": 64, "scaling": "power", "fmax": 200.0, "window": "hamming"},
            {"n_fft": 128, "hop_length": 32},
        ]

    def output_spec(self, input_spec):
        sr = self._bind_spectrum(input_spec)
        if self.params.fmax is not None:
            check_below_nyquist(self, "fmax", self.params.fmax, sr)
        names = [f"{ch}_b{k}" for ch in input_spec.names for k in range(self.n_bins)]
        return Spec.vector(names)

    @property
    def n_bins(self) -> int:
        full = self.n_fft // 2 + 1
        if self.params.fmax is None:
            return full
        return min(full, int(np.floor(self.params.fmax * self.n_fft / self.sample_rate + 1e-9)) + 1)

    def _transform(self, X):
        spec = self.spectrum(X, 2.0 if self.params.scaling == "power" else 1.0)
        return spec[..., : self.n_bins].reshape(len(X), -1).astype(X.dtype)

    def cost(self, board=None):
        return self._spectrum_cost()


@register
class BandEnergy(_SpectrumStage):
    """Energy (sum of the frame-averaged power spectrum ``|X|^2``) in frequency bands, per
    channel: ``n_bands`` linearly or log spaced between fmin and fmax, or explicit ``edges``.
    A bin belongs to band i when ``edges[i] <= f < edges[i+1]`` (the last band includes its
    upper edge). Features ``<channel>_band<i>``."""

    name = "band_energy"

    class Params(_SpectrumParams):
        type: Literal["band_energy"] = "band_energy"
        n_bands: int = Field(8, ge=1, le=512, description="number of bands (ignored when edges are given)")
        spacing: Literal["linear", "log"] = Field("linear", description="band spacing between fmin and fmax")
        fmin: float = Field(
            0.0, ge=0, validate_default=True, description="lower edge of the first band (Hz); > 0 for log spacing"
        )
        fmax: float | None = Field(None, gt=0, description="upper edge of the last band (Hz); default Nyquist")
        edges: list[float] | None = Field(
            None, description="explicit band edges in Hz, increasing (n_bands + 1 values)"
        )
        db: bool = Field(False, description="output 10 log10(max(energy, 1e-10)) instead of the energy")
        q15_scale: float | list[float] | None = fixed_point.Q15_SCALE

        @field_validator("fmin")
        @classmethod
        def _log_needs_positive_fmin(cls, v, info):
            if info.data.get("spacing") == "log" and v <= 0:
                raise ValueError("must be above 0 Hz for log spacing")
            return v

        @field_validator("fmax")
        @classmethod
        def _fmax_above_fmin(cls, v, info):
            fmin = info.data.get("fmin")
            if v is not None and fmin is not None and v <= fmin:
                raise ValueError(f"must be above fmin ({fmin:g} Hz), got {v:g}")
            return v

        @field_validator("edges")
        @classmethod
        def _edges_increasing(cls, v):
            if v is not None:
                if len(v) < 2:
                    raise ValueError("needs at least two edges (one band)")
                if v[0] < 0 or any(b <= a for a, b in zip(v, v[1:])):
                    raise ValueError(f"must be non-negative and strictly increasing, got {v}")
            return v

    @classmethod
    def examples(cls):
        return [
            {},
            {"n_bands": 4, "spacing": "log", "fmin": 10.0, "fmax": 400.0, "db": True},
            {"edges": [0.0, 50.0, 120.0, 300.0], "n_fft": 128},
            {"n_bands": 4, "n_fft": 64, "hop_length": 48, "q15_scale": 2**-12},
        ]

    def band_edges(self) -> np.ndarray:
        """Band edges in Hz (``n_bands + 1`` values)."""
        p = self.params
        if p.edges is not None:
            return np.asarray(p.edges, dtype=np.float64)
        fmax = self.sample_rate / 2 if p.fmax is None else p.fmax
        if p.spacing == "log":
            return np.geomspace(p.fmin, fmax, p.n_bands + 1)
        return np.linspace(p.fmin, fmax, p.n_bands + 1)

    def band_matrix(self, dtype=np.float32) -> np.ndarray:
        """0/1 matrix ``(n_bands, n_bins)``: which rfft bins sum into which band."""
        edges = self.band_edges()
        f = self.frequencies()
        m = (f[None, :] >= edges[:-1, None]) & (f[None, :] < edges[1:, None])
        m[-1] |= np.isclose(f, edges[-1], rtol=1e-12, atol=1e-9)
        return m.astype(dtype)

    def output_spec(self, input_spec):
        sr = self._bind_spectrum(input_spec)
        p = self.params
        if p.edges is not None:
            check_below_nyquist(self, "edges", p.edges[-1], sr, what="the last band edge")
        elif p.fmax is not None:
            check_below_nyquist(self, "fmax", p.fmax, sr)
        if p.edges is None and p.fmin >= sr / 2:
            raise ConfigError(
                f"stage '{self.name}': fmin {p.fmin:g} Hz is at or above the Nyquist frequency ({sr / 2:g} Hz); "
                "lower fmin",
                key=("fmin",),
            )
        m = self.band_matrix()
        empty = np.flatnonzero(m.sum(axis=1) == 0)
        if len(empty):
            e = self.band_edges()
            i = int(empty[0])
            raise ConfigError(
                f"stage '{self.name}': band {i} ({e[i]:g}-{e[i + 1]:g} Hz) holds no FFT bin (bins are "
                f"{sr / self.n_fft:g} Hz apart with n_fft={self.n_fft}); use fewer or wider bands or a longer n_fft",
                key=("edges",) if p.edges is not None else ("n_bands",),
            )
        self.q15_k_ = fixed_point.exponents(self, input_spec.n_channels)
        if self.q15_k_ is not None:
            self._check_fixed(input_spec.length, m)
        return Spec.vector([f"{ch}_band{i}" for ch in input_spec.names for i in range(m.shape[0])])

    def _check_fixed(self, length: int, matrix: np.ndarray) -> None:
        fixed_point.check_length(self, length)
        n = self.n_fft
        why = None
        if n & (n - 1) or n > 4096:
            why = f"n_fft={n} is not a power of two up to 4096"
        elif self.params.db:
            why = "db: true has no fixed-point path"
        elif np.any(matrix.sum(axis=0) > 1):
            why = "its bands overlap"
        if why:
            raise ConfigError(f"stage 'band_energy': {why}; drop q15_scale or change it", key=("q15_scale",))

    def band_of_bin(self) -> np.ndarray:
        """The band of every rfft bin, -1 for none (disjoint bands)."""
        m = self.band_matrix(np.float64)
        out = np.full(m.shape[1], -1, dtype=np.int64)
        band, k = np.nonzero(m)
        out[k] = band
        return out

    def fixed_window(self) -> np.ndarray:
        return fixed.q15(self.window_vector(np.float64))

    def fixed_fscales(self) -> np.ndarray:
        """Physical energy per band code, per channel."""
        return np.array([fixed.band_fscale(self.n_fft, int(k), self.n_frames) for k in self.q15_k_])

    def _transform(self, X):
        if getattr(self, "q15_k_", None) is not None:
            nb = self.band_matrix().shape[0]
            codes = fixed.band_codes(
                fixed_point.counts(X, self.q15_k_),
                self.n_fft,
                self.hop_length,
                self.fixed_window(),
                self.band_of_bin(),
                nb,
            )
            return fixed.to_features(codes, self.fixed_fscales()[None, :, None]).reshape(len(X), -1)
        energy = self.spectrum(X, 2.0) @ self.band_matrix(np.float64).T
        if self.params.db:
            energy = 10.0 * np.log10(np.maximum(energy, 1e-10))
        return energy.reshape(len(X), -1).astype(X.dtype)

    def cost(self, board=None):
        base = self._spectrum_cost()
        c, n_bins = self.input_spec_.n_channels, self.n_fft // 2 + 1
        n_bands = self.band_matrix().shape[0]
        if getattr(self, "q15_k_", None) is not None:
            # sf_q15: int16 counts of the window, 2 n_fft int32 FFT buffer, uint64 band sums; tables:
            # window, twiddles, bitrev, band ranges; one n_fft-point complex FFT per two frames
            L, n = self.input_spec_.length, self.n_fft
            pairs = -(-self.n_frames // 2)
            return Cost(
                flash_bytes=2 * n + 2 * n + 2 * n + 4 * n_bands + 5 * c + 1024,
                ram_bytes=2 * L + 8 * n + 8 * n_bands + 8,  # + alignment of the uint64 sums
                ops=c * (L + pairs * (2 * n + int(1.25 * n * math.log2(max(n, 2))) + 4 * n_bins)),
            )
        # the C kernel sums each frame's power straight into the bands: no spectrum buffer
        return Cost(
            flash_bytes=base.flash_bytes + 8 * n_bands,
            ram_bytes=4 * self.n_fft,
            ops=base.ops + c * (n_bins + 20 * n_bands),
        )


SPECTRAL_FEATURES = ("centroid", "bandwidth", "rolloff", "flatness", "peak_freq", "peak_mag")


@register
class Spectral(_SpectrumStage):
    """Spectral shape of each channel from the frame-averaged magnitude spectrum ``S``
    (conventions of librosa.feature, which the tests check against):

    - ``centroid = sum(f S) / sum(S)``; ``bandwidth = (sum(S |f - centroid|^2) / sum(S))^0.5``;
    - ``rolloff``: lowest bin frequency where the cumulative sum of S reaches ``roll_percent``
      of the total; ``flatness``: geometric / arithmetic mean of ``max(S^2, 1e-10)``;
    - ``peak_freq`` / ``peak_mag``: frequency and magnitude of the largest bin (DC included:
      put ``dc_remove`` first for signals with an offset);
    - ``n_peaks`` > 0 adds ``peak<i>_freq`` / ``peak<i>_mag`` for the largest local maxima
      (``S[k-1] < S[k] >= S[k+1]``, 0 < k < last bin), largest first, ties to the lower
      frequency; missing peaks are 0.

    A silent channel gives centroid, bandwidth, rolloff and peaks 0 (as librosa) and flatness 1.
    """

    name = "spectral"

    class Params(_SpectrumParams):
        type: Literal["spectral"] = "spectral"
        features: list[Literal["centroid", "bandwidth", "rolloff", "flatness", "peak_freq", "peak_mag"]] = Field(
            default_factory=lambda: list(SPECTRAL_FEATURES), description="which of: " + ", ".join(SPECTRAL_FEATURES)
        )
        roll_percent: float = Field(0.85, gt=0, lt=1, description="rolloff fraction (librosa roll_percent)")
        n_peaks: int = Field(
            0, ge=0, le=64, validate_default=True, description="also report the n largest spectral peaks (freq, mag)"
        )

        @field_validator("features")
        @classmethod
        def _no_repeats(cls, v):
            dup = sorted({f for f in v if v.count(f) > 1})
            if dup:
                raise ValueError(f"lists '{dup[0]}' twice; keep one")
            return v

        @field_validator("n_peaks")
        @classmethod
        def _something(cls, v, info):
            if not info.data.get("features") and v == 0:
                raise ValueError("features is empty and n_peaks is 0: nothing to compute")
            return v

    @classmethod
    def examples(cls):
        return [{}, {"features": ["centroid", "rolloff"], "n_peaks": 3, "n_fft": 64}, {"features": [], "n_peaks": 2}]

    def _names(self) -> list[str]:
        names = list(self.params.features)
        for i in range(1, self.params.n_peaks + 1):
            names += [f"peak{i}_freq", f"peak{i}_mag"]
        return names

    def output_spec(self, input_spec):
        self._bind_spectrum(input_spec)
        return Spec.vector([f"{ch}_{n}" for ch in input_spec.names for n in self._names()])

    def _transform(self, X):
        S = self.spectrum(X, 1.0)  # (n, C, n_bins)
        out = describe(S, self.frequencies(), self.params.features, self.params.roll_percent, self.params.n_peaks)
        return out.reshape(len(X), -1).astype(X.dtype)

    def cost(self, board=None):
        c, n_bins = self.input_spec_.n_channels, self.n_fft // 2 + 1
        extra = c * n_bins * (4 * len(self.params.features) + 2 + 2 * self.params.n_peaks) + c * 40
        return self._spectrum_cost() + Cost(flash_bytes=4 * n_bins + 512, ram_bytes=8 * self.params.n_peaks, ops=extra)


def describe(S: np.ndarray, freqs: np.ndarray, features, roll_percent: float, n_peaks: int) -> np.ndarray:
    """Spectral shape features of magnitude spectra ``S (..., n_bins)`` -> ``(..., n_features)``."""
    total = S.sum(axis=-1)
    silent = total <= 0
    norm = S / np.where(silent, 1.0, total)[..., None]
    cols = {}
    cols["centroid"] = (norm * freqs).sum(axis=-1)
    dev = np.abs(freqs - cols["centroid"][..., None])
    cols["bandwidth"] = np.sqrt((norm * dev**2).sum(axis=-1))
    cum = np.cumsum(S, axis=-1)
    reached = cum >= roll_percent * cum[..., -1:]
    cols["rolloff"] = freqs[np.argmax(reached, axis=-1)]
    p = np.maximum(S**2, 1e-10)
    cols["flatness"] = np.exp(np.mean(np.log(p), axis=-1)) / np.mean(p, axis=-1)
    k = np.argmax(S, axis=-1)
    cols["peak_freq"] = np.where(silent, 0.0, freqs[k])
    cols["peak_mag"] = np.take_along_axis(S, k[..., None], axis=-1)[..., 0]
    out = [cols[f] for f in features]
    if n_peaks:
        out += list(np.moveaxis(top_peaks(S, freqs, n_peaks), -1, 0))
    return np.stack(out, axis=-1) if out else np.zeros(S.shape[:-1] + (0,))


def top_peaks(S: np.ndarray, freqs: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` largest local maxima of ``S (..., n_bins)``: ``(..., 2k)`` as f1, m1, f2, m2 ..."""
    is_peak = np.zeros(S.shape, dtype=bool)
    is_peak[..., 1:-1] = (S[..., 1:-1] > S[..., :-2]) & (S[..., 1:-1] >= S[..., 2:])
    score = np.where(is_peak, S, -1.0)
    order = np.argsort(-score, axis=-1, kind="stable")[..., :k]
    mags = np.take_along_axis(score, order, axis=-1)
    ok = mags > 0
    pf = np.where(ok, freqs[order], 0.0)
    pm = np.where(ok, mags, 0.0)
    if pf.shape[-1] < k:  # fewer bins than k
        pad = [(0, 0)] * (pf.ndim - 1) + [(0, k - pf.shape[-1])]
        pf, pm = np.pad(pf, pad), np.pad(pm, pad)
    return np.stack([pf, pm], axis=-1).reshape(S.shape[:-1] + (2 * k,))


@register
class EnvelopeSpectrum(Stage):
    """Envelope spectrum for bearing-fault detection, per channel: optional Butterworth
    band-pass around the structural resonance (``band``, scipy.signal.butter + sosfilt from a
    zero state), Hilbert envelope ``|scipy.signal.hilbert(x)|`` over the window, mean removed,
    Hann-windowed amplitude spectrum ``2 |rfft(e w)| / sum(w)`` (a tone of amplitude A reads
    about A). Output: bins 0 .. fmax (``<channel>_b<k>``), or with ``frequencies`` the
    largest bin within ``tolerance_hz`` of each given frequency (``<channel>_f<i>``), e.g.
    BPFO, BPFI, BSF and their harmonics."""

    name = "envelope_spectrum"
    tags = Tags(role="feature")

    class Params(StageParams):
        type: Literal["envelope_spectrum"] = "envelope_spectrum"
        band: list[float] | None = Field(None, description="band-pass [low, high] Hz before the envelope; None: none")
        order: int = Field(4, ge=1, le=10, description="Butterworth order of the band-pass")
        fmax: float | None = Field(None, gt=0, description="highest envelope frequency kept (Hz); default Nyquist")
        frequencies: list[float] | None = Field(
            None, min_length=1, description="report the envelope spectrum at these frequencies (Hz) instead of bins"
        )
        tolerance_hz: float | None = Field(
            None, gt=0, description="search +- this many Hz around each frequency; default two bin widths"
        )
        window: str = Field("hann", description="scipy.signal.get_window name applied to the envelope")
        sample_rate: float | None = Field(None, gt=0, description="Hz; only when used alone")

        @field_validator("band")
        @classmethod
        def _band_ok(cls, v):
            if v is not None and (len(v) != 2 or not 0 < v[0] < v[1]):
                raise ValueError(f"takes [low, high] with 0 < low < high (Hz), got {v}")
            return v

        @field_validator("frequencies")
        @classmethod
        def _freqs_positive(cls, v):
            if v is not None and any(f <= 0 for f in v):
                raise ValueError(f"must all be above 0 Hz, got {v}")
            return v

        @field_validator("window")
        @classmethod
        def _window_known(cls, v):
            return dsp.check_window_name(v)

    @classmethod
    def examples(cls):
        return [
            {},
            {"band": [100.0, 400.0], "fmax": 100.0},
            {"band": [150.0, 450.0], "frequencies": [17.0, 34.0, 51.0]},
        ]

    @classmethod
    def example_input(cls, params, rng):
        sr = params.get("sample_rate") or 1000.0
        X = np.stack(
            [
                np.stack(
                    [
                        dsp.synth.bearing_fault(0.512, sr, rng.uniform(10, 40), 300.0, seed=int(rng.integers(1 << 30)))
                        for _ in range(2)
                    ],
                    -1,
                )
                for _ in range(12)
            ]
        )
        return Spec.signal(X.shape[1], 2, sr), X.astype(np.float32), None

    @property
    def sample_rate(self) -> float:
        return float(self.input_spec_.sample_rate)

    def frequencies(self) -> np.ndarray:
        return dsp.fft_frequencies(self.sample_rate, self.input_spec_.length)

    def near_bins(self) -> list[tuple[int, int]]:
        """For each of ``frequencies``: the bins ``lo:hi`` within ``tolerance`` of it (what
        emitters read; the output is the largest of them)."""
        f = self.frequencies()
        out = []
        for fc in self.params.frequencies or ():
            sel = np.flatnonzero(np.abs(f - fc) <= self.tolerance + 1e-9)
            if len(sel) == 0:
                raise ConfigError(
                    f"stage '{self.name}': no bin within {self.tolerance:g} Hz of {fc:g} Hz; raise tolerance_hz",
                    key=("frequencies",),
                )
            out.append((int(sel[0]), int(sel[-1]) + 1))
        return out

    def output_spec(self, input_spec):
        sr = sample_rate_of(self, input_spec)
        p = self.params
        if input_spec.length < 16:
            raise ConfigError(
                f"stage '{self.name}': the window has {input_spec.length} samples; an envelope spectrum needs at "
                "least 16 (and several fault periods); lengthen the window",
                key=("frequencies",) if p.frequencies else (),
            )
        if p.band is not None and p.band[1] >= sr / 2:
            raise ConfigError(
                f"stage '{self.name}': band upper edge {p.band[1]:g} Hz is at or above the Nyquist frequency "
                f"({sr / 2:g} Hz at {sr:g} Hz); lower band or raise the sample rate",
                key=("band",),
            )
        if p.fmax is not None:
            check_below_nyquist(self, "fmax", p.fmax, sr)
        self.input_spec_ = input_spec
        res = sr / input_spec.length
        if p.frequencies:
            for f in p.frequencies:
                check_below_nyquist(self, "frequencies", f + self.tolerance, sr, what="frequency + tolerance")
            if self.tolerance < res / 2:
                raise ConfigError(
                    f"stage '{self.name}': tolerance_hz {self.tolerance:g} is under half the bin spacing "
                    f"({res:g} Hz); raise tolerance_hz or lengthen the window",
                    key=("tolerance_hz",),
                )
            names = [f"{ch}_f{i}" for ch in input_spec.names for i in range(len(p.frequencies))]
        else:
            names = [f"{ch}_b{k}" for ch in input_spec.names for k in range(self.n_bins)]
        return Spec.vector(names)

    @property
    def tolerance(self) -> float:
        if self.params.tolerance_hz is not None:
            return float(self.params.tolerance_hz)
        return 2.0 * self.sample_rate / self.input_spec_.length

    @property
    def n_bins(self) -> int:
        n = self.input_spec_.length
        full = n // 2 + 1
        if self.params.fmax is None:
            return full
        return min(full, int(np.floor(self.params.fmax * n / self.sample_rate + 1e-9)) + 1)

    def sos(self) -> np.ndarray | None:
        """The band-pass second-order sections, or None."""
        p = self.params
        if p.band is None:
            return None
        return _signal().butter(p.order, p.band, "bandpass", fs=self.sample_rate, output="sos")

    def window_vector(self, dtype=np.float32) -> np.ndarray:
        n = self.input_spec_.length
        return dsp.window_vector(self.params.window, n, n, dtype)

    def envelope(self, X: np.ndarray) -> np.ndarray:
        """Band-passed Hilbert envelope, mean removed: ``(n, length, C)`` float64."""
        x = X.astype(np.float64)
        sos = self.sos()
        if sos is not None:
            x = _signal().sosfilt(sos, x, axis=1)
        env = np.abs(_signal().hilbert(x, axis=1))
        return env - env.mean(axis=1, keepdims=True)

    def amplitude_spectrum(self, X: np.ndarray) -> np.ndarray:
        """``2 |rfft(envelope * w)| / sum(w)``: ``(n, C, n_bins_full)`` float64."""
        w = self.window_vector(np.float64)
        env = self.envelope(X).transpose(0, 2, 1)
        import scipy.fft  # on first use: `sensorflow validate` imports this module

        return 2.0 * np.abs(scipy.fft.rfft(env * w, axis=-1)) / w.sum()

    def _transform(self, X):
        spec = self.amplitude_spectrum(X)
        p = self.params
        if p.frequencies:
            out = np.stack([spec[..., lo:hi].max(axis=-1) for lo, hi in self.near_bins()], axis=-1)
        else:
            out = spec[..., : self.n_bins]
        return out.reshape(len(X), -1).astype(X.dtype)

    def cost(self, board=None):
        n, c = self.input_spec_.length, self.input_spec_.n_channels
        n_sec = 0 if self.params.band is None else self.sos().shape[0]
        fft = int(2.5 * n * math.log2(n)) + 4 * n
        # band-pass, complex FFT + inverse for the analytic signal, |.|, window, real FFT
        ops = c * (5 * n_sec * n + 2 * 2 * fft + 8 * n + n + fft + 3 * (n // 2 + 1))
        # flash: biquad coefficients, window, twiddles of the length-n complex FFT (the real FFT
        # reuses them with a stride), code; RAM: biquad state and one complex work buffer that
        # holds the analytic signal, then the envelope and its spectrum in place
        # flash: biquad coefficients, window, twiddles of the length-n complex FFT and its two
        # bit-reversal tables (the real FFT reuses the twiddles with a stride), the bins near
        # each frequency, code; RAM: biquad state, the band-passed window, the envelope and the
        # FFT's work buffer (3 n)
        n_f = len(self.params.frequencies or ())
        return Cost(
            flash_bytes=20 * n_sec + 4 * n + 8 * n + 4 * n_f + 1536,
            ram_bytes=4 * (5 * n + max(1, 2 * n_sec)),
            ops=int(ops),
        )


def _signal():
    """scipy.signal, imported on first use (it costs 0.3-3 s per process)."""
    import scipy.signal

    return scipy.signal
