"""`sensorflow validate` gives one `file:line:` line and exit 2 for broken pipelines."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import RECIPE_PIPELINE

from sensorflow.cli import main
from sensorflow.config import loads
from sensorflow.errors import ConfigError

GOOD = """\
name: imu_test
description: a small valid pipeline
sensor:
  kind: imu
  sample_rate: 50
  channels: [ax, ay, az]
  dtype: int16
  scale: 0.001
window:
  length_ms: 2000
  hop_ms: 1000
stages:
  - type: scale
    gain: 2.0
  - type: scale
    gain: [1.0, 2.0, 3.0]
    offset: 0.5
export:
  targets:
    - board: host
"""

# (name, text transform, expected line, fragment of the message)
BROKEN = [
    (
        "stage_typo",
        lambda s: s.replace("type: scale\n    gain: 2.0", "type: scael\n    gain: 2.0"),
        13,
        "did you mean 'scale'",
    ),
    (
        "stage_unknown_far",
        lambda s: s.replace("type: scale\n    gain: 2.0", "type: zzzzqqq\n    gain: 2.0"),
        13,
        "unknown stage type 'zzzzqqq'",
    ),
    (
        "stage_missing_type",
        lambda s: s.replace("  - type: scale\n    gain: 2.0", "  - gain: 2.0"),
        13,
        "missing 'type'",
    ),
    ("stage_not_mapping", lambda s: s.replace("  - type: scale\n    gain: 2.0", "  - scale"), 13, "must be a mapping"),
    (
        "stage_type_not_string",
        lambda s: s.replace("type: scale\n    gain: 2.0", "type: [scale]\n    gain: 2.0"),
        13,
        "unknown stage type",
    ),
    ("stage_unknown_key", lambda s: s.replace("    gain: 2.0", "    gian: 2.0"), 14, "did you mean 'gain'"),
    ("stage_wrong_type", lambda s: s.replace("    gain: 2.0", "    gain: loud"), 14, "gain"),
    (
        "stage_channel_count",
        lambda s: s.replace("gain: [1.0, 2.0, 3.0]", "gain: [1.0, 2.0]"),
        16,
        "2 values but the signal has 3 channels",
    ),
    ("stages_empty", lambda s: s.split("stages:")[0] + "stages: []\nexport: {}\n", 12, "stages"),
    ("stages_missing", lambda s: s.split("stages:")[0], 1, "missing required key 'stages'"),
    ("name_missing", lambda s: s.replace("name: imu_test\n", ""), 1, "missing required key 'name'"),
    ("name_bad", lambda s: s.replace("name: imu_test", "name: 'imu test!'"), 1, "name"),
    ("sensor_missing", lambda s: re.sub(r"sensor:\n(  .*\n)+", "", s), 1, "missing required key 'sensor'"),
    ("sensor_kind_bad", lambda s: s.replace("kind: imu", "kind: lidar"), 4, "kind"),
    ("sample_rate_negative", lambda s: s.replace("sample_rate: 50", "sample_rate: -50"), 5, "greater than 0"),
    ("sample_rate_zero", lambda s: s.replace("sample_rate: 50", "sample_rate: 0"), 5, "greater than 0"),
    ("sample_rate_string", lambda s: s.replace("sample_rate: 50", "sample_rate: fast"), 5, "sample_rate"),
    ("channels_empty", lambda s: s.replace("channels: [ax, ay, az]", "channels: []"), 6, "channels"),
    (
        "channels_duplicate",
        lambda s: s.replace("channels: [ax, ay, az]", "channels: [ax, ax, az]"),
        6,
        "'ax' appears twice",
    ),
    ("dtype_bad", lambda s: s.replace("dtype: int16", "dtype: int12"), 7, "dtype"),
    ("scale_zero", lambda s: s.replace("scale: 0.001", "scale: 0"), 8, "scale"),
    ("sensor_unknown_key", lambda s: s.replace("  dtype: int16", "  dtyp: int16"), 7, "did you mean 'dtype'"),
    ("window_both", lambda s: s.replace("  hop_ms: 1000", "  hop_ms: 1000\n  length: 100"), 9, "exactly one of"),
    ("window_none", lambda s: s.replace("  length_ms: 2000\n", ""), 9, "exactly one of"),
    ("window_negative", lambda s: s.replace("length_ms: 2000", "length_ms: -5"), 10, "greater than 0"),
    ("window_unknown_key", lambda s: s.replace("hop_ms: 1000", "hopms: 1000"), 11, "did you mean 'hop_ms'"),
    ("top_unknown_key", lambda s: s + "extra_thing: 1\n", 21, "unknown key 'extra_thing'"),
    ("top_typo", lambda s: s.replace("description:", "descripton:"), 2, "did you mean 'description'"),
    (
        "export_target_no_board",
        lambda s: s.replace("    - board: host", "    - lang: c"),
        20,
        "missing required key 'board'",
    ),
    ("export_lang_bad", lambda s: s.replace("    - board: host", "    - board: host\n      lang: rust"), 21, "lang"),
    (
        "duplicate_key",
        lambda s: s.replace("  sample_rate: 50\n", "  sample_rate: 50\n  sample_rate: 60\n"),
        6,
        "appears twice",
    ),
    ("yaml_bad_indent", lambda s: s.replace("  kind: imu", " kind: imu"), 5, "YAML syntax error"),
    ("yaml_unclosed_bracket", lambda s: s.replace("[ax, ay, az]", "[ax, ay, az"), 7, "YAML syntax error"),
    ("yaml_tab", lambda s: s.replace("  kind: imu", "\tkind: imu"), 4, "YAML syntax error"),
    ("truncated", lambda s: s[: s.index("channels: [ax") + 12], 6, "YAML syntax error"),
    ("top_is_list", lambda s: "- a\n- b\n", 1, "top level must be a mapping"),
    ("top_is_scalar", lambda s: "hello\n", 1, "top level must be a mapping"),
]


def _write(tmp_path: Path, text: str | bytes, name="p.yaml") -> Path:
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return p


def test_good_pipeline_validates(tmp_path, capsys):
    p = _write(tmp_path, GOOD)
    assert main(["validate", str(p)]) == 0
    assert "ok" in capsys.readouterr().out


@pytest.mark.parametrize("name,mutate,line,fragment", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_variant_one_line_exit_2(tmp_path, capsys, name, mutate, line, fragment):
    text = mutate(GOOD)
    assert text != GOOD, "mutation did not change the text"
    p = _write(tmp_path, text)
    assert main(["validate", str(p)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err, f"expected one line, got:\n{err}"
    assert "Traceback" not in err
    assert err.startswith(f"{p}:{line}:"), err
    assert fragment in err, err


@pytest.mark.parametrize(
    "content,fragment",
    [
        (b"", "is empty"),
        (b"   \n\n", "is empty"),
        (b"\x00\x01\x02binary\xff", "binary"),
        (b"name: x\n\xff\xfe\xfd", "not UTF-8"),
    ],
    ids=["empty", "whitespace", "binary_nul", "not_utf8"],
)
def test_unreadable_files(tmp_path, capsys, content, fragment):
    p = _write(tmp_path, content)
    assert main(["validate", str(p)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(str(p)) and fragment in err and "\n" not in err


def test_missing_file_and_directory(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["validate", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err


def test_json_output_reports_each_file(tmp_path, capsys):
    import json

    good = _write(tmp_path, GOOD, "good.yaml")
    bad = _write(tmp_path, GOOD.replace("kind: imu", "kind: lidar"), "bad.yaml")
    assert main(["validate", "--json", str(good), str(bad)]) == 2
    out = json.loads(capsys.readouterr().out)
    assert [f["ok"] for f in out["files"]] == [True, False]
    assert out["files"][1]["error"].startswith(f"{bad}:4:")


def test_error_carries_key_path():
    with pytest.raises(ConfigError) as exc:
        loads(GOOD.replace("    gain: 2.0", "    gian: 2.0"), "x.yaml")
    assert exc.value.key == ("stages", 0, "gian")
    assert exc.value.line == 14


def test_console_script_no_traceback(tmp_path):
    p = _write(tmp_path, GOOD.replace("kind: imu", "kind: lidar"))
    proc = subprocess.run([sys.executable, "-m", "sensorflow", "validate", str(p)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_every_shipped_pipeline_validates(repo, capsys):
    files = sorted((repo / "pipelines").glob("*.yaml"))
    if not files:
        pytest.fail("pipelines/ has no YAML files")
    assert main(["validate", *map(str, files)]) == 0, capsys.readouterr().err


@pytest.mark.parametrize(
    "name,options,line,fragment",
    [
        ("wakeword", "    wake_variant_per_speaker: 2\n", 12, "dataset.options.wake_variant_per_speaker: asks for"),
        ("wakeword", "    wake_per_speaker: 0\n", 12, "dataset.options.wake_per_speaker:"),
        ("vibration", "    spead: 3\n", 12, "dataset.options.spead: unknown option 'spead'; allowed: "),
        ("wakeword", "    test_accents: [en-us]\n", 12, "'en-us' is in both train_accents and test_accents"),
        ("cwru", "    chanel: FE\n", 12, "dataset.options.chanel: unknown option 'chanel'; did you mean 'channel'?"),
        ("cwru", "    test_loads: [4]\n", 12, "dataset.options.test_loads: Input should be less than or equal to 3"),
    ],
    ids=["cross-key", "range", "unknown-key", "held-out-voice-in-training", "cwru-near-miss", "cwru-range"],
)
def test_validate_checks_recipe_options_without_building_data(tmp_path, capsys, name, options, line, fragment):
    p = _write(tmp_path, RECIPE_PIPELINE % (name, options))
    assert main(["validate", str(p)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{p}:{line}: ") and fragment in err and "\n" not in err, err


def test_validate_names_an_unknown_recipe(tmp_path, capsys):
    p = _write(tmp_path, RECIPE_PIPELINE % ("no_such_recipe", "    a: 1\n"))
    assert main(["validate", str(p)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{p}: no dataset recipe 'no_such_recipe'"), err
