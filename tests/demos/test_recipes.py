"""Dataset recipes: determinism, held-out split disjointness, cache, physics of the
bearing simulation, and the CWRU .mat loader (on a small file written here)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import need_tools
from scipy.signal import butter, hilbert, sosfiltfilt

from sensorflow.datasets import Dataset, Stream, load_dataset
from sensorflow.datasets.recipes import cwru, noise, vibration, wakeword
from sensorflow.errors import ConfigError, DataError

TINY = dict(
    train_accents=("en-us",),
    test_accents=("en-029",),
    train_variants=("m1", "f3"),
    test_variants=("m3",),
    dev_accents=("en-us-nyc",),
    dev_variants=("f4",),
    train_flite=(),
    test_flite=(),
    wake_per_speaker=2,
    confusable_per_speaker=1,
    speech_per_speaker=1,
    fragment_per_speaker=1,
    noise_per_speaker=1,
    streams=1,
    stream_minutes=0.25,
    dev_minutes=0.25,
)


def tiny(tmp_path, **kw):
    return wakeword.WakewordOptions(**{**TINY, "cache_dir": str(tmp_path), **kw})


# ---------------------------------------------------------------------- wake word
def test_wakeword_same_seed_same_data(tmp_path):
    need_tools("espeak-ng")
    a = wakeword.build(tiny(tmp_path, cache=False))
    b = wakeword.build(tiny(tmp_path, cache=False))
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    np.testing.assert_array_equal(a.streams[0]["signal"], b.streams[0]["signal"])
    c = wakeword.build(tiny(tmp_path, cache=False, seed=1))
    assert not np.array_equal(a.X, c.X)


def test_wakeword_split_is_speaker_disjoint_and_labelled(tmp_path):
    need_tools("espeak-ng")
    d = wakeword.build(tiny(tmp_path, cache=False))
    train, test = set(d.groups[d.split == "train"]), set(d.groups[d.split == "test"])
    assert train and test and not (train & test)
    assert all("en-029" in g and "+m3" in g for g in test)
    assert d.X.shape[1] == 16000 and d.X.dtype == np.float32
    assert np.max(np.abs(d.X)) < 1.0
    assert set(d.y) == {"wake", "other"}
    assert set(d.kind[d.y == "wake"]) == {"wake"}
    # wake clips carry speech energy; noise-only clips are quieter than the loudest speech
    assert [s["part"] for s in d.streams] == ["dev", "test"]
    dev = set(d.streams[0]["event_speaker"])
    assert dev <= {"espeak:en-us-nyc+f4"} and not (dev & (train | test))  # a third set of unseen voices
    assert set(d.streams[1]["event_speaker"]) <= test
    s = d.streams[1]
    assert len(s["signal"]) == int(0.25 * 60 * 16000)
    assert np.all(s["event_end"] > s["event_start"])
    assert np.all(s["event_start"][1:] >= s["event_end"][:-1])


def test_wakeword_cache_reused_and_keyed_by_options(tmp_path):
    need_tools("espeak-ng")
    a = wakeword.build(tiny(tmp_path))
    entries = sorted(p.name for p in tmp_path.iterdir())
    assert len(entries) == 1 and entries[0].startswith("wakeword-")
    b = wakeword.build(tiny(tmp_path))
    np.testing.assert_array_equal(a.X, b.X)
    wakeword.build(tiny(tmp_path, wake_per_speaker=1))
    assert len(list(tmp_path.iterdir())) == 2


def test_wakeword_refuses_overlapping_voices_and_bad_options():
    with pytest.raises(ConfigError, match="train_variants and test_variants"):
        wakeword.check_disjoint(wakeword.WakewordOptions(**{**TINY, "test_variants": ("m1",)}))
    with pytest.raises(ConfigError, match="train_accents and dev_accents") as err:
        wakeword.check_disjoint(wakeword.WakewordOptions(**{**TINY, "dev_accents": ("en-us",)}))
    assert err.value.key == ("dataset", "options", "dev_accents")
    wakeword.check_disjoint(wakeword.WakewordOptions())  # the defaults keep the three sets apart
    with pytest.raises(ConfigError) as err:
        wakeword.parse_options({"wake_per_speakr": 3})
    assert err.value.key == ("dataset", "options", "wake_per_speakr")


VARIANTS_OUTPUT = """Pty Language       Age/Gender VoiceName          File                 Other Languages
 5  variant         --/M      Alex               !v/Alex
 5  variant         --/M      Half-LifeAnnouncementSystem !v/announcer
 5  variant         --/M      Mr_Serious         !v/Mr serious
 5  variant         --/M      m3                 !v/m3
"""


def test_espeak_variants_are_the_file_names(monkeypatch):
    """Names as ``voice+name`` takes them: the files after !v/, spaces kept, wherever the column sits."""
    from types import SimpleNamespace

    from sensorflow.datasets.recipes import speech

    monkeypatch.setattr(speech, "engine_available", lambda engine: True)
    monkeypatch.setattr(speech.subprocess, "run", lambda *a, **k: SimpleNamespace(stdout=VARIANTS_OUTPUT))
    speech.espeak_variants.cache_clear()
    try:
        assert speech.espeak_variants() == {"Alex", "announcer", "Mr serious", "m3"}
    finally:
        speech.espeak_variants.cache_clear()


def test_wakeword_unknown_variant_is_refused(monkeypatch):
    """espeak-ng speaks an unknown variant as the plain voice, silently: a listed variant it does not
    have is a one-line error naming the option and the close name; the shipped defaults are not
    re-checked (their "alex" and "annie" stay, see DEFAULT_TRAIN_VARIANTS)."""
    from sensorflow.datasets.recipes import speech

    monkeypatch.setattr(speech, "espeak_variants", lambda: frozenset({"Alex", "m1", "m3", "f3", "f4"}))
    with pytest.raises(ConfigError, match="no voice variant 'alex' \\(did you mean 'Alex'\\?\\)") as err:
        wakeword.parse_options({**TINY, "dev_variants": ["f4", "alex"]})
    assert err.value.key == ("dataset", "options", "dev_variants") and "\n" not in str(err.value)
    with pytest.raises(ConfigError, match="no voice variant 'zz9'"):
        wakeword.parse_options({**TINY, "train_variants": ["m1", "zz9"]})
    assert wakeword.parse_options(dict(TINY)).test_variants == ("m3",)
    assert "alex" in wakeword.WakewordOptions().train_variants
    monkeypatch.setattr(speech, "espeak_variants", lambda: None)  # no espeak-ng: require_engine says so later
    assert wakeword.parse_options({**TINY, "dev_variants": ["alex"]}).dev_variants == ("alex",)


def test_wakeword_unknown_voice_is_one_line_error(tmp_path):
    need_tools("espeak-ng")
    with pytest.raises(DataError, match="could not speak with voice 'espeak:xx-nonexistent"):
        wakeword.build(tiny(tmp_path, cache=False, train_accents=("xx-nonexistent",)))


def test_wakeword_recipe_through_dataset_loader(tmp_path):
    need_tools("espeak-ng")
    from sensorflow.config import DatasetConfig, SensorConfig, WindowConfig

    class Cfg:
        name = "ww"
        sensor = SensorConfig(kind="audio", sample_rate=16000, channels=["mic"])
        window = WindowConfig(length_ms=1000, hop_ms=250)
        dataset = DatasetConfig(loader="recipe", name="wakeword", options={**TINY, "cache_dir": str(tmp_path)})

    ds = load_dataset(Cfg)
    assert isinstance(ds, Dataset) and ds.fold is not None
    assert ds.signals[0].shape == (16000, 1)
    assert [s.name for s in ds.streams] == ["wakeword-dev-stream0", "wakeword-test-stream1"]
    assert all(label == "wake" for s in ds.streams for _, _, label in s.events)


# ---------------------------------------------------------------------- vibration
def test_vibration_deterministic_and_condition_disjoint():
    opts = vibration.VibrationOptions.small()
    a, b = vibration.build(opts), vibration.build(opts)
    for x, y in zip(a.signals, b.signals):
        np.testing.assert_array_equal(x, y)
    train, test = set(a.groups[a.split == "train"]), set(a.groups[a.split == "test"])
    assert train and test and not (train & test)
    rpm_train = {m["rpm"] for m, s in zip(a.meta, a.split) if s == "train"}
    rpm_test = {m["rpm"] for m, s in zip(a.meta, a.split) if s == "test"}
    load_train = {m["load"] for m, s in zip(a.meta, a.split) if s == "train"}
    load_test = {m["load"] for m, s in zip(a.meta, a.split) if s == "test"}
    assert not (rpm_train & rpm_test) and not (load_train & load_test)
    assert set(a.labels) == set(vibration.CLASSES)
    c = vibration.build(vibration.VibrationOptions.small(seed=5))
    assert not np.array_equal(a.signals[0], c.signals[0])


def test_bearing_frequencies_match_cwru_published_ratios():
    # CWRU 6205-2RS drive-end bearing: defect frequencies in multiples of shaft speed
    f = vibration.BearingGeometry().frequencies(1.0)
    assert f["bpfi"] == pytest.approx(5.4152, abs=2e-3)
    assert f["bpfo"] == pytest.approx(3.5848, abs=2e-3)
    assert f["ftf"] == pytest.approx(0.39828, abs=1e-3)
    assert f["bsf"] == pytest.approx(2.357, abs=2e-3)


@pytest.mark.parametrize("label,key,mult", [("outer", "bpfo", 1), ("inner", "bpfi", 1), ("ball", "bsf", 2)])
def test_fault_shows_in_envelope_spectrum(label, key, mult):
    opts = vibration.VibrationOptions(seconds=2.0, noise_g=(0.03, 0.03))
    x, meta = vibration.simulate(label, 1800.0, 1, 2.0, opts, np.random.default_rng(0))
    fs = opts.sample_rate
    band = butter(4, [1500, 5800], "band", fs=fs, output="sos")
    env = np.abs(hilbert(sosfiltfilt(band, x)))
    spec = np.abs(np.fft.rfft(env - env.mean()))
    f = np.fft.rfftfreq(len(env), 1 / fs)
    target = mult * meta[key]
    near = (f > target - 3) & (f < target + 3)
    background = (f > 5) & (f < 400) & ~near
    assert spec[near].max() > 3 * np.median(spec[background])


def test_vibration_options_refuse_shared_conditions():
    with pytest.raises(ConfigError, match="train_rpm and test_rpm"):
        vibration.parse_options({"train_rpm": [1200, 1500], "test_rpm": [1500]})
    with pytest.raises(ConfigError):
        vibration.parse_options({"ball_diameter_mm": 50})


# ---------------------------------------------------------------------- CWRU .mat
def _write_cwru(path, number, n=24000, seed=0, extra_other=False):
    from scipy.io import savemat

    rng = np.random.default_rng(seed)
    mat = {
        f"X{number:03d}_DE_time": rng.standard_normal((n, 1)),
        f"X{number:03d}_FE_time": rng.standard_normal((n, 1)),
        f"X{number:03d}RPM": np.array([[1772]]),
    }
    if extra_other:  # some published files also carry another recording's variables
        mat["X098_DE_time"] = np.zeros((n, 1))
    savemat(path, mat)
    return mat


def test_cwru_read_mat_picks_matching_variable(tmp_path):
    mat = _write_cwru(tmp_path / "99.mat", 99, extra_other=True)
    x, rpm = cwru.read_mat(tmp_path / "99.mat", "DE")
    np.testing.assert_allclose(x, mat["X099_DE_time"].ravel().astype(np.float32))
    assert rpm == 1772
    fe, _ = cwru.read_mat(tmp_path / "99.mat", "FE")
    np.testing.assert_allclose(fe, mat["X099_FE_time"].ravel().astype(np.float32))


def test_cwru_folder_labels_groups_and_resampling(tmp_path):
    for number in (97, 98, 106, 119, 131):
        _write_cwru(tmp_path / f"{number}.mat", number, seed=number)
    (tmp_path / "mine").mkdir()
    (tmp_path / "outer").mkdir()
    _write_cwru(tmp_path / "outer" / "7.mat", 7)
    d = cwru.load_folder(tmp_path, 12000, file_rates={"97": 48000}, segment_seconds=1.0, test_loads=(1,))
    labels = dict(zip(d["names"], d["labels"]))
    assert labels["97.mat[0]"] == "normal" and labels["106.mat[0]"] == "inner"
    signals = dict(zip(d["names"], d["signals"]))
    assert labels["119.mat[0]"] == "ball" and labels["131.mat[0]"] == "outer"
    assert labels["outer/7.mat[0]"] == "outer"
    # 97.mat was recorded at 48 kHz: 24000 samples = 0.5 s -> 6000 samples at 12 kHz, kept whole
    assert signals["97.mat[0]"].shape == (6000,) and "97.mat[1]" not in signals
    assert sum(n.startswith("98.mat") for n in d["names"]) == 2
    groups = dict(zip(d["names"], d["groups"]))
    assert (
        groups["97.mat[0]"] == "0hp"
        and groups["98.mat[0]"] == "1hp"
        and groups["106.mat[0]"] == "1hp"
        and groups["outer/7.mat[0]"] == "1772rpm"
    )
    folds = dict(zip(d["names"], d["fold"]))
    assert folds["106.mat[0]"] == "test" and folds["outer/7.mat[0]"] == "train" and folds["97.mat[0]"] == "train"


def test_cwru_errors_are_one_line(tmp_path):
    from scipy.io import savemat

    savemat(tmp_path / "105.mat", {"something": np.zeros(3)})
    with pytest.raises(DataError, match="no variable 'XNNN_DE_time'"):
        cwru.read_mat(tmp_path / "105.mat")
    (tmp_path / "bad.mat").write_bytes(b"not a mat file at all")
    with pytest.raises(DataError, match="not a readable MATLAB"):
        cwru.read_mat(tmp_path / "bad.mat")
    other = tmp_path / "x"
    other.mkdir()
    _write_cwru(other / "5000.mat", 5000)
    with pytest.raises(DataError, match="cannot tell its class"):
        cwru.load_folder(other, 12000)


def test_cwru_recipe_through_dataset_loader(tmp_path):
    from sensorflow.config import DatasetConfig, SensorConfig, WindowConfig

    for number in (97, 105, 118, 130, 98, 106, 119, 131):
        _write_cwru(tmp_path / f"{number}.mat", number, seed=number)

    class Cfg:
        name = "cwru"
        sensor = SensorConfig(kind="vibration", sample_rate=12000, channels=["acc"])
        window = WindowConfig(length=4096)
        dataset = DatasetConfig(loader="recipe", name="cwru", path=str(tmp_path), options={"test_loads": [1]})

    ds = load_dataset(Cfg)
    assert set(ds.labels) == {"normal", "inner", "ball", "outer"}
    assert set(ds.fold[ds.groups == "1hp"]) == {"test"} and set(ds.fold[ds.groups == "0hp"]) == {"train"}
    assert all(s.shape == (24000, 1) for s in ds.signals)

    class Bad(Cfg):
        dataset = DatasetConfig(loader="recipe", name="cwru", path=str(tmp_path), options={"chanel": "DE"})

    with pytest.raises(ConfigError, match="unknown option 'chanel'"):
        load_dataset(Bad)


def test_cwru_options_take_yaml_number_stems_and_refuse_bad_values():
    o = cwru.parse_options({"file_rates": {97: 48000}, "test_loads": [1, 2], "segment_seconds": None})
    assert o.file_rates == {"97": 48000.0} and o.test_loads == (1, 2) and o.segment_seconds is None
    with pytest.raises(ConfigError, match=r"dataset\.options\.file_rates: Input should be greater than 0"):
        cwru.parse_options({"file_rates": {"97": 0}})
    with pytest.raises(ConfigError, match=r"dataset\.options\.channel: Input should be 'DE', 'FE' or 'BA'"):
        cwru.parse_options({"channel": "de"})


def test_wakeword_variants_rotate_over_accents():
    o = wakeword.WakewordOptions(
        train_accents=("en-us", "de", "fi"),
        train_variants=("m1", "m2", "f1", "f2"),
        test_variants=("m3",),
        variants_per_accent=2,
        use_flite=False,
    )
    spk = wakeword.speakers(o, "train")
    assert spk == ["espeak:en-us+m1", "espeak:en-us+m2", "espeak:de+f1", "espeak:de+f2", "espeak:fi+m1", "espeak:fi+m2"]
    # held-out speakers are every test accent x test variant, not rotated
    assert len(wakeword.speakers(o, "test")) == len(o.test_accents) * len(o.test_variants)


def test_wakeword_streams_carry_what_else_is_said(tmp_path):
    need_tools("espeak-ng")
    from sensorflow.datasets import Stream

    data = wakeword.build(tiny(tmp_path))
    ds = wakeword.to_dataset(data, ("mic",), Dataset, Stream)
    st = ds.streams[-1]
    assert all(lab == "wake" for _, _, lab in st.events)
    kinds = {k.split(":")[0] for _, _, k in st.context}
    assert kinds <= {"confusable", "speech"} and kinds
    assert any(k.startswith("confusable: ") for _, _, k in st.context) or "speech" in kinds


def test_wakeword_test_data_does_not_move_with_training_options(tmp_path):
    """Each part draws from its own generator: changing only the training voices leaves the
    held-out clips and every stream as they were, so experiments share one test."""
    need_tools("espeak-ng")
    a = wakeword.build(tiny(tmp_path, cache=False))
    b = wakeword.build(tiny(tmp_path, cache=False, train_variants=("m1", "f3", "m2"), train_warps=(0.9, 1.1)))
    assert (b.split == "train").sum() > (a.split == "train").sum()
    np.testing.assert_array_equal(a.X[a.split == "test"], b.X[b.split == "test"])
    for sa, sb in zip(a.streams, b.streams, strict=True):
        np.testing.assert_array_equal(sa["signal"], sb["signal"])


def test_wakeword_streams_do_not_move_with_clip_options(tmp_path):
    """The streams' babble beds are cut from sentences of their own generator, not from the
    clips' sentences: asking for more confusable clips changes the clips, not the streams."""
    need_tools("espeak-ng")
    beds = ("babble", "hum")  # every bed holds babble
    a = wakeword.build(tiny(tmp_path, cache=False, noise_kinds=beds))
    b = wakeword.build(tiny(tmp_path, cache=False, noise_kinds=beds, confusable_per_speaker=3, speech_per_speaker=2))
    assert len(b.X) > len(a.X)
    for sa, sb in zip(a.streams, b.streams, strict=True):
        np.testing.assert_array_equal(sa["signal"], sb["signal"])


def test_soundalike_phrases_hold_one_soundalike_word():
    rng = np.random.default_rng(0)
    phrases = [wakeword.soundalike_phrase(rng) for _ in range(200)]
    assert all(1 <= len(p.split()) <= 3 for p in phrases)
    assert all(any(w in wakeword.SOUNDALIKE_WORDS for w in p.split()) for p in phrases)
    assert {len(p.split()) for p in phrases} == {1, 2, 3}
    assert set(wakeword.SOUNDALIKE_WORDS) <= set(wakeword.WORDS)


def test_soundalike_negatives_are_added_to_training_only(tmp_path):
    """They come after everything else from their own generator: the rest of the corpus, the
    held-out clips and the streams are byte-identical with and without them."""
    need_tools("espeak-ng")
    a = wakeword.build(tiny(tmp_path, cache=False))
    b = wakeword.build(tiny(tmp_path, cache=False, soundalike_per_speaker=2))
    extra = b.kind == "soundalike"
    n_train = len(wakeword.speakers(tiny(tmp_path), "train"))
    assert extra.sum() == 2 * n_train
    assert set(b.y[extra]) == {"other"} and set(b.split[extra]) == {"train"}
    assert np.all(np.abs(b.X[extra]).max(axis=1) > 1e-3)  # speech is in the window
    np.testing.assert_array_equal(a.X[a.split == "train"], b.X[(b.split == "train") & ~extra])
    np.testing.assert_array_equal(a.X[a.split == "test"], b.X[b.split == "test"])
    for sa, sb in zip(a.streams, b.streams):
        np.testing.assert_array_equal(sa["signal"], sb["signal"])


def test_wake_variants_are_training_only_wake_examples(tmp_path):
    """Other spellings of the wake phrase ("eh sensor") come as extra training clips labelled
    wake, from their own generator: the rest of the corpus and every stream stay byte-identical."""
    need_tools("espeak-ng")
    a = wakeword.build(tiny(tmp_path, cache=False))
    b = wakeword.build(tiny(tmp_path, cache=False, wake_variants=("eh sensor",), wake_variant_per_speaker=2))
    extra = b.kind == "wake-variant"
    assert extra.sum() == 2 * len(wakeword.speakers(tiny(tmp_path), "train"))
    assert set(b.y[extra]) == {"wake"} and set(b.split[extra]) == {"train"}
    assert np.all(np.abs(b.X[extra]).max(axis=1) > 1e-3)
    np.testing.assert_array_equal(a.X, b.X[~extra])
    for sa, sb in zip(a.streams, b.streams, strict=True):
        np.testing.assert_array_equal(sa["signal"], sb["signal"])


def test_wake_variant_count_without_spellings_is_refused():
    """A count with no spellings to speak would silently add nothing: a one-line error names the key."""
    with pytest.raises(ConfigError, match="set it to 0") as err:
        wakeword.parse_options({"wake_variant_per_speaker": 2})
    assert err.value.key == ("dataset", "options", "wake_variant_per_speaker")
    assert "Value error" not in str(err.value)
    assert wakeword.parse_options({"wake_variants": ["eh sensor"], "wake_variant_per_speaker": 2}).wake_variants


def test_warp_scales_every_frequency():
    from sensorflow.datasets.recipes import speech

    sr = 16000
    t = np.arange(sr) / sr
    tone = np.sin(2 * np.pi * 1000.0 * t).astype(np.float32)
    for factor in (0.9, 1.2):
        y = speech.warp(tone, factor)
        assert abs(len(y) - sr / factor) <= 2  # played faster: shorter by the factor
        peak = np.argmax(np.abs(np.fft.rfft(y * np.hanning(len(y))))) * sr / len(y)
        assert abs(peak - 1000.0 * factor) < 3.0
    assert speech.warp(tone, 1.0) is tone


def test_cut_stream_labels_whole_phrases_and_skips_partial_ones():
    sr = 16000
    opts = wakeword.WakewordOptions(**{**TINY, "train_stream_hop_s": 0.5})
    stream = {
        "signal": np.arange(6 * sr, dtype=np.float32),
        "event_start": np.array([int(0.2 * sr), int(3.1 * sr)]),
        "event_end": np.array([int(0.9 * sr), int(3.6 * sr)]),
        "event_kind": np.array(["wake", "speech"]),
        "event_speaker": np.array(["espeak:a", "espeak:b"]),
    }
    X, y, who = wakeword.cut_stream(stream, opts)
    starts = X[:, 0].astype(int)  # the signal is its own sample index
    labels = dict(zip(starts.tolist(), y.tolist()))
    assert labels[0] == "wake" and who[0] == "espeak:a"  # 0.2-0.9 s wholly inside 0-1 s
    assert int(0.5 * sr) not in labels  # 0.5-1.5 s cuts the phrase: neither answer is right
    assert labels[int(1.0 * sr)] == "other" and labels[int(3.0 * sr)] == "other"
    assert X.shape[1] == sr and len(X) == len(y) == len(who) == 10


def test_dev_and_test_streams_cycle_through_the_snrs(tmp_path):
    """Stream j of each part is mixed at snr_db[j % len]: every SNR is measured, none by chance."""
    need_tools("espeak-ng")
    from sensorflow.datasets import Stream

    opts = tiny(tmp_path, cache=False, streams=3, stream_minutes=0.3, dev_minutes=0.3, snr_db=(30.0, 5.0))
    data = wakeword.build(opts)
    ds = wakeword.to_dataset(data, ("mic",), Dataset, Stream)
    assert [s["snr_db"] for s in data.streams] == [30.0, 5.0, 30.0] * 2
    assert [s.condition for s in ds.streams] == ["SNR 30 dB", "SNR 5 dB", "SNR 30 dB"] * 2


def test_background_is_training_voices_other_speech_and_moves_nothing_else(tmp_path):
    """background_minutes adds the mining pool: sentences by training voices only (no wake phrase,
    no near-homophone), from its own generator, so the clips and every stream stay byte-identical."""
    need_tools("espeak-ng")
    a = wakeword.build(tiny(tmp_path, cache=False))
    b = wakeword.build(tiny(tmp_path, cache=False, background_minutes=0.5))
    assert a.background == [] and len(b.background) == 1
    assert len(b.background[0]) == 30 * 16000 and noise.rms(b.background[0]) > 1e-3
    np.testing.assert_array_equal(a.X, b.X)
    for sa, sb in zip(a.streams, b.streams, strict=True):
        np.testing.assert_array_equal(sa["signal"], sb["signal"])
    rng = np.random.default_rng(0)
    s = wakeword.build_stream(tiny(tmp_path), 20.0, rng, [], part="train", snr_db=30.0, sentences_only=True)
    assert set(s["event_kind"]) == {"speech"}
    assert set(s["event_speaker"]) <= set(wakeword.speakers(tiny(tmp_path), "train"))
    ds = wakeword.to_dataset(b, ("mic",), Dataset, Stream)
    assert ds.background_label == "other" and ds.background[0].shape == (30 * 16000, 1)
    assert wakeword.WakewordOptions.small(background_minutes=120).background_minutes == 1.0
