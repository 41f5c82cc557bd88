"""A temporal convolutional network in numpy: forward pass, back-propagation and Adam.

Layout and semantics follow Keras: input ``(n, time, channels)``; ``Conv1D(padding="valid")``
with kernels stored im2col-style as ``(kernel * channels_in, filters)`` (row ``j * C + c`` is tap
``j`` of input channel ``c``), then ReLU; ``GlobalMaxPooling1D`` or ``GlobalAveragePooling1D``;
``Dense`` to the class logits. Because frames are stored time-major, the receptive field of
output step ``t`` is the contiguous slice ``x[t*stride : t*stride + kernel]`` — a device runs
each layer as one dense product per output step, without an im2col copy.

Training: softmax cross-entropy, L2 penalty, Adam (Kingma & Ba 2015, β = 0.9, 0.999) with a
cosine learning-rate schedule, and optional augmentation of each mini-batch: a random time
shift (``np.roll`` along time), a random shift along the feature axis (a cheap vocal-tract-length
perturbation on mel bands) and SpecAugment-style time and feature masks (Park et al. 2019).
Optionally, knowledge distillation (Hinton et al. 2015, temperature 1): the targets blend the
one-hot labels with the mean softmax of already-trained teacher networks on the same augmented
batch, so one network learns what an ensemble of them agrees on. And optionally weight averaging
over the last epochs (Izmailov et al. 2018, "stochastic weight averaging", here over the tail of
the cosine schedule): the exported weights are the mean of the end-of-epoch weights.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from ..dsp.blas import single_thread_blas

# Who hears about each finished epoch, besides ``fit``'s ``on_epoch``: set with ``reporting_epochs``
# by code that cannot reach the ``fit`` call (a progress bar around a pipeline's fit).
_EPOCH_LISTENER: contextvars.ContextVar[Callable[[int, int, float], None] | None] = contextvars.ContextVar(
    "sensorflow_epoch_listener", default=None
)


@contextlib.contextmanager
def reporting_epochs(listener: Callable[[int, int, float], None]) -> Iterator[None]:
    """Within this block every ``fit`` calls ``listener(epoch, n_epochs, mean_loss)`` after each
    epoch (a progress callback: it only reads, so training gives the same weights)."""
    token = _EPOCH_LISTENER.set(listener)
    try:
        yield
    finally:
        _EPOCH_LISTENER.reset(token)


@dataclass
class ConvLayer:
    weight: np.ndarray  # (kernel * c_in, filters)
    bias: np.ndarray  # (filters,)
    kernel: int
    stride: int

    @property
    def filters(self) -> int:
        return int(self.weight.shape[1])


@dataclass
class Network:
    layers: list[ConvLayer]
    out_weight: np.ndarray  # (filters_last, n_classes)
    out_bias: np.ndarray
    pool: str = "max"

    def params(self) -> list[np.ndarray]:
        return [L.weight for L in self.layers] + [L.bias for L in self.layers] + [self.out_weight, self.out_bias]


def out_steps(steps: int, kernel: int, stride: int) -> int:
    """Output length of a valid convolution (Keras ``padding="valid"``)."""
    return (steps - kernel) // stride + 1


def patches(x: np.ndarray, kernel: int, stride: int) -> np.ndarray:
    """im2col view ``(n, steps_out, kernel * channels)`` of ``x (n, steps, channels)`` (no copy)."""
    x = np.ascontiguousarray(x)
    n, steps, c = x.shape
    t_out = out_steps(steps, kernel, stride)
    s0, s1, s2 = x.strides
    view = np.lib.stride_tricks.as_strided(x, (n, t_out, kernel, c), (s0, s1 * stride, s1, s2), writeable=False)
    return view.reshape(n, t_out, kernel * c)


def init_network(
    c_in: int,
    filters: list[int],
    kernels: list[int],
    strides: list[int],
    n_classes: int,
    pool: str,
    rng: np.random.Generator,
) -> Network:
    """He-normal kernels, zero biases (Keras' defaults for ReLU layers are close to this)."""
    layers, c = [], c_in
    for f, k, s in zip(filters, kernels, strides):
        w = rng.standard_normal((k * c, f)) * np.sqrt(2.0 / (k * c))
        layers.append(ConvLayer(w.astype(np.float32), np.zeros(f, np.float32), k, s))
        c = f
    w_out = rng.standard_normal((c, n_classes)) * np.sqrt(1.0 / c)
    return Network(layers, w_out.astype(np.float32), np.zeros(n_classes, np.float32), pool)


def forward(net: Network, x: np.ndarray, trace: list | None = None) -> np.ndarray:
    """Class logits ``(n, n_classes)`` for ``x (n, steps, channels)`` (float32 throughout)."""
    h = np.asarray(x, dtype=np.float32)
    for L in net.layers:
        p = patches(h, L.kernel, L.stride)
        z = p @ L.weight
        z += L.bias
        if trace is not None:
            trace.append((h.shape, p, z))
        h = np.maximum(z, 0.0)
    pooled = h.max(axis=1) if net.pool == "max" else h.mean(axis=1)
    if trace is not None:
        trace.append(h)
    return pooled @ net.out_weight + net.out_bias


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def backward(net: Network, trace: list, d_logits: np.ndarray) -> list[np.ndarray]:
    """Gradients in the order of ``net.params()`` given d(loss)/d(logits)."""
    h = trace[-1]
    pooled = h.max(axis=1) if net.pool == "max" else h.mean(axis=1)
    g_out_w = pooled.T @ d_logits
    g_out_b = d_logits.sum(axis=0)
    d_pooled = d_logits @ net.out_weight.T
    if net.pool == "max":
        idx = h.argmax(axis=1)
        d_h = np.zeros_like(h)
        np.put_along_axis(d_h, idx[:, None, :], d_pooled[:, None, :], axis=1)
    else:
        d_h = np.repeat(d_pooled[:, None, :] / h.shape[1], h.shape[1], axis=1)
    g_w, g_b = [None] * len(net.layers), [None] * len(net.layers)
    for i in range(len(net.layers) - 1, -1, -1):
        L = net.layers[i]
        shape, p, z = trace[i]
        d_z = d_h * (z > 0)
        g_w[i] = np.einsum("ntk,ntf->kf", p, d_z, optimize=True)
        g_b[i] = d_z.sum(axis=(0, 1))
        if i:
            d_p = (d_z @ L.weight.T).reshape(shape[0], d_z.shape[1], L.kernel, shape[2])
            d_h = np.zeros(shape, dtype=d_p.dtype)
            span = L.stride * (d_z.shape[1] - 1) + 1
            for j in range(L.kernel):
                d_h[:, j : j + span : L.stride, :] += d_p[:, :, j, :]
    return g_w + g_b + [g_out_w, g_out_b]


@dataclass
class Augment:
    """Per-batch augmentation; all sizes in steps / features, 0 disables."""

    time_shift: int = 0
    feature_shift: int = 0
    mask: int = 0

    def __call__(self, xb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if self.time_shift:
            xb = np.roll(xb, int(rng.integers(-self.time_shift, self.time_shift + 1)), axis=1)
        if self.feature_shift:
            xb = np.roll(xb, int(rng.integers(-self.feature_shift, self.feature_shift + 1)), axis=2)
        if self.mask:
            xb = np.array(xb, copy=True)
            n, steps, feats = xb.shape
            t0 = rng.integers(0, max(steps - self.mask, 1), n)
            tw = rng.integers(0, self.mask + 1, n)
            f0 = rng.integers(0, max(feats - self.mask, 1), n)
            fw = rng.integers(0, self.mask + 1, n)
            t = np.arange(steps)[None, :]
            f = np.arange(feats)[None, :]
            xb[(t >= t0[:, None]) & (t < (t0 + tw)[:, None])] = 0.0
            fm = (f >= f0[:, None]) & (f < (f0 + fw)[:, None])
            xb *= ~fm[:, None, :]
        return xb


@dataclass
class TrainSettings:
    epochs: int = 30
    batch_size: int = 64
    learning_rate: float = 2e-3
    final_learning_rate: float = 1e-4
    alpha: float = 1e-4
    augment: Augment = field(default_factory=Augment)
    class_weight: np.ndarray | None = None
    teachers: list[Network] = field(default_factory=list)
    teacher_weight: float = 0.7  # share of the teachers' mean softmax in the targets (the rest: labels)
    average_last: float = 0.0  # average the weights of the last this share of epochs (0: keep the last)


def soft_targets(teachers: list[Network], xb: np.ndarray, y: np.ndarray, n_classes: int, weight: float) -> np.ndarray:
    """``(1 - weight) * onehot(y) + weight * mean teacher softmax`` for the batch ``xb``."""
    target = np.zeros((len(y), n_classes))
    target[np.arange(len(y)), y] = 1.0 - weight
    if teachers:
        target += weight * np.mean([softmax(forward(t, xb).astype(np.float64)) for t in teachers], axis=0)
    else:
        target[np.arange(len(y)), y] += weight
    return target


def fit(
    net: Network,
    x: np.ndarray,
    y: np.ndarray,
    settings: TrainSettings,
    rng: np.random.Generator,
    on_epoch: Callable[[int, float], None] | None = None,
) -> Network:
    """Mini-batch Adam on softmax cross-entropy + ``alpha/2 * |w|^2``; ``y`` are class indices
    (targets blended with ``settings.teachers``' answers when there are teachers).

    Runs on one BLAS thread: a threaded BLAS splits the sums differently for each thread count,
    so the same seed would train a slightly different net on a machine with more cores. The
    products are small mini-batches, so one thread is no slower."""
    with single_thread_blas():
        return _fit(net, x, y, settings, rng, on_epoch)


def _fit(
    net: Network,
    x: np.ndarray,
    y: np.ndarray,
    settings: TrainSettings,
    rng: np.random.Generator,
    on_epoch: Callable[[int, float], None] | None,
) -> Network:
    params = net.params()
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    n = len(x)
    n_classes = net.out_bias.shape[0]
    weight = (
        np.ones(n_classes, np.float32)
        if settings.class_weight is None
        else np.asarray(settings.class_weight, np.float32)
    )
    step = 0
    lr0, lr1 = settings.learning_rate, settings.final_learning_rate
    first_averaged = settings.epochs - int(round(settings.average_last * settings.epochs))
    listener = _EPOCH_LISTENER.get()
    averaged = [np.zeros(p.shape, np.float64) for p in params]
    for epoch in range(settings.epochs):
        lr = lr1 + 0.5 * (lr0 - lr1) * (1.0 + np.cos(np.pi * epoch / max(settings.epochs - 1, 1)))
        order = rng.permutation(n)
        total = 0.0
        for start in range(0, n, settings.batch_size):
            batch = order[start : start + settings.batch_size]
            xb = settings.augment(x[batch], rng)
            trace: list = []
            prob = softmax(forward(net, xb, trace))
            w = weight[y[batch]]
            if settings.teachers:
                target = soft_targets(settings.teachers, xb, y[batch], n_classes, settings.teacher_weight)
                total += float(-(w * (target * np.log(prob + 1e-12)).sum(axis=1)).sum())
                d = prob - target
            else:
                rows = np.arange(len(batch))
                total += float(-(w * np.log(prob[rows, y[batch]] + 1e-12)).sum())
                d = prob
                d[rows, y[batch]] -= 1.0
            d *= (w / w.sum())[:, None]
            grads = backward(net, trace, d.astype(np.float32))
            step += 1
            c1, c2 = 1.0 - 0.9**step, 1.0 - 0.999**step
            for p, g, mi, vi in zip(params, grads, m, v):
                g = g + settings.alpha * p
                mi *= 0.9
                mi += 0.1 * g
                vi *= 0.999
                vi += 0.001 * g * g
                p -= (lr * (mi / c1) / (np.sqrt(vi / c2) + 1e-8)).astype(np.float32)
        if epoch >= first_averaged:
            for a, p in zip(averaged, params):
                a += p
        if on_epoch is not None:
            on_epoch(epoch, total / n)
        if listener is not None:
            listener(epoch, settings.epochs, total / n)
    if first_averaged < settings.epochs:
        for a, p in zip(averaged, params):
            p[...] = (a / (settings.epochs - first_averaged)).astype(p.dtype)
    return net
