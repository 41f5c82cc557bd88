"""Background noise for audio recipes: coloured noise (white, pink 1/f, brown 1/f^2 power),
mains hum with harmonics, and babble (several talkers summed), plus mixing at a target SNR."""

from __future__ import annotations

import numpy as np

from ...errors import DataError

KINDS = ("white", "pink", "brown", "hum", "babble")


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if len(x) else 0.0


def coloured(n: int, exponent: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise whose power spectrum falls as 1/f**exponent (0 white, 1 pink, 2 brown),
    shaped in the frequency domain and normalised to unit RMS."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n)
    f[0] = f[1] if n > 1 else 1.0
    spec *= f ** (-exponent / 2.0)
    x = np.fft.irfft(spec, n)
    return (x / (rms(x) or 1.0)).astype(np.float32)


def hum(n: int, sample_rate: float, rng: np.random.Generator) -> np.ndarray:
    """Mains hum: 50 or 60 Hz with decaying odd/even harmonics and a little noise, unit RMS."""
    f0 = rng.choice([50.0, 60.0]) * rng.uniform(0.995, 1.005)
    t = np.arange(n) / sample_rate
    x = np.zeros(n)
    for k in range(1, 8):
        x += rng.uniform(0.3, 1.0) / k * np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 2 * np.pi))
    x += 0.05 * rng.standard_normal(n)
    return (x / rms(x)).astype(np.float32)


def babble(n: int, talkers: list[np.ndarray], rng: np.random.Generator, n_talkers: int = 4) -> np.ndarray:
    """Several utterances from ``talkers`` overlapped at random offsets (looped to length n), unit RMS."""
    if not talkers:
        raise DataError("babble noise needs some speech to mix; the recipe produced none")
    out = np.zeros(n, dtype=np.float64)
    for _ in range(n_talkers):
        pos = 0
        offset = int(rng.integers(0, max(n // 2, 1)))
        while pos < n:
            s = talkers[int(rng.integers(len(talkers)))]
            if len(s) == 0:
                break
            s = s / (rms(s) or 1.0)
            start = (pos + offset) % n
            m = min(len(s), n - start)
            out[start : start + m] += s[:m]
            pos += len(s) + int(rng.integers(0, 4000))
    return (out / (rms(out) or 1.0)).astype(np.float32)


def make(kind: str, n: int, sample_rate: float, rng: np.random.Generator, talkers=None) -> np.ndarray:
    """Unit-RMS noise of one kind (see KINDS)."""
    if kind == "white":
        return coloured(n, 0.0, rng)
    if kind == "pink":
        return coloured(n, 1.0, rng)
    if kind == "brown":
        return coloured(n, 2.0, rng)
    if kind == "hum":
        return hum(n, sample_rate, rng)
    if kind == "babble":
        return babble(n, talkers or [], rng)
    raise DataError(f"unknown noise kind '{kind}'; use one of {', '.join(KINDS)}")


def noise_for_snr(signal_rms: float, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """Scale unit-RMS ``noise`` so that 20*log10(signal_rms / noise_rms) == snr_db."""
    return (noise * (signal_rms / (10.0 ** (snr_db / 20.0)) / (rms(noise) or 1.0))).astype(np.float32)
