"""Audio features: ``log_mel`` and ``mfcc``.

Defaults reproduce ``librosa.power_to_db(librosa.feature.melspectrogram(y, sr=sr, ...))`` and
``librosa.feature.mfcc(y, sr=sr, ...)`` (librosa 0.10+): centred frames with zero padding
(``pad_mode="constant"``), periodic Hann window, power 2, Slaney mel scale and Slaney area
normalisation, ``10 log10(max(S, amin)) - 10 log10(ref)`` with ``amin=1e-10, ref=1`` and a
``top_db=80`` clip below the maximum of the whole window, then (mfcc) an orthonormal DCT-II.

Options cover the conventions embedded front ends use: ``center=False``, ``htk=True``,
``norm=None``, ``log="ln"`` with ``floor_mode="add"`` (``ln(S + amin)``), ``top_db=None``.

The computation is split the way a device runs it, and each part is a public method so the
C and MicroPython emitters take exactly the reference's constants:
``frame_starts()`` -> per frame ``frame_features(frame)`` (window, rfft, power, mel, log) ->
per window ``window_post(log_mel)`` (top_db clip; for mfcc also DCT and lifter).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import Field, field_validator

from .. import dsp
from ..cost import Cost
from ..dsp import fixed, fixed_mel
from ..dsp.blas import single_thread_blas
from ..dsp.params import check_below_nyquist, check_min_length, sample_rate_of
from ..errors import ConfigError
from ..registry import register
from ..spec import Spec
from . import fixed_point
from .base import Stage, StageParams, Tags

_MAX_BLOCK = 1 << 22  # samples of frames materialised at once (bounds memory on big batches)
_CACHE_BLOCK = 1 << 17  # samples of frames transformed at once (about 1 MB of float64: stays in L2)


class _MelParams(StageParams):
    """Parameters shared by log_mel and mfcc (names and defaults of librosa.feature.melspectrogram)."""

    sample_rate: float | None = Field(None, gt=0, description="Hz; only when used alone (a pipeline's sensor sets it)")
    n_fft: int = Field(2048, ge=4, le=65536, description="FFT length in samples (librosa default 2048)")
    win_length: int | None = Field(
        None, ge=2, description="window length in samples, <= n_fft, centred in the frame; default n_fft"
    )
    hop_length: int | None = Field(None, ge=1, description="samples between frames; default win_length // 4")
    window: str = Field("hann", description="window name as scipy.signal.get_window, periodic (fftbins=True)")
    center: bool = Field(
        True,
        description="pad n_fft//2 on both sides so frame t is centred on sample t*hop (librosa); False: no padding",
    )
    pad_mode: Literal["constant", "reflect"] = Field(
        "constant", description="padding when center=True: zeros (librosa >= 0.10 default) or reflect"
    )
    power: float = Field(2.0, gt=0, description="exponent of the magnitude spectrum: 2 power, 1 magnitude")
    n_mels: int = Field(128, ge=1, le=1024, description="number of mel bands")
    fmin: float = Field(0.0, ge=0, description="lowest mel band edge (Hz)")
    fmax: float | None = Field(None, gt=0, description="highest mel band edge (Hz), <= sample_rate/2; default Nyquist")
    htk: bool = Field(False, description="False: Slaney mel scale (librosa default); True: HTK 2595 log10(1 + f/700)")
    log: Literal["db", "ln"] = Field(
        "db", description="'db': 10 log10(.) - 10 log10(ref) (librosa.power_to_db); 'ln': natural log ln(.) - ln(ref)"
    )
    amin: float = Field(1e-10, gt=0, description="floor inside the log (librosa amin)")
    floor_mode: Literal["max", "add"] = Field(
        "max", description="'max': log(max(S, amin)) (librosa); 'add': log(S + amin) (common on devices)"
    )
    ref: float = Field(1.0, gt=0, description="reference power: output is relative to log(ref)")
    top_db: float | None = Field(
        80.0,
        ge=0,
        description="clip values more than top_db decibels below the window's maximum (over all frames, bands and "
        "channels, as librosa.power_to_db); with log='ln' the same power ratio is used; None: no clip",
    )

    @field_validator("window")
    @classmethod
    def _window_known(cls, v):
        return dsp.check_window_name(v)

    @field_validator("win_length")
    @classmethod
    def _win_fits(cls, v, info):
        n_fft = info.data.get("n_fft")
        if v is not None and n_fft is not None and v > n_fft:
            raise ValueError(f"must be at most n_fft ({n_fft}), got {v}")
        return v

    @field_validator("fmax")
    @classmethod
    def _fmax_above_fmin(cls, v, info):
        fmin = info.data.get("fmin")
        if v is not None and fmin is not None and v <= fmin:
            raise ValueError(f"must be above fmin ({fmin:g} Hz), got {v:g}")
        return v


class _MelStage(Stage):
    """Shared machinery of log_mel and mfcc; see the module docstring."""

    tags = Tags(role="feature")

    # ------------------------------------------------------------------ derived parameters
    @property
    def win_length(self) -> int:
        return self.params.win_length or self.params.n_fft

    @property
    def hop_length(self) -> int:
        return self.params.hop_length or self.win_length // 4 or 1

    @property
    def sample_rate(self) -> float:
        if self.input_spec_ is not None:
            return float(self.input_spec_.sample_rate)
        if self.params.sample_rate is None:
            raise ConfigError(
                f"stage '{self.name}' is not bound to an input; pass sample_rate=...", key=("sample_rate",)
            )
        return float(self.params.sample_rate)

    @property
    def fmax(self) -> float:
        return self.sample_rate / 2.0 if self.params.fmax is None else float(self.params.fmax)

    @property
    def n_frames(self) -> int:
        return dsp.n_frames(self._length(), self.params.n_fft, self.hop_length, self.params.center)

    def stream_shift(self, hop: int) -> int:
        """Frames a window hop of ``hop`` samples moves by when the exports can take the stream
        frame by frame, keeping a ring of the window's last ``n_frames`` frames instead of the
        window itself: no centring pad, and the hop a whole number of frames, fewer than the
        window's. 0 when they cannot (the window is kept and framed whole)."""
        hop_length, length = self.hop_length, self._length()
        if self.params.center or not 0 < hop < length or hop % hop_length:
            return 0
        shift = hop // hop_length
        return shift if shift < self.n_frames else 0

    def _length(self) -> int:
        if self.input_spec_ is None:
            raise ConfigError(f"stage '{self.name}' is not bound to an input yet; call bind() or transform() first")
        return self.input_spec_.length

    # ------------------------------------------------------------------ constants for emitters
    def window_vector(self, dtype=np.float32) -> np.ndarray:
        """The analysis window, ``n_fft`` values (periodic, zero-padded when win_length < n_fft)."""
        return dsp.window_vector(self.params.window, self.win_length, self.params.n_fft, dtype)

    def mel_matrix(self, dtype=np.float32) -> np.ndarray:
        """Mel weights ``(n_mels, n_fft//2 + 1)``, equal to librosa.filters.mel(..., dtype=dtype)."""
        p = self.params
        return dsp.mel_filterbank(
            self.sample_rate, p.n_fft, p.n_mels, p.fmin, self.fmax, p.htk, self._mel_norm(), dtype=dtype
        )

    def mel_bands(self, dtype=np.float32) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The mel matrix in the sparse form device kernels use: for band m the weights
        ``weights[offsets[m]:offsets[m+1]]`` apply to bins ``first_bin[m]``, ``first_bin[m]+1``, ...
        Returns ``(first_bin (n_mels,), offsets (n_mels+1,), weights)``; values equal mel_matrix()'s."""
        mel = self.mel_matrix(dtype)
        first, offsets, weights = [], [0], []
        for row in mel:
            nz = np.flatnonzero(row)
            lo, hi = (int(nz[0]), int(nz[-1]) + 1) if len(nz) else (0, 0)
            first.append(lo)
            weights.append(row[lo:hi])
            offsets.append(offsets[-1] + hi - lo)
        return np.array(first, np.int32), np.array(offsets, np.int32), np.concatenate(weights).astype(dtype)

    def dct_matrix(self, dtype=np.float32) -> np.ndarray | None:
        """DCT rows applied to each frame's log-mel (``None``: no DCT, the log-mel is the output)."""
        return None

    def kernel_floats(self) -> tuple[int, int]:
        """Floats the frame kernel needs per channel: (per-call buffers, ring of frames); the
        sizes sf_logmel.h checks as SF_LOGMEL_BUF_FLOATS and SF_LOGMEL_RING_FLOATS."""
        p = self.params
        n_dct = 0 if self.dct_matrix() is None else self._n_out
        return 2 * p.n_fft + p.n_mels + n_dct, self.n_frames * (p.n_mels + n_dct + 3)

    def frame_starts(self) -> np.ndarray:
        """First sample of every frame in window coordinates (negative: inside the left padding)."""
        return dsp.frame_starts(self._length(), self.params.n_fft, self.hop_length, self.params.center)

    def log_offset(self) -> float:
        """The constant subtracted after the log: ``10 log10(max(amin, ref))`` (db) or ``ln(ref)``."""
        p = self.params
        if p.log == "db":
            return 10.0 * math.log10(max(p.amin, p.ref)) if p.floor_mode == "max" else 10.0 * math.log10(p.ref)
        return math.log(max(p.amin, p.ref)) if p.floor_mode == "max" else math.log(p.ref)

    def clip_range(self) -> float | None:
        """How far below the window maximum values are clipped, in output units (None: no clip)."""
        p = self.params
        if p.top_db is None:
            return None
        return float(p.top_db) if p.log == "db" else float(p.top_db) * math.log(10.0) / 10.0

    def _mel_norm(self):
        return self.params.norm

    def _constants(self, dtype):
        """(float64 window, mel weights as a CSR matrix in ``dtype``): each FFT bin feeds at most
        two triangles, so the sparse product does ~n_mels/2 times fewer multiply-adds."""
        key = np.dtype(dtype).str
        cache = self.__dict__.setdefault("_const_cache", {})
        if key not in cache:
            from scipy.sparse import csr_matrix

            cache[key] = (self.window_vector(np.float64), csr_matrix(self.mel_matrix(dtype)))
        return cache[key]

    # ------------------------------------------------------------------ per frame / per window
    def frame_features(self, frames) -> np.ndarray:
        """Log-mel of frames ``(..., n_fft) -> (..., n_mels)``: window, rfft, |.|**power, mel
        weights, log with floor, minus :meth:`log_offset`. No top_db clip (that needs the window).

        As in librosa.stft, the windowed FFT runs in float64 and its magnitude is rounded to the
        frames' dtype; mel weights, log and everything after run in that dtype (float32 for
        float32 input). A float32 FFT, as on a device, differed by up to 7e-4 dB (measured on
        speech-like signals) for bands near the 80 dB clip floor, and far less above it."""
        frames = np.asarray(frames)
        if frames.dtype.kind != "f":
            frames = frames.astype(np.float32)
        if getattr(self, "q15_k_", None) is not None:
            return self._frame_features_q15(frames)
        n_fft = self.params.n_fft
        if frames.shape[-1] != n_fft:
            raise ValueError(f"frames must have n_fft={n_fft} samples, got {frames.shape[-1]}")
        window, mel = self._constants(frames.dtype)
        if frames.ndim == 1:
            return self.frame_features(frames[None])[0]
        out = np.empty(frames.shape[:-1] + (mel.shape[0],), dtype=frames.dtype)
        block = max(16, _CACHE_BLOCK // n_fft)  # frames per block: keep the FFT buffers in cache
        for idx in np.ndindex(frames.shape[:-2]):
            rows, dst = frames[idx], out[idx]  # (T, n_fft) view, (T, n_mels)
            for i in range(0, len(rows), block):
                spec = dsp.power_spectrum(rows[i : i + block], window, self.params.power, dtype=frames.dtype)
                dst[i : i + block] = self._log((mel @ spec.T).T)
        return out

    def _frame_features_q15(self, frames) -> np.ndarray:
        """The fixed-point path (``q15_scale``): int16 counts, ``sensorflow.dsp.fixed_mel``'s
        Q16 dB, minus :meth:`log_offset` in Q16, as float32 ``code * 2^-16``."""
        window, wq, offset = self.q15_tables()
        counts = fixed.quantize(frames, int(self.q15_k_[0]))
        db = fixed_mel.logmel_db_q16(counts, window, wq, offset) - self.q15_log_offset()
        return fixed.to_features(db, 2.0**-16)

    def q15_tables(self) -> tuple[np.ndarray, np.ndarray, int]:
        """(q15 window, q15 mel weights relative to the largest, Q16 dB offset of the mel sums)."""
        wq, wmax = fixed_mel.weights_q15(self.mel_matrix(np.float64))
        win = fixed.q15(self.window_vector(np.float64))
        return win, wq, fixed_mel.db_offset_q16(self.params.n_fft, int(self.q15_k_[0]), wmax)

    def q15_log_offset(self) -> int:
        return int(round(self.log_offset() * 65536))

    def _check_q15(self, input_spec: Spec) -> None:
        p = self.params
        k = fixed_point.exponents(self, input_spec.n_channels)
        why = None
        if len(set(k.tolist())) > 1:
            why = "takes one scale for every channel"
        elif p.center or p.power != 2.0 or p.log != "db" or p.floor_mode != "max":
            why = "needs center: false, power: 2, log: db and floor_mode: max"
        elif p.n_fft & (p.n_fft - 1) or p.n_fft > 4096:
            why = f"needs n_fft a power of two up to 4096, got {p.n_fft}"
        elif p.top_db is not None and float(np.float32(p.top_db)) * 65536 % 1:
            why = f"needs top_db a multiple of 2^-16 dB (e.g. 80), got {p.top_db}"
        elif self.name == "mfcc" and (p.lifter or p.norm != "ortho"):
            why = "needs norm: ortho and no lifter (q15 DCT rows below 1)"
        if why:
            raise ConfigError(f"stage '{self.name}': the fixed-point path (q15_scale) {why}", key=("q15_scale",))
        self.q15_k_ = k

    def _log(self, mel: np.ndarray) -> np.ndarray:
        p = self.params
        amin = mel.dtype.type(p.amin)
        # As sf_logmel: an overflowed (Inf) or NaN mel energy of finite samples becomes the
        # dtype's largest value, so finite samples give finite features on host and device.
        with np.errstate(invalid="ignore"):
            mel = np.fmin(mel, np.finfo(mel.dtype).max, out=mel)
        mel = np.maximum(mel, amin, out=mel) if p.floor_mode == "max" else np.add(mel, amin, out=mel)
        out = np.log10(mel, out=mel) if p.log == "db" else np.log(mel, out=mel)
        if p.log == "db":
            out *= mel.dtype.type(10.0)
        offset = self.log_offset()
        if offset:
            out -= mel.dtype.type(offset)
        return out

    # ------------------------------------------------------------------ frame streaming
    def init_frame_state(self, n_channels: int = 1, dtype=np.float32) -> dict[str, np.ndarray]:
        """State for :meth:`stream_frames`: the samples of the next frame not yet complete. With
        ``center=True`` it starts with ``n_fft // 2`` zeros, librosa's constant left padding."""
        if self.params.center and self.params.pad_mode != "constant":
            raise ConfigError(
                f"stage '{self.name}': pad_mode '{self.params.pad_mode}' needs samples before the stream starts; "
                "use pad_mode: constant or center: false for frame streaming",
                key=("pad_mode",),
            )
        lead = self.params.n_fft // 2 if self.params.center else 0
        return {"pending": np.zeros((lead, n_channels), dtype=dtype), "skip": np.zeros(1, np.int64)}

    def stream_frames(self, state: dict, chunk) -> tuple[dict, np.ndarray]:
        """Continuous form: push samples ``(n, C)``, get the log-mel rows ``(k, C, n_mels)`` of
        the frames completed so far (before any top_db clip). Row t equals row t of
        :meth:`frame_features` on the batch framing, for every frame that needs no right padding."""
        chunk = np.asarray(chunk)
        if chunk.ndim == 1:
            chunk = chunk[:, None]
        skip = int(state["skip"][0])  # samples between frames when hop_length > n_fft
        drop = min(skip, len(chunk))
        buf = np.concatenate([state["pending"], chunk[drop:].astype(state["pending"].dtype, copy=False)])
        n_fft, hop = self.params.n_fft, self.hop_length
        k = 0 if len(buf) < n_fft else 1 + (len(buf) - n_fft) // hop
        if not k:
            empty = np.zeros((0, buf.shape[1], self.params.n_mels), buf.dtype)
            return {"pending": buf, "skip": np.array([skip - drop])}, empty
        frames = np.lib.stride_tricks.sliding_window_view(buf, n_fft, axis=0)[: (k - 1) * hop + 1 : hop]
        rows = self.frame_features(frames)  # (k, C, n_mels)
        return {"pending": buf[k * hop :].copy(), "skip": np.array([max(0, k * hop - len(buf))])}, rows

    # ------------------------------------------------------------------ frame reuse over a stream
    def shared_frame_hop(self) -> int | None:
        """Samples between frames when a window's frames are exactly the stream's frames at the
        window's offset (``center: false``: no padding; the q15 path's block-floating-point
        shift is per frame), so windows can share frames; None when they cannot (centred)."""
        return None if self.params.center else self.hop_length

    def stream_frame_rows(self, signal: np.ndarray, block_frames: int = 2048) -> np.ndarray:
        """:meth:`frame_features` of every frame of a recording ``(n, C)`` (non-centred framing),
        ``(C, n_frames, n_mels)``, computed ``block_frames`` frames at a time."""
        n_fft, hop = self.params.n_fft, self.hop_length
        sig = np.ascontiguousarray(np.asarray(signal).T)  # (C, n)
        n = dsp.n_frames(sig.shape[1], n_fft, hop, False)
        parts = [np.zeros((sig.shape[0], 0, self.params.n_mels), np.float32)]
        with single_thread_blas():
            for a in range(0, n, block_frames):
                b = min(n, a + block_frames)
                frames = dsp.frame_signal(sig[:, a * hop : (b - 1) * hop + n_fft], n_fft, hop, center=False)
                parts.append(self.frame_features(np.ascontiguousarray(frames)))
        return np.concatenate(parts, axis=1)

    def windows_from_rows(self, rows: np.ndarray) -> np.ndarray:
        """This stage's output for windows given their frame rows ``(n, C, n_frames, n_mels)``
        (from :meth:`stream_frame_rows`): the per-window steps of :meth:`_transform` (top_db
        clip over the window, then the DCT for mfcc), flattened the same way."""
        log_mel = self.clip_top_db(np.array(rows), axes=(-3, -2, -1))
        return self._after_clip(log_mel).reshape(len(log_mel), -1)

    def clip_top_db(self, log_mel: np.ndarray, axes=(-2, -1)) -> np.ndarray:
        """``max(x, max(x over the window) - top_db)`` (librosa.power_to_db's clip), in place."""
        rng = self.clip_range()
        if rng is None:
            return log_mel
        floor = log_mel.max(axis=axes, keepdims=True) - log_mel.dtype.type(rng)
        return np.maximum(log_mel, floor, out=log_mel)

    def window_post(self, log_mel: np.ndarray) -> np.ndarray:
        """Window-level step on ``(n_frames, n_mels)`` log-mel (or a batch of them)."""
        return self.clip_top_db(log_mel)

    # ------------------------------------------------------------------ specs
    def output_spec(self, input_spec: Spec) -> Spec:
        p = self.params
        sr = sample_rate_of(self, input_spec)
        check_below_nyquist(self, "fmax", self.fmax if p.fmax is not None else sr / 2, sr)
        if p.fmin >= sr / 2:
            raise ConfigError(
                f"stage '{self.name}': fmin {p.fmin:g} Hz is at or above the Nyquist frequency ({sr / 2:g} Hz); "
                "lower fmin",
                key=("fmin",),
            )
        check_min_length(self, "n_fft", p.n_fft, input_spec.length, f"n_fft={p.n_fft}")
        self.q15_k_ = None
        if getattr(p, "q15_scale", None) is not None:
            self._check_q15(input_spec)
        self.input_spec_ = input_spec
        self.__dict__.pop("_const_cache", None)
        empty = dsp.mel.empty_mel_bands(self.mel_matrix(np.float64))
        if empty:
            raise ConfigError(
                f"stage '{self.name}': mel bands {', '.join(map(str, empty[:4]))}{'...' if len(empty) > 4 else ''} "
                f"get no FFT bin with n_fft={p.n_fft} at {sr:g} Hz between {p.fmin:g} and {self.fmax:g} Hz; "
                "lower n_mels or raise n_fft",
                key=("n_mels",),
            )
        units = [f"_{self._unit}{k:02d}" for k in range(self._n_out)]
        prefixes = [f"{ch}_" if input_spec.n_channels > 1 else "" for ch in input_spec.names]
        frames = [f"f{t:02d}" for t in range(self.n_frames)]
        return Spec.vector([p + f + u for p in prefixes for f in frames for u in units])

    _unit = "m"

    @property
    def _n_out(self) -> int:
        return self.params.n_mels

    # ------------------------------------------------------------------ reference
    def _transform(self, X: np.ndarray) -> np.ndarray:
        p = self.params
        n, length, n_ch = X.shape
        signal = np.ascontiguousarray(X.transpose(0, 2, 1))  # (n, C, length)
        per = max(1, _MAX_BLOCK // max(1, self.n_frames * p.n_fft * n_ch))
        outs = []
        with single_thread_blas():
            for i in range(0, n, per):
                frames = dsp.frame_signal(signal[i : i + per], p.n_fft, self.hop_length, p.center, p.pad_mode)
                log_mel = self.frame_features(frames)  # (b, C, T, n_mels)
                log_mel = self.clip_top_db(log_mel, axes=(-3, -2, -1))
                outs.append(self._after_clip(log_mel).reshape(len(log_mel), -1))
        return np.concatenate(outs).astype(X.dtype, copy=False)

    def _after_clip(self, log_mel: np.ndarray) -> np.ndarray:
        return log_mel

    # ------------------------------------------------------------------ conformance
    @classmethod
    def example_input(cls, params, rng):
        sr = params.get("sample_rate") or 16000.0
        length = 4000
        X = np.stack([dsp.synth.vowels(length / sr, sr, seed=int(rng.integers(1 << 30)))[:length] for _ in range(12)])
        return Spec.signal(length, 1, sr), X[:, :, None].astype(np.float32), None

    # ------------------------------------------------------------------ cost
    def _mel_nnz(self) -> int:
        return int(self.mel_bands()[1][-1])

    def cost(self, board=None) -> Cost:
        p = self.params
        n_bins = p.n_fft // 2 + 1
        nnz = self._mel_nnz()
        n_ch = self.input_spec_.n_channels
        T = self.n_frames
        fft_ops = int(2.5 * p.n_fft * math.log2(p.n_fft)) + 4 * p.n_fft
        per_frame = p.n_fft + fft_ops + 3 * n_bins + nnz + 25 * p.n_mels
        ops = n_ch * T * per_frame + (2 * n_ch * T * p.n_mels if p.top_db is not None else 0)
        ops += self._extra_ops(n_ch, T)
        # window, FFT twiddles + bit reversal (or the direct DFT's cos/sin table when n_fft is not
        # a power of two), sparse mel weights with first bin / count per band, the kernel's
        # configuration, code
        pow2 = p.n_fft & (p.n_fft - 1) == 0
        fft_tables = 5 * p.n_fft if pow2 else 8 * p.n_fft
        flash = 4 * p.n_fft + fft_tables + 4 * nnz + 4 * p.n_mels + self._extra_flash() + 192 + 1536
        if getattr(self, "q15_k_", None) is not None:
            ram = self._q15_ram(n_ch, T)
        else:
            # the kernel's buffers and frame ring per channel (window mode), plus one frame of
            # pending samples per channel and the ring heads when the export streams frame by frame
            buf, ring = self.kernel_floats()
            ram = 4 * n_ch * (buf + ring + p.n_fft) + 4 * n_ch + self._extra_ram(n_ch, T)
        return Cost(flash_bytes=int(flash), ram_bytes=int(ram), ops=int(ops))

    def _q15_ram(self, n_ch: int, T: int) -> int:
        """RAM of the fixed-point C export streaming frame by frame (``emit_log_mel_q15``): per
        channel a ring of ``n_frames`` frames of int32 Q16 dB and one frame of pending int16 counts,
        three uint16 ring heads; scratch for one frame's int16 counts, the int32 FFT / power buffer
        and int32 dB; mfcc adds the window's float log-mel and one frame's int32 cepstrum. An upper
        bound for the integer pipeline, whose ring holds the int8 net's codes (1 B, not 4)."""
        p = self.params
        ram = n_ch * (4 * T * p.n_mels + 2 * p.n_fft) + 3 * 2 + 2 * p.n_fft + 4 * p.n_fft + 4 * p.n_mels
        if self.name == "mfcc":
            ram += 4 * n_ch * T * p.n_mels + 4 * self._n_out
        return ram

    def _extra_ops(self, n_ch, T) -> int:
        return 0

    def _extra_flash(self) -> int:
        return 0

    def _extra_ram(self, n_ch, T) -> int:
        return 0


@register
class LogMel(_MelStage):
    """Log mel spectrogram of each window, frame-major ``(n_frames * n_mels)`` (``f03_m12``);
    matches ``librosa.power_to_db(librosa.feature.melspectrogram(...))`` with the defaults."""

    name = "log_mel"

    class Params(_MelParams):
        type: Literal["log_mel"] = "log_mel"
        norm: Literal["slaney"] | None = Field(
            "slaney", description="mel filter normalisation: 'slaney' (area, librosa default) or None (peak 1)"
        )
        q15_scale: float | list[float] | None = fixed_point.Q15_SCALE

    @classmethod
    def examples(cls):
        return [
            {},
            {"n_fft": 512, "hop_length": 160, "n_mels": 40},
            {"n_fft": 256, "win_length": 200, "hop_length": 128, "n_mels": 32, "fmin": 20.0, "fmax": 7600.0},
            {
                "n_fft": 512,
                "hop_length": 256,
                "n_mels": 40,
                "center": False,
                "htk": True,
                "norm": None,
                "log": "ln",
                "floor_mode": "add",
                "amin": 1e-6,
                "top_db": None,
            },
            {"n_fft": 512, "hop_length": 320, "n_mels": 20, "pad_mode": "reflect", "window": "hamming", "power": 1.0},
            {"n_fft": 512, "win_length": 400, "hop_length": 400, "n_mels": 32, "center": False, "q15_scale": 2**-15},
        ]

    def _extra_ram(self, n_ch, T):
        return 0  # the output buffer holds the log-mel frames; the clip works in place


@register
class MFCC(_MelStage):
    """MFCCs of each window, frame-major ``(n_frames * n_mfcc)`` (``f03_c02``); matches
    ``librosa.feature.mfcc(...)`` with the defaults (DCT-II ``norm='ortho'`` of the clipped dB mel)."""

    name = "mfcc"
    _unit = "c"

    class Params(_MelParams):
        type: Literal["mfcc"] = "mfcc"
        n_mfcc: int = Field(
            20, ge=1, validate_default=True, description="number of coefficients kept, 1..n_mels (librosa default 20)"
        )
        norm: Literal["ortho"] | None = Field("ortho", description="DCT-II normalisation (librosa mfcc norm)")
        mel_norm: Literal["slaney"] | None = Field(
            "slaney", description="mel filter normalisation: 'slaney' (librosa default) or None"
        )
        lifter: float = Field(0.0, ge=0, description="cepstral liftering 1 + lifter/2 sin(pi (k+1) / lifter); 0: off")
        q15_scale: float | list[float] | None = fixed_point.Q15_SCALE

        @field_validator("n_mfcc")
        @classmethod
        def _n_mfcc_fits(cls, v, info):
            n_mels = info.data.get("n_mels")
            if n_mels is not None and not 1 <= v <= n_mels:
                raise ValueError(f"must be between 1 and n_mels ({n_mels}), got {v}")
            return v

    @classmethod
    def examples(cls):
        return [
            {},
            {"n_fft": 512, "hop_length": 160, "n_mels": 40, "n_mfcc": 13},
            {"n_fft": 400, "hop_length": 160, "n_mels": 26, "n_mfcc": 13, "fmin": 20.0, "lifter": 22.0},
            {
                "n_fft": 512,
                "hop_length": 256,
                "n_mels": 32,
                "n_mfcc": 10,
                "center": False,
                "htk": True,
                "mel_norm": None,
                "log": "ln",
                "floor_mode": "add",
                "amin": 1e-6,
                "top_db": None,
                "norm": None,
            },
            {"n_fft": 256, "hop_length": 256, "n_mels": 20, "n_mfcc": 8, "pad_mode": "reflect"},
            {"n_fft": 512, "hop_length": 400, "n_mels": 32, "n_mfcc": 13, "center": False, "q15_scale": 2**-15},
        ]

    def _mel_norm(self):
        return self.params.mel_norm

    @property
    def _n_out(self) -> int:
        return self.params.n_mfcc

    def dct_matrix(self, dtype=np.float32) -> np.ndarray:
        """DCT-II rows ``(n_mfcc, n_mels)`` (scipy.fft.dct type 2 with ``norm``), lifter folded in."""
        p = self.params
        d = dsp.dct_matrix(p.n_mfcc, p.n_mels, p.norm, dtype=np.float64)
        return (d * self.lifter_vector(np.float64)[:, None]).astype(dtype)

    def lifter_vector(self, dtype=np.float32) -> np.ndarray:
        """librosa's liftering weights ``1 + (lifter/2) sin(pi (k+1) / lifter)`` (ones when off)."""
        p = self.params
        k = np.arange(p.n_mfcc, dtype=np.float64)
        if p.lifter > 0:
            return (1 + (p.lifter / 2) * np.sin(np.pi * (k + 1) / p.lifter)).astype(dtype)
        return np.ones(p.n_mfcc, dtype=dtype)

    def _dct_t(self) -> np.ndarray:
        cache = self.__dict__.setdefault("_const_cache", {})
        if "dct" not in cache:
            cache["dct"] = np.ascontiguousarray(self.dct_matrix(np.float64).T)
        return cache["dct"]

    def dct_frames(self, log_mel: np.ndarray) -> np.ndarray:
        """DCT (and lifter) of each frame: ``(..., n_mels) -> (..., n_mfcc)``, in the input dtype.
        The sums accumulate in float64 (as a correctly rounded DCT would): a plain float32 sum
        of 128 values near -80 dB drifts by ~4e-4, a 1e-6 relative error a device may show."""
        if getattr(self, "q15_k_", None) is not None:  # the log-mel is Q16 codes * 2^-16 exactly
            codes = np.rint(np.asarray(log_mel, np.float64) * 65536).astype(np.int64)
            return fixed.to_features(fixed_mel.dct_q16(codes, self.q15_dct()), 2.0**-16)
        d = self._dct_t()
        flat = log_mel.reshape(-1, d.shape[0]).astype(np.float64)
        return (flat @ d).astype(log_mel.dtype).reshape(log_mel.shape[:-1] + (d.shape[1],))

    def q15_dct(self) -> np.ndarray:
        """The q15 DCT rows of the fixed-point path (orthonormal, no lifter: entries below 1)."""
        return fixed.q15(self.dct_matrix(np.float64))

    def window_post(self, log_mel: np.ndarray) -> np.ndarray:
        """top_db clip over the window, then the DCT of each frame: ``(n_frames, n_mels) -> (n_frames, n_mfcc)``."""
        return self.dct_frames(self.clip_top_db(log_mel))

    def _after_clip(self, log_mel):
        return self.dct_frames(log_mel)

    def _extra_ops(self, n_ch, T):
        return n_ch * T * self.params.n_mfcc * self.params.n_mels

    def _extra_flash(self):
        return 4 * self.params.n_mfcc * self.params.n_mels

    def _extra_ram(self, n_ch, T):
        # the top_db clip needs every frame's log-mel before the first DCT
        return 4 * n_ch * T * self.params.n_mels if self.params.top_db is not None else 0
