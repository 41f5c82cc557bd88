"""Offline speech synthesis for the wake-word recipe: espeak-ng (and flite when installed)
called as subprocesses, returned as float32 mono at a chosen rate (scipy.signal.resample_poly).

A *speaker* is an engine voice: ``espeak:<voice>+<variant>`` (espeak-ng's voice + variant
naming, as in ``espeak-ng -v en-us+f2``) or ``flite:<voice>`` (``flite -voice slt``).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from fractions import Fraction
from math import gcd

import numpy as np
from scipy.signal import resample_poly

from ...errors import DataError, ToolMissingError

ENGINE_PACKAGES = {"espeak": "espeak-ng", "flite": "flite"}
ENGINE_TOOLS = {"espeak": "espeak-ng", "flite": "flite"}


@dataclass(frozen=True)
class Utterance:
    """One thing to say: who says it and how (speed in words/minute, pitch 0-99 as espeak-ng,
    ``warp``: the audio is played back ``warp`` times faster, which scales formants, pitch and
    tempo together -- vocal-tract-length perturbation (Jaitly & Hinton 2013) done on the waveform)."""

    speaker: str
    text: str
    speed: int = 170
    pitch: int = 50
    warp: float = 1.0


def engine_of(speaker: str) -> str:
    engine = speaker.split(":", 1)[0]
    if engine not in ENGINE_TOOLS or ":" not in speaker:
        raise DataError(f"speaker '{speaker}' must look like 'espeak:en-us+m3' or 'flite:slt'")
    return engine


def require_engine(engine: str) -> None:
    tool = ENGINE_TOOLS[engine]
    if shutil.which(tool) is None:
        raise ToolMissingError(
            f"'{tool}' is not installed; install it with: apt-get install --no-install-recommends "
            f"{ENGINE_PACKAGES[engine]} (or run scripts/install-system-deps.sh)"
        )


def engine_available(engine: str) -> bool:
    return shutil.which(ENGINE_TOOLS[engine]) is not None


@functools.lru_cache(maxsize=1)
def espeak_variants() -> frozenset[str] | None:
    """The voice variants espeak-ng has: the names ``voice+name`` selects, i.e. the files under
    ``!v/`` that ``espeak-ng --voices=variant`` lists (names may hold spaces: "Mr serious").
    None when espeak-ng is not installed or does not answer (the recipe stops at require_engine).
    espeak-ng takes an unknown variant silently and speaks the plain voice, hence this list."""
    if not engine_available("espeak"):
        return None
    try:
        out = subprocess.run(["espeak-ng", "--voices=variant"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    # each row ends "... VoiceName  !v/<file>  [other languages]"; a long VoiceName shifts the column
    names = (re.split(r"\s{2,}", line.split("!v/", 1)[1].strip())[0] for line in out.splitlines() if "!v/" in line)
    found = frozenset(names)
    return found or None


def _command(u: Utterance, wav_path: str) -> list[str]:
    engine = engine_of(u.speaker)
    voice = u.speaker.split(":", 1)[1]
    if engine == "espeak":
        return ["espeak-ng", "-v", voice, "-s", str(int(u.speed)), "-p", str(int(u.pitch)), "-w", wav_path, u.text]
    # flite: speed via duration_stretch (170 wpm = 1.0), pitch via the f0 target mean
    stretch = 170.0 / float(u.speed)
    f0 = 80.0 + 1.6 * float(u.pitch)
    return [
        "flite", "-voice", voice, "--setf", f"duration_stretch={stretch:.3f}",
        "--setf", f"int_f0_target_mean={f0:.1f}", "-t", u.text, "-o", wav_path,
    ]  # fmt: skip


def read_wav_mono(path: str) -> tuple[np.ndarray, int]:
    """16-bit PCM WAV -> float32 in [-1, 1) (first channel), sample rate."""
    with wave.open(path, "rb") as w:
        if w.getsampwidth() != 2:
            raise DataError(f"{path}: expected 16-bit PCM, got {8 * w.getsampwidth()}-bit")
        rate, channels = w.getframerate(), w.getnchannels()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return (data.reshape(-1, channels)[:, 0].astype(np.float32) / 32768.0), rate


def resample(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Polyphase resampling (scipy.signal.resample_poly) by the reduced ratio rate_out/rate_in."""
    if rate_in == rate_out:
        return x.astype(np.float32)
    g = gcd(int(rate_in), int(rate_out))
    return resample_poly(x, rate_out // g, rate_in // g).astype(np.float32)


def synthesize(u: Utterance, sample_rate: int) -> np.ndarray:
    """Speak one utterance; float32 mono at ``sample_rate``, leading/trailing silence trimmed."""
    engine = engine_of(u.speaker)
    require_engine(engine)
    fd, path = tempfile.mkstemp(suffix=".wav", prefix="sf_tts_")
    os.close(fd)
    try:
        proc = subprocess.run(_command(u, path), capture_output=True, timeout=60)
        if proc.returncode != 0 or os.path.getsize(path) <= 44:
            msg = proc.stderr.decode(errors="replace").strip().splitlines()
            raise DataError(
                f"{ENGINE_TOOLS[engine]} could not speak with voice '{u.speaker}': "
                f"{msg[0] if msg else 'no audio produced'}; pick a voice from 'espeak-ng --voices=en'"
            )
        x, rate = read_wav_mono(path)
    finally:
        os.unlink(path)
    return trim(warp(resample(x, rate, sample_rate), u.warp))


def warp(x: np.ndarray, factor: float) -> np.ndarray:
    """Play ``x`` back ``factor`` times faster at the same rate (polyphase resampling by the
    nearest ratio with a denominator of at most 20): every frequency scales by ``factor``."""
    if factor == 1.0:
        return x
    ratio = Fraction(factor).limit_denominator(20)
    return resample_poly(x, ratio.denominator, ratio.numerator).astype(np.float32)


def trim(x: np.ndarray, threshold: float = 0.01, margin: int = 160) -> np.ndarray:
    """Cut leading/trailing samples quieter than ``threshold`` (keeping ``margin`` samples)."""
    loud = np.nonzero(np.abs(x) > threshold)[0]
    if len(loud) == 0:
        return x[:0]
    return x[max(loud[0] - margin, 0) : loud[-1] + margin + 1]


def synthesize_many(utterances: list[Utterance], sample_rate: int, workers: int = 2) -> list[np.ndarray]:
    """Speak many utterances (subprocesses in a small thread pool); results in input order."""
    from concurrent.futures import ThreadPoolExecutor

    for engine in sorted({engine_of(u.speaker) for u in utterances}):
        require_engine(engine)
    if workers <= 1 or len(utterances) < 8:
        return [synthesize(u, sample_rate) for u in utterances]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda u: synthesize(u, sample_rate), utterances))
