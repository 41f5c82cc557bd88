"""Vibration recipe: accelerometer signals of a rolling-element bearing simulated from its
geometry, in the manner of Randall & Antoni, "Rolling element bearing diagnostics — a
tutorial" (MSSP 2011) and the CWRU bearing test rig.

Characteristic frequencies from shaft frequency ``fr``, ``n`` balls of diameter ``d`` on
pitch diameter ``D`` with contact angle ``phi`` (r = d/D cos phi):
BPFO = n/2 fr (1 - r), BPFI = n/2 fr (1 + r), BSF = D/(2d) fr (1 - r^2), FTF = fr/2 (1 - r).

A local fault is an impulse train at its fault frequency (with 1-2 % slip jitter) exciting
structural resonances (decaying sinusoids, 2-5 kHz): outer race impulses of near-constant
amplitude (fixed load zone), inner race impulses amplitude-modulated at the shaft frequency
(the fault passes through the load zone), ball faults at 2 x BSF (the ball strikes both races)
modulated at the cage frequency FTF. Every class has shaft imbalance (1x, 2x), random
transients and broadband noise; loads scale impact and imbalance amplitudes.

Classes ``normal / outer / inner / ball``; conditions are (speed, load) pairs and the
held-out conditions use speeds *and* loads never used in training (``groups`` = condition).
Option ``target``: ``fault`` (the class, default), ``shaft_rpm`` (the shaft speed, rpm, with
the motor's slip under load: a regression target) or ``load`` (hp). For ``shaft_rpm`` the
groups are the nominal speeds (``1500rpm``) and for ``load`` the loads, so that grouped
cross-validation on the training part leaves out whole speeds (loads), as the held-out part does:
with conditions as groups a fold would keep the held-out speed at another load in training.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy.signal import fftconvolve

from ...errors import ConfigError
from .options import validated

VERSION = 1
CLASSES = ("normal", "outer", "inner", "ball")


@dataclass(frozen=True)
class BearingGeometry:
    """Bearing dimensions; defaults are the CWRU drive-end SKF 6205-2RS JEM (9 balls,
    ball 7.94 mm, pitch 39.04 mm)."""

    n_balls: int = 9
    ball_diameter: float = 7.94e-3
    pitch_diameter: float = 39.04e-3
    contact_angle_deg: float = 0.0

    def frequencies(self, shaft_hz: float) -> dict[str, float]:
        """BPFO, BPFI, BSF, FTF (Hz) at a shaft frequency (Hz)."""
        r = self.ball_diameter / self.pitch_diameter * np.cos(np.deg2rad(self.contact_angle_deg))
        return {
            "fr": shaft_hz,
            "bpfo": self.n_balls / 2.0 * shaft_hz * (1 - r),
            "bpfi": self.n_balls / 2.0 * shaft_hz * (1 + r),
            "bsf": self.pitch_diameter / (2.0 * self.ball_diameter) * shaft_hz * (1 - r * r),
            "ftf": shaft_hz / 2.0 * (1 - r),
        }


class VibrationOptions(BaseModel):
    """Options of the vibration recipe (``dataset: {loader: recipe, name: vibration, options: ...}``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sample_rate: float = Field(12000.0, gt=0)
    seconds: float = Field(4.0, gt=0, description="length of each recording")
    n_balls: int = Field(9, ge=3)
    ball_diameter_mm: float = Field(7.94, gt=0)
    pitch_diameter_mm: float = Field(39.04, gt=0)
    contact_angle_deg: float = Field(0.0, ge=0, lt=90)
    train_rpm: tuple[float, ...] = (1500.0, 1650.0, 1800.0)
    test_rpm: tuple[float, ...] = (1575.0, 1725.0)
    train_loads: tuple[int, ...] = (0, 2)
    test_loads: tuple[int, ...] = (1, 3)
    recordings_per_condition: int = Field(3, ge=1, description="recordings per class and condition")
    severities: tuple[float, ...] = (0.5, 1.0, 2.0)
    resonance_hz: tuple[float, float] = Field(
        (2000.0, 5000.0), description="range the machine's main structural resonance is drawn from (once per dataset)"
    )
    resonance_spread: float = Field(0.03, ge=0, lt=0.5, description="per-recording variation of the resonances")
    damping: tuple[float, float] = (0.02, 0.06)
    slip: float = Field(0.015, ge=0, lt=0.2, description="std of the impulse spacing, as a fraction of the period")
    noise_g: tuple[float, float] = (0.03, 0.12)
    seed: int = 0
    target: Literal["fault", "shaft_rpm", "load"] = Field(
        "fault", description="what each recording is labelled with: its fault class, its shaft speed (rpm) or load"
    )

    @staticmethod
    def small(**overrides) -> VibrationOptions:
        base = dict(
            seconds=2.0,
            train_rpm=(1500.0, 1800.0),
            test_rpm=(1650.0,),
            train_loads=(0,),
            test_loads=(1,),
            recordings_per_condition=2,
        )
        base.update(overrides)
        return VibrationOptions(**base)

    @property
    def geometry(self) -> BearingGeometry:
        return BearingGeometry(
            self.n_balls, self.ball_diameter_mm * 1e-3, self.pitch_diameter_mm * 1e-3, self.contact_angle_deg
        )


def parse_options(options: dict | None, key: tuple = ("dataset", "options")) -> VibrationOptions:
    options = dict(options or {})
    small = bool(options.pop("small", False))
    opts = validated(VibrationOptions, options, key, preset=VibrationOptions.small if small else None)
    if opts.ball_diameter_mm >= opts.pitch_diameter_mm:
        raise ConfigError("ball_diameter_mm must be smaller than pitch_diameter_mm", key=key + ("ball_diameter_mm",))
    for name in ("rpm", "loads"):
        both = sorted(set(getattr(opts, f"train_{name}")) & set(getattr(opts, f"test_{name}")))
        if both:
            raise ConfigError(
                f"{both[0]} is in both train_{name} and test_{name}; held-out conditions must be unseen in training",
                key=key + (f"test_{name}",),
            )
    return opts


@dataclass
class VibrationData:
    """Recordings ``signals`` (each (n_samples,) float32, in g), labels, condition groups,
    ``split`` (train/test) and per-recording metadata (rpm, load, severity, fault frequencies)."""

    signals: list[np.ndarray]
    labels: np.ndarray
    groups: np.ndarray
    split: np.ndarray
    meta: list[dict]
    sample_rate: float
    info: dict = field(default_factory=dict)


def impulse_response(fs: float, fn: float, zeta: float, seconds: float = 0.02) -> np.ndarray:
    """Unit-peak decaying sinusoid: exp(-zeta w t) sin(w sqrt(1-zeta^2) t), w = 2 pi fn."""
    t = np.arange(int(seconds * fs)) / fs
    w = 2 * np.pi * fn
    h = np.exp(-zeta * w * t) * np.sin(w * np.sqrt(1 - zeta * zeta) * t)
    return h / np.max(np.abs(h))


def impulse_times(freq: float, seconds: float, slip: float, rng: np.random.Generator) -> np.ndarray:
    """Impulse times at ``freq`` Hz, each spacing jittered by ``slip`` of the period (random phase)."""
    period = 1.0 / freq
    n = int(seconds * freq) + 2
    spacing = period * (1 + slip * rng.standard_normal(n))
    return rng.uniform(0, period) + np.concatenate([[0.0], np.cumsum(spacing[:-1])])


def machine(opts: VibrationOptions, rng) -> tuple[float, float]:
    """The test rig's two structural resonances (Hz): a main one and a weaker lower one."""
    main = rng.uniform(*opts.resonance_hz)
    return main, rng.uniform(0.5, 0.9) * opts.resonance_hz[0]


def simulate(
    label: str,
    rpm: float,
    load: int,
    severity: float,
    opts: VibrationOptions,
    rng,
    resonances: tuple[float, float] | None = None,
) -> tuple[np.ndarray, dict]:
    """One recording (float32, g) of a bearing with fault ``label`` at a speed and load on a
    machine with the given resonances (drawn from the options when None)."""
    fs, n = opts.sample_rate, int(opts.seconds * opts.sample_rate)
    t = np.arange(n) / fs
    fr = rpm / 60.0 * (1 - 0.002 * load * rng.uniform(0.5, 1.5))  # induction motor slip under load
    freqs = opts.geometry.frequencies(fr)
    speed = rpm / 1800.0
    x = np.zeros(n)
    # shaft imbalance (force ~ speed^2) and a 2x misalignment component
    imb = 0.05 * speed**2 * rng.uniform(0.5, 1.5)
    x += imb * np.sin(2 * np.pi * fr * t + rng.uniform(0, 2 * np.pi))
    x += 0.4 * imb * rng.uniform(0.2, 1.0) * np.sin(2 * np.pi * 2 * fr * t + rng.uniform(0, 2 * np.pi))
    # structural resonances of this machine (a main one plus a weaker one), varying a little
    f1, f2 = resonances if resonances is not None else machine(opts, rng)
    spread = 1 + opts.resonance_spread * rng.uniform(-1, 1, 2)
    responses = [
        (1.0, impulse_response(fs, min(f1 * spread[0], 0.45 * fs), rng.uniform(*opts.damping))),
        (0.4, impulse_response(fs, min(f2 * spread[1], 0.45 * fs), rng.uniform(*opts.damping))),
    ]
    pulses = np.zeros(n)
    # random transients present on every machine
    n_random = rng.poisson(2.0 * opts.seconds)
    idx = rng.integers(0, n, n_random)
    np.add.at(pulses, idx, rng.uniform(0.05, 0.25, n_random) * rng.choice([-1, 1], n_random))
    if label != "normal":
        amp = 0.4 * severity * speed * (1 + 0.25 * load) * rng.uniform(0.7, 1.3)
        if label == "outer":
            times = impulse_times(freqs["bpfo"], opts.seconds, opts.slip, rng)
            a = amp * (1 + 0.1 * rng.standard_normal(len(times)))
        elif label == "inner":
            times = impulse_times(freqs["bpfi"], opts.seconds, opts.slip, rng)
            phase = rng.uniform(0, 2 * np.pi)
            a = (
                amp
                * (0.55 + 0.45 * np.cos(2 * np.pi * fr * times + phase))
                * (1 + 0.1 * rng.standard_normal(len(times)))
            )
        elif label == "ball":
            times = impulse_times(2 * freqs["bsf"], opts.seconds, opts.slip, rng)
            phase = rng.uniform(0, 2 * np.pi)
            a = (
                0.7
                * amp
                * (0.5 + 0.5 * np.cos(2 * np.pi * freqs["ftf"] * times + phase))
                * (1 + 0.2 * rng.standard_normal(len(times)))
            )
        else:
            raise ValueError(label)
        k = np.round(times * fs).astype(int)
        keep = (k >= 0) & (k < n)
        np.add.at(pulses, k[keep], a[keep])
    for gain, h in responses:
        x += gain * fftconvolve(pulses, h)[:n]
    x += rng.uniform(*opts.noise_g) * rng.standard_normal(n)
    return x.astype(np.float32), {"rpm": rpm, "load": load, "severity": severity if label != "normal" else 0.0,
                                  "shaft_rpm": round(60.0 * fr, 3),
                                  **{k: round(float(v), 3) for k, v in freqs.items()}}  # fmt: skip


def build(opts: VibrationOptions | dict | None = None) -> VibrationData:
    """All recordings: every class x condition x recording, training and held-out conditions."""
    if not isinstance(opts, VibrationOptions):
        opts = parse_options(opts)
    rng = np.random.default_rng(opts.seed)
    rig = machine(opts, rng)
    signals, labels, groups, split, meta = [], [], [], [], []
    for part, rpms, loads in (("train", opts.train_rpm, opts.train_loads), ("test", opts.test_rpm, opts.test_loads)):
        for rpm in rpms:
            for load in loads:
                cond = f"{rpm:g}rpm-{load}hp"
                for label in CLASSES:
                    for _ in range(opts.recordings_per_condition):
                        sev = float(rng.choice(opts.severities))
                        x, m = simulate(label, rpm, load, sev, opts, rng, rig)
                        signals.append(x)
                        labels.append(label)
                        groups.append(cond)
                        split.append(part)
                        meta.append(m)
    return VibrationData(
        signals, np.array(labels), np.array(groups), np.array(split), meta, opts.sample_rate,
        info={"options": opts.model_dump(mode="json")},
    )  # fmt: skip


def load(config, options: dict | None = None):
    """Recipe hook for ``dataset: {loader: recipe, name: vibration}``: one recording per
    class x condition x repetition, ``fold`` = train/test by held-out condition, labelled with
    the ``target`` option (the fault class, or the shaft speed or load as numbers)."""
    from ..dataset import Dataset

    options = dict(options or {})
    options.setdefault("sample_rate", float(config.sensor.sample_rate))
    opts = parse_options(options)
    data = build(opts)
    names = [f"{lab}:{g}:{i}" for i, (lab, g) in enumerate(zip(data.labels.tolist(), data.groups.tolist()))]
    labels, groups = data.labels, data.groups
    if opts.target != "fault":
        labels = np.array([m[opts.target] for m in data.meta])
        key = "rpm" if opts.target == "shaft_rpm" else "load"
        groups = np.array([f"{m[key]:g}{'rpm' if key == 'rpm' else 'hp'}" for m in data.meta])
    return Dataset(
        [x[:, None] for x in data.signals], labels, groups, data.sample_rate,
        tuple(config.sensor.channels), names, fold=data.split, source="recipe:vibration",
    )  # fmt: skip
