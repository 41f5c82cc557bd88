"""The wake-word recipe's blind test streams: voices new to train, dev and test, their own cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import need_tools

from sensorflow.config import load as load_config
from sensorflow.datasets import Stream
from sensorflow.datasets.recipes import cache, speech, wakeword, wakeword_blind
from sensorflow.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
# the full recipe's cache key for pipelines/wakeword.yaml (with flite installed), before the
# blind streams existed: adding them must not move it (the cached corpus stays usable)
SHIPPED_KEY = "6a970ea33f729829"


def shipped_options() -> wakeword.WakewordOptions:
    config = load_config(ROOT / "pipelines" / "wakeword.yaml")[0]
    return wakeword.parse_options(wakeword.config_options(config, config.dataset.options))


def test_blind_voices_are_in_no_part_of_the_recipe():
    for opts in (wakeword.WakewordOptions(), shipped_options()):
        wakeword_blind.check_blind_disjoint(opts)
        used = {f"{a}+{v}" for p in ("train", "test", "dev") for a in getattr(opts, f"{p}_accents")
                for v in getattr(opts, f"{p}_variants")}  # fmt: skip
        for spk in wakeword_blind.blind_speakers(opts):
            accent, variant = spk.removeprefix("espeak:").split("+")
            assert spk.startswith("espeak:") and f"{accent}+{variant}" not in used
            for p in ("train", "test", "dev"):
                assert accent not in getattr(opts, f"{p}_accents") and variant not in getattr(opts, f"{p}_variants")


def test_a_blind_voice_used_elsewhere_is_a_one_line_error():
    opts = wakeword.WakewordOptions(dev_variants=("m7", "grandpa"))
    with pytest.raises(ConfigError, match="blind variant 'grandpa' is also in dev_variants") as e:
        wakeword_blind.check_blind_disjoint(opts)
    assert "\n" not in str(e.value)
    with pytest.raises(ConfigError, match="blind accent 'ro' is also in train_accents"):
        wakeword_blind.build_blind(wakeword.WakewordOptions(train_accents=("en-us", "ro")))


def test_every_blind_variant_is_a_voice_of_its_own():
    # espeak-ng speaks with the plain voice, without a word, when a variant name is unknown
    need_tools("espeak-ng")
    accent = wakeword_blind.BLIND_ACCENTS[0]
    plain = speech.synthesize_many([speech.Utterance(f"espeak:{accent}", "hey sensor")], 16000, 1)[0]
    spoken = speech.synthesize_many(
        [speech.Utterance(f"espeak:{accent}+{v}", "hey sensor") for v in wakeword_blind.BLIND_VARIANTS], 16000, 2
    )
    for v, a in zip(wakeword_blind.BLIND_VARIANTS, spoken):
        assert len(a) > 4000, v
        assert len(a) != len(plain) or not np.allclose(a, plain), f"variant {v} speaks as the plain voice"


def test_tiny_blind_build_has_wake_phrases_by_blind_voices_only(tmp_path):
    need_tools("espeak-ng")
    opts = wakeword.WakewordOptions.small(stream_minutes=0.5, cache_dir=str(tmp_path))
    recs = wakeword_blind.build_blind(opts)
    assert len(recs) == 1 and recs[0]["part"] == "blind" and recs[0]["snr_db"] == opts.snr_db[0]
    kinds = set(recs[0]["event_kind"].tolist())
    assert "wake" in kinds and "speech" in kinds
    blind = set(wakeword_blind.blind_speakers(opts))
    who = set(recs[0]["event_speaker"].tolist())
    assert who <= blind
    assert not who & {s for p in ("train", "test", "dev") for s in wakeword.speakers(opts, p)}
    # cached on its own key, and read back the same
    assert [p.name.split("-")[:2] for p in tmp_path.iterdir()] == [["wakeword", "blind"]]
    again = wakeword_blind.build_blind(opts)
    assert np.array_equal(again[0]["signal"], recs[0]["signal"])
    streams = wakeword.to_streams(recs, opts.sample_rate, Stream)
    assert streams[0].part == "blind" and streams[0].name == "wakeword-blind-stream0"
    assert len(streams[0].events) == int(np.sum(recs[0]["event_kind"] == "wake"))


def test_blind_streams_leave_the_recipe_cache_key_alone():
    opts = shipped_options()
    d = wakeword._cache_options(opts)
    assert not [k for k in d if "blind" in k]
    d["flite_installed"] = True
    assert cache.options_hash("wakeword", wakeword.VERSION, d) == SHIPPED_KEY
