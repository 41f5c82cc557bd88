"""Deterministic test signals: speech-like vowels, chirps, AM tones, noise, impulse trains.
Used by the oracle tests and the host benchmark (no recordings ship with the package)."""

from __future__ import annotations

import numpy as np

# (F1, F2, F3) formants in Hz of a few vowels (Peterson & Barney averages, male speakers)
_VOWELS = ((730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240), (530, 1840, 2480), (570, 840, 2410))


def vowels(seconds: float, sr: float, seed: int = 0) -> np.ndarray:
    """Syllables of synthetic vowels: a glottal pulse train with vibrato through three formant
    resonators, shaped by syllable envelopes, separated by near-silence and fricative noise."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * sr))
    out = np.zeros(n)
    t0 = 0
    while t0 < n:
        dur = int(sr * rng.uniform(0.12, 0.35))
        seg = min(dur, n - t0)
        t = np.arange(seg) / sr
        f0 = rng.uniform(90, 230) * (1 + 0.03 * np.sin(2 * np.pi * 5.5 * t))
        phase = np.cumsum(f0) / sr
        src = np.diff(np.floor(phase), prepend=0.0)  # one impulse per period
        voiced = src
        for f, bw in zip(_VOWELS[rng.integers(len(_VOWELS))], (90, 110, 170)):
            r = np.exp(-np.pi * bw / sr)
            a = [1, -2 * r * np.cos(2 * np.pi * f / sr), r * r]
            voiced = _signal().lfilter([1 - r], a, voiced)
        env = np.sin(np.pi * np.arange(seg) / max(seg, 1)) ** 0.5
        out[t0 : t0 + seg] = voiced * env * rng.uniform(0.2, 1.0) / (np.abs(voiced).max() + 1e-12)
        t0 += seg
        gap = min(int(sr * rng.uniform(0.03, 0.15)), n - t0)
        if gap > 0:
            noise = rng.standard_normal(gap) * (0.05 if rng.random() < 0.5 else 0.002)
            if gap > 8:
                sos = _signal().butter(4, min(0.45 * sr, 3000.0), "highpass", fs=sr, output="sos")
                noise = _signal().sosfilt(sos, noise)
            out[t0 : t0 + gap] = noise
            t0 += gap
    return (out + 1e-4 * rng.standard_normal(n)).astype(np.float32)


def chirp(seconds: float, sr: float, f0: float = 50.0, f1: float | None = None) -> np.ndarray:
    """A logarithmic sweep from f0 to f1 (default 0.45 * sr), amplitude 0.5."""
    t = np.arange(int(round(seconds * sr))) / sr
    f1 = 0.45 * sr if f1 is None else f1
    return (0.5 * _signal().chirp(t, f0, t[-1] if len(t) > 1 else 1.0, f1, method="logarithmic")).astype(np.float32)


def am_tone(seconds: float, sr: float, carrier: float = 1000.0, mod: float = 4.0, depth: float = 0.9) -> np.ndarray:
    """An amplitude-modulated tone (syllable-rate modulation of a carrier)."""
    t = np.arange(int(round(seconds * sr))) / sr
    return (0.5 * (1 + depth * np.sin(2 * np.pi * mod * t)) * np.sin(2 * np.pi * carrier * t)).astype(np.float32)


def noise(seconds: float, sr: float, seed: int = 0, level: float = 0.3) -> np.ndarray:
    """White Gaussian noise."""
    return (level * np.random.default_rng(seed).standard_normal(int(round(seconds * sr)))).astype(np.float32)


def bearing_fault(
    seconds: float, sr: float, fault_hz: float, resonance_hz: float, seed: int = 0, snr_noise: float = 0.3
) -> np.ndarray:
    """Impulses at ``fault_hz`` (with 1% jitter) ringing a structural resonance, plus noise:
    the outer-race fault signature envelope analysis looks for."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * sr))
    x = np.zeros(n)
    period = sr / fault_hz
    k = rng.uniform(0, period)
    while k < n:
        x[int(k)] += 1.0
        k += period * (1 + 0.01 * rng.standard_normal())
    r = np.exp(-np.pi * 0.05 * resonance_hz / sr)
    ring = _signal().lfilter([1.0], [1, -2 * r * np.cos(2 * np.pi * resonance_hz / sr), r * r], x)
    ring /= np.abs(ring).max() + 1e-12
    return (ring + snr_noise * rng.standard_normal(n)).astype(np.float32)


def _signal():
    """scipy.signal, imported on first use (it costs 0.3-3 s per process)."""
    import scipy.signal

    return scipy.signal
