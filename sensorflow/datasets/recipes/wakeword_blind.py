"""Blind test streams for the wake-word recipe: recordings built exactly as its test streams
(``wakeword.build_stream``: wake phrases, near-homophones and sentences over a two-kind noise
bed, stream j at ``snr_db[j % len]``, the same total minutes) but spoken by voices in none of
the recipe's train, dev or test lists, from generators of their own and cached under their own
key, so the corpus and its cache key stay as they were. The test streams have been read while
choosing a model; these are read once, to score a detector chosen without them.

Voices: espeak-ng language voices reading English (non-native accents, as the training's
nl/sv/...) that read the wake phrase with their own rules, keeping its h and its s (``espeak-ng
-x``: ru and hi switch to the English voice for Latin text, hu says "shenshor"), times the
espeak-ng variants no part uses, less the novelty ones (robot, whisper, echo, demonic, fast).
"""

from __future__ import annotations

import numpy as np

from ...errors import ConfigError
from . import cache, wakeword

VERSION = 1
BLIND_ACCENTS = ("ro", "cs")
# variant file names (espeak-ng falls back to the plain voice, silently, on an unknown one)
BLIND_VARIANTS = ("grandma", "grandpa", "croak", "Mr serious", "AnxiousAndy", "Tweaky")
STREAM_SEED, BABBLE_SEED = 9, 10  # the recipe's own generators are [seed, 0..8, ...]
# what build_stream and the babble read of the recipe's options: the blind cache key
STREAM_FIELDS = (
    "wake_phrase", "sample_rate", "speeds", "pitches", "snr_db", "noise_kinds", "speech_dbfs",
    "stream_wake_fraction", "streams", "stream_minutes", "seed",
)  # fmt: skip


def check_blind_disjoint(opts: wakeword.WakewordOptions, accents=BLIND_ACCENTS, variants=BLIND_VARIANTS) -> None:
    """The blind voices share no accent or variant with the recipe's train, test or dev voices."""
    for name, blind in (("accents", accents), ("variants", variants)):
        for part in ("train", "test", "dev"):
            both = sorted(set(blind) & set(getattr(opts, f"{part}_{name}")))
            if both:
                raise ConfigError(
                    f"blind {name[:-1]} '{both[0]}' is also in {part}_{name}; the blind voices must be new to "
                    "train, dev and test (remove it there or choose another blind voice)",
                    key=("dataset", "options", f"{part}_{name}"),
                )


def blind_options(opts: wakeword.WakewordOptions, accents=BLIND_ACCENTS, variants=BLIND_VARIANTS):
    """The recipe's options with the blind voices as its (only) test voices: no flite voice, for
    the flite voices installed are all in use."""
    return opts.model_copy(
        update={"test_accents": tuple(accents), "test_variants": tuple(variants), "test_flite": (), "use_flite": False}
    )


def blind_speakers(opts: wakeword.WakewordOptions, accents=BLIND_ACCENTS, variants=BLIND_VARIANTS) -> list[str]:
    return wakeword.speakers(blind_options(opts, accents, variants), "test")


def build_blind(opts: wakeword.WakewordOptions, accents=BLIND_ACCENTS, variants=BLIND_VARIANTS, log=None) -> list[dict]:
    """``opts.streams`` blind recordings of ``opts.stream_minutes`` in total (stream dicts as
    ``wakeword.build_stream`` returns, ``part`` "blind"), generated or read from the cache
    (``wakeword-blind-<hash>``)."""
    check_blind_disjoint(opts, accents, variants)
    bopts = blind_options(opts, accents, variants)
    n = max(opts.streams, 1)

    def make():
        rng = np.random.default_rng([opts.seed, BABBLE_SEED])
        talkers = wakeword.babble_talkers(bopts, "test", log, rng)
        arrays = {}
        for j in range(n):
            seconds = 60.0 * opts.stream_minutes / n
            if log:
                log(f"wakeword-blind: building stream {j + 1}/{n} ({seconds / 60:.1f} min)")
            rng = np.random.default_rng([opts.seed, STREAM_SEED, j])
            s = wakeword.build_stream(bopts, seconds, rng, talkers, log, "test", opts.snr_db[j % len(opts.snr_db)])
            for k, v in s.items():
                arrays[f"stream{j}_{k}"] = np.asarray(v)
        return arrays, {"n_streams": n, "speakers": blind_speakers(opts, accents, variants)}

    key = {k: getattr(opts, k) for k in STREAM_FIELDS} | {"accents": list(accents), "variants": list(variants)}
    arrays, info = cache.load_or_build("wakeword-blind", VERSION, key, make, opts.cache_dir, opts.cache, log)
    fields = ("signal", "event_start", "event_end", "event_kind", "event_speaker", "event_text")
    return [
        {**{f: arrays[f"stream{j}_{f}"] for f in fields}, "snr_db": float(arrays[f"stream{j}_snr_db"]), "part": "blind"}
        for j in range(int(info["n_streams"]))
    ]


def load_recordings(config, log=None) -> tuple[list[dict], int]:
    """The blind recordings (``build_blind``) for a wake-word pipeline config (its
    ``dataset.options``, completed from its sensor and window as ``wakeword.load`` does), and
    their sample rate."""
    opts = wakeword.parse_options(wakeword.config_options(config, config.dataset.options if config.dataset else None))
    return build_blind(opts, log=log), opts.sample_rate
