"""A small temporal convolutional network over a window's frames (log-mel / MFCC rows, or the raw
samples of every channel through the ``frames`` stage, as TFLM's magic_wand reads accelerometer
samples), in the shape of the keyword-spotting CNNs of TFLM's micro_speech and TC-ResNet (Choi et al. 2019):
valid 1-D convolutions along time with ReLU, global max (or average) pooling, a dense layer,
softmax. Trained with numpy alone (``sensorflow.nn.conv1d``; Keras layer conventions).

The input vector is the window's frames, time-major: ``frame_size`` features per step, as the
``log_mel`` / ``mfcc`` / ``frames`` stages flatten them (inferred from their ``fNN_`` feature names when not
given). Learned state: per-layer kernels ``(kernel * c_in, filters)`` concatenated flat in
``weights_``, biases in ``biases_``, ``[rows, filters, kernel, stride]`` per layer in
``layer_shapes_``, and the dense layer ``out_weight_`` / ``out_bias_``.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Literal

import numpy as np
from pydantic import Field, PositiveInt, model_validator

from ...cost import Cost
from ...errors import ConfigError
from ...nn import conv1d as nn
from ...registry import register
from ...spec import Spec
from ..base import StageParams
from .base import Model

_FRAME_NAME = re.compile(r"(?:^|[._])f(\d+)_")
# code of the C kernels the export calls, measured on the Cortex-M4F at -O2 (2026-12-06:
# sf_conv 2116 B, sf_dense 612 B, sf_linear 764 B) plus the stage function
_KERNEL_CODE_BYTES = 3700


def fold_standardization(layer: nn.ConvLayer, mean: np.ndarray, scale: np.ndarray) -> None:
    """Make ``layer`` act on raw frames as it did on ``(x - mean) / scale`` (per feature of a
    frame): divide each kernel row by its feature's scale and move the mean into the bias."""
    c = len(mean)
    w = layer.weight.astype(np.float64).reshape(layer.kernel, c, -1) / scale[None, :, None]
    layer.bias = (layer.bias - np.einsum("jcf,c->f", w, mean)).astype(np.float32)
    layer.weight = w.reshape(layer.kernel * c, -1).astype(np.float32)


@register
class Conv1D(Model):
    """Temporal CNN over a window's log-mel / MFCC frames or raw samples (``frames``): valid 1-D convolutions + ReLU, global
    max or average pooling, dense, softmax (Keras layer conventions; trained in numpy by
    ``sensorflow.nn.conv1d``, checked against ``scipy.signal.correlate``)."""

    name = "conv1d"

    class Params(StageParams):
        type: Literal["conv1d"] = "conv1d"
        frame_size: int | None = Field(
            None, ge=1, description="features per time step (default: from log_mel/mfcc/frames names)"
        )
        filters: list[int] = Field(
            default_factory=lambda: [32, 32, 32], min_length=1, description="filters per conv layer"
        )
        kernel_size: int = Field(3, ge=1, description="taps of every conv layer (time steps)")
        strides: list[PositiveInt] | None = Field(
            None, description="stride per conv layer (default 1, then 2 for the rest)"
        )
        pool: Literal["max", "avg"] = Field("max", description="global pooling over time")
        center_window: bool = Field(
            False,
            description="subtract each feature's (mel band's) mean over the "
            "window's time steps before the network (per-window mean normalisation, as "
            "cepstral mean normalisation does per utterance): a steady noise floor or "
            "channel tilt drops out. On the device a per-window bias of the first layer",
        )
        standardize: bool = Field(
            True,
            description="standardise each feature of a frame (e.g. each mel band) over "
            "the training set, folded into the first layer: no scaler stage, no extra cost",
        )
        epochs: int = Field(30, ge=1)
        batch_size: int = Field(64, ge=1)
        learning_rate: float = Field(2e-3, gt=0, description="Adam step size at the start (cosine decay)")
        alpha: float = Field(1e-4, ge=0, description="L2 penalty")
        time_shift: int = Field(3, ge=0, description="augmentation: random shift of up to this many steps")
        feature_shift: int = Field(0, ge=0, description="augmentation: random shift along the features (mel bands)")
        mask: int = Field(0, ge=0, description="augmentation: SpecAugment time/feature masks up to this wide")
        class_weight: Literal["balanced"] | None = None
        teachers: int = Field(
            0,
            ge=0,
            description="knowledge distillation: first train this many networks of the "
            "same shape (random_state, random_state + 1, ...), then fit the exported one to "
            "their mean answers blended with the labels. Costs training time only: the device "
            "runs one network, as without",
        )
        teacher_filters: list[PositiveInt] | None = Field(
            None,
            min_length=1,
            description="filters per conv layer of the teachers (default: the exported "
            "network's); wider teachers cost training time only",
        )
        teacher_weight: float = Field(
            0.7,
            ge=0,
            le=1,
            description="share of the teachers' mean softmax in the training targets (the rest: the labels)",
        )
        average_last: float = Field(
            0.0,
            ge=0,
            lt=1,
            description="export the mean of the end-of-epoch weights "
            "over this last share of the epochs (stochastic weight averaging; 0: the "
            "last weights). Costs nothing on the device",
        )
        random_state: int = 0

        @model_validator(mode="after")
        def _layer_lists_match(self):
            if self.strides is not None and len(self.strides) != len(self.filters):
                raise ValueError(
                    f"strides has {len(self.strides)} entries but filters has {len(self.filters)}; give one per layer"
                )
            if self.teacher_filters is not None and len(self.teacher_filters) != len(self.filters):
                raise ValueError(
                    f"teacher_filters has {len(self.teacher_filters)} entries but filters has "
                    f"{len(self.filters)}; the teachers need as many layers (the strides are shared)"
                )
            return self

    def __init__(self, params=None, **kwargs):
        super().__init__(params, **kwargs)
        self.frame_size_ = self.layer_shapes_ = self.weights_ = self.biases_ = None
        self.out_weight_ = self.out_bias_ = None

    # ------------------------------------------------------------------ geometry
    @property
    def stride_list(self) -> list[int]:
        p = self.params
        return list(p.strides) if p.strides is not None else [1] + [2] * (len(p.filters) - 1)

    def frame_size(self, spec: Spec | None = None) -> int:
        """Features per time step: the parameter, else the number of names per ``fNN_`` frame."""
        if self.frame_size_:
            return int(self.frame_size_)
        spec = spec or self.input_spec_
        n = int(spec.shape[0])
        size = self.params.frame_size
        if size is None:
            frames = {m.group(1) for m in map(_FRAME_NAME.search, spec.names) if m}
            if not frames or n % len(frames):
                raise ConfigError(
                    f"stage '{self.name}': cannot tell the frames of the {n} input features apart; "
                    "set frame_size (features per time step)",
                    key=("frame_size",),
                )
            size = n // len(frames)
            first = {m.group(1) for m in map(_FRAME_NAME.search, spec.names[:size]) if m}
            if len(first) != 1:
                raise ConfigError(
                    f"stage '{self.name}': the input features are not time-major frames (several channels?); "
                    "use one channel or set frame_size",
                    key=("frame_size",),
                )
        if n % size:
            raise ConfigError(
                f"stage '{self.name}': {n} input features are not whole frames of {size}; fix frame_size",
                key=("frame_size",),
            )
        return size

    def geometry(self, spec: Spec | None = None) -> list[tuple[int, int, int, int, int]]:
        """``(steps_in, c_in, filters, kernel, stride)`` per conv layer; refuses a net too deep for the window."""
        size = self.frame_size(spec)
        steps = int((spec or self.input_spec_).shape[0]) // size
        out, c = [], size
        for i, (f, s) in enumerate(zip(self.params.filters, self.stride_list)):
            k = self.params.kernel_size
            if nn.out_steps(steps, k, s) < 1:
                raise ConfigError(
                    f"stage '{self.name}': layer {i + 1} gets {steps} time steps, fewer than kernel_size {k}; "
                    "use fewer layers, smaller strides or a longer window",
                    key=("filters",),
                )
            out.append((steps, c, f, k, s))
            steps, c = nn.out_steps(steps, k, s), f
        return out

    def output_spec(self, input_spec: Spec) -> Spec:
        self.geometry(input_spec)
        return super().output_spec(input_spec)

    # ------------------------------------------------------------------ training
    def _fit(self, X, y):
        codes = self._learned_classes(y)
        p = self.params
        size = self.frame_size()
        x = self._frames(X, size)
        mean = np.zeros(size, np.float64)
        scale = np.ones(size, np.float64)
        if p.standardize:
            mean = x.mean(axis=(0, 1), dtype=np.float64)
            std = x.std(axis=(0, 1), dtype=np.float64)
            scale = np.where(std > 1e-12, std, 1.0)
            x = ((x - mean) / scale).astype(np.float32)
        labels = codes.astype(np.int64)
        rng = np.random.default_rng(p.random_state)
        net = self._new_network(size, rng)
        weight = None
        if p.class_weight == "balanced":
            counts = np.bincount(codes, minlength=len(self.classes_))
            weight = len(codes) / (len(self.classes_) * np.maximum(counts, 1))
        settings = nn.TrainSettings(
            epochs=p.epochs,
            batch_size=p.batch_size,
            learning_rate=p.learning_rate,
            final_learning_rate=p.learning_rate / 20.0,
            alpha=p.alpha,
            class_weight=weight,
            augment=nn.Augment(p.time_shift, p.feature_shift, p.mask),
            average_last=p.average_last,
        )
        if p.teachers:
            teachers = self._teachers(x, labels, settings, size)
            settings = dataclasses.replace(settings, teachers=teachers, teacher_weight=p.teacher_weight)
        nn.fit(net, x, labels, settings, rng)
        fold_standardization(net.layers[0], mean, scale)
        self._store(net, size)

    def _new_network(self, size: int, rng: np.random.Generator, filters: list[int] | None = None) -> nn.Network:
        """A freshly initialised network of the configured shape (or ``filters`` wide) for frames of
        ``size`` features."""
        p = self.params
        filters = list(filters or p.filters)
        kernels = [p.kernel_size] * len(filters)
        return nn.init_network(size, filters, kernels, self.stride_list, len(self.classes_), p.pool, rng)

    def _teachers(self, x, labels, settings: nn.TrainSettings, size: int) -> list[nn.Network]:
        """The distillation teachers: networks of the configured shape (``teacher_filters`` wide if
        set) trained on the labels with seeds ``random_state + i`` (teacher 0 is, at the configured
        shape, the network this stage trains without teachers)."""
        out = []
        for i in range(self.params.teachers):
            rng = np.random.default_rng(self.params.random_state + i)
            net = self._new_network(size, rng, self.params.teacher_filters)
            out.append(nn.fit(net, x, labels, settings, rng))
        return out

    def _store(self, net: nn.Network, size: int) -> None:
        self.frame_size_ = int(size)
        self.layer_shapes_ = [[int(L.weight.shape[0]), L.filters, L.kernel, L.stride] for L in net.layers]
        self.weights_ = np.concatenate([L.weight.ravel() for L in net.layers]).astype(np.float32)
        self.biases_ = np.concatenate([L.bias for L in net.layers]).astype(np.float32)
        self.out_weight_ = np.asarray(net.out_weight, np.float32)
        self.out_bias_ = np.asarray(net.out_bias, np.float32)
        self._after_fit()

    def check_learned(self, values) -> None:
        """``layer_shapes_`` rows/filters/kernel/stride per layer, rows = kernel x the layer's input
        channels (``frame_size_`` for the first); flat ``weights_``/``biases_`` exactly that long;
        ``out_weight_`` ``(last filters, n_classes)``, ``out_bias_`` ``(n_classes,)``."""
        super().check_learned(values)
        from ...errors import ArtifactError
        from .. import learned as L

        size = L.positive_int(values, "frame_size_")
        shapes = L.int_list(values, "layer_shapes_")
        n_features = self._learned_n_features()
        if n_features is not None and n_features % size:
            raise ArtifactError(f"'frame_size_' {size} does not divide the model's {n_features} features")
        channels = size
        for shape in shapes:
            if not isinstance(shape, list) or len(shape) != 4 or shape[0] != shape[2] * channels:
                raise ArtifactError(
                    f"'layer_shapes_' entry {shape!r:.40} is not [kernel x inputs, filters, kernel, stride]"
                )
            channels = shape[1]
        L.array(values, "weights_", "f", shape=(sum(s[0] * s[1] for s in shapes),))
        L.array(values, "biases_", "f", shape=(sum(s[1] for s in shapes),))
        n_classes = len(values["classes_"])
        L.array(values, "out_weight_", "f", shape=(channels, n_classes))
        L.array(values, "out_bias_", "f", shape=(n_classes,))

    def network(self) -> nn.Network:
        """The learned network (views into the stored arrays)."""
        layers, wo, bo = [], 0, 0
        for rows, filters, kernel, stride in self.layer_shapes_:
            w = np.asarray(self.weights_[wo : wo + rows * filters]).reshape(rows, filters)
            b = np.asarray(self.biases_[bo : bo + filters])
            layers.append(nn.ConvLayer(w, b, int(kernel), int(stride)))
            wo += rows * filters
            bo += filters
        return nn.Network(layers, np.asarray(self.out_weight_), np.asarray(self.out_bias_), self.params.pool)

    # ------------------------------------------------------------------ inference
    def _frames(self, X, size: int) -> np.ndarray:
        """``X`` as ``(windows, steps, size)`` float32, each feature less its window mean if
        ``center_window``."""
        x = np.asarray(X, np.float32).reshape(len(X), -1, size)
        if self.params.center_window:
            x = x - x.mean(axis=1, keepdims=True)
        return x

    def centring_sums(self) -> np.ndarray:
        """``S[c, f]``: the first layer's weights summed over its taps. With ``center_window`` the
        first layer sees ``x - mean_c``; being linear, that is the layer on ``x`` with bias
        ``b[f] - sum_c S[c, f] mean_c`` (how the exports apply it: no centred copy of the window)."""
        first = self.network().layers[0]
        c = int(self.frame_size_)
        return np.asarray(first.weight, np.float64).reshape(first.kernel, c, -1).sum(axis=0).astype(np.float32)

    def logits(self, X) -> np.ndarray:
        return nn.forward(self.network(), self._frames(X, int(self.frame_size_)))

    def _proba(self, X):
        return nn.softmax(self.logits(X).astype(np.float64))

    def _predict_index(self, X):
        return np.argmax(self.logits(X), axis=1)

    # ------------------------------------------------------------------ cost
    def cost(self, board=None) -> Cost:
        geo = self.geometry()
        n_classes = max(self.n_classes, 2)
        n_params, ops, widest = 0, 0, 0
        for steps, c, f, k, s in geo:
            t_out = nn.out_steps(steps, k, s)
            n_params += k * c * f + f
            ops += t_out * f * (k * c + 2)
            widest = max(widest, t_out * f)
        f_last = geo[-1][2]
        n_params += f_last * n_classes + n_classes
        ops += widest + f_last * n_classes
        # two ping-pong activation buffers sized for the widest layer output, plus the pooled vector
        ram = 4 * (2 * widest + f_last)
        if self.params.center_window:  # window means, then the first layer's per-window bias
            steps, c, f = geo[0][:3]
            n_params += c * f
            ops += steps * c + c * f + f
            ram += 4 * (c + f)
        return Cost(flash_bytes=4 * n_params + _KERNEL_CODE_BYTES, ram_bytes=ram, ops=ops)

    # ------------------------------------------------------------------ conformance
    @classmethod
    def examples(cls):
        return [
            {"filters": [6, 6], "kernel_size": 2, "frame_size": 2, "epochs": 20, "time_shift": 1},
            {
                "filters": [4],
                "kernel_size": 2,
                "pool": "avg",
                "epochs": 20,
                "frame_size": 3,
                "time_shift": 0,
                "feature_shift": 1,
                "mask": 1,
                "class_weight": "balanced",
            },
            {
                "filters": [5, 4],
                "kernel_size": 2,
                "strides": [1, 2],
                "frame_size": 3,
                "epochs": 20,
                "center_window": True,
            },
        ]

    @classmethod
    def example_input(cls, params, rng):
        n, steps, size = 60, 8, params.get("frame_size") or 3
        y = np.arange(n) % 3
        x = rng.standard_normal((n, steps, size)).astype(np.float32)
        x[np.arange(n), rng.integers(0, steps, n), 0] += 3.0 * (y + 1)  # a class-dependent bump anywhere in time
        names = [f"f{t:02d}_m{j:02d}" for t in range(steps) for j in range(size)]
        return Spec.vector(names), x.reshape(n, -1), y
