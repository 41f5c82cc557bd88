"""Issue 29 item 3: resource limits on configuration. A YAML is read only from a regular file
of bounded size, with bounded nesting and alias expansion; every number is finite and every
size within a documented limit; refusals are exit 2, one line naming file:line and key."""

from __future__ import annotations

import os
import resource
import time

import pytest
from relhelp import cli, one_line_error

from sensorflow import config
from sensorflow.errors import ConfigError

BASE = """\
name: t
sensor: {kind: generic, sample_rate: 100, channels: [a]}
window: {length: 20}
stages:
  - type: stats
"""


@pytest.fixture(autouse=True, scope="module")
def _warm_cli():
    """Import every command once, so the timings below measure the refusal, not the imports."""
    from sensorflow.cli import build_parser

    build_parser()


def billion_laughs(levels: int = 9) -> str:
    """The classic: each level a list of 9 aliases of the one before (9**levels strings)."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghijklmnop"
    for i in range(1, levels):
        lines.append(f"{names[i]}: &{names[i]} [" + ",".join([f"*{names[i - 1]}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _validate(tmp_path, capsys, text: str | bytes, name: str = "p.yaml"):
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    rc, err, dt = cli(capsys, "validate", p)
    return one_line_error(rc, err, codes=(2,)), dt


def test_billion_laughs_refused_quickly(tmp_path, capsys):
    text = billion_laughs()
    assert len(text) < 500  # the was 472 bytes
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    line, dt = _validate(tmp_path, capsys, text)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert "aliases" in line and "p.yaml:" in line
    assert dt < 2.0 and grown_mb < 50, (dt, grown_mb)


def test_alias_bomb_inside_a_valid_pipeline_refused(tmp_path, capsys):
    text = (
        BASE
        + "dataset:\n  loader: csv\n  options:\n"
        + "".join("    " + line + "\n" for line in billion_laughs(7).splitlines())
    )
    line, _ = _validate(tmp_path, capsys, text)
    assert "aliases" in line


def test_modest_aliases_still_work(tmp_path, capsys):
    text = BASE.replace("{kind: generic", "&s {kind: generic") + "description: ok\n"
    p = tmp_path / "p.yaml"
    p.write_text(text)
    rc, err, _ = cli(capsys, "validate", p)
    assert rc == 0, err


@pytest.mark.parametrize("opener, closer", [("[", "]"), ("{a: ", "}")])
def test_deep_nesting_refused_not_recursion_error(tmp_path, capsys, opener, closer):
    line, _ = _validate(tmp_path, capsys, "x: " + opener * 20000 + "1" + closer * 20000 + "\n")
    assert "nested deeper" in line


def test_dev_zero_refused_at_once(capsys):
    rc, err, dt = cli(capsys, "validate", "/dev/zero")
    assert "not a regular file" in one_line_error(rc, err, codes=(2,)) and dt < 2.0


def test_fifo_refused_without_blocking(tmp_path, capsys):
    fifo = tmp_path / "p.yaml"
    os.mkfifo(fifo)
    rc, err, dt = cli(capsys, "validate", fifo)  # opening it for reading would block forever
    assert "not a regular file" in one_line_error(rc, err, codes=(2,)) and dt < 2.0


def test_oversize_file_refused(tmp_path, capsys):
    line, _ = _validate(tmp_path, capsys, BASE + "#" * config.MAX_YAML_BYTES + "\n")
    assert "byte limit" in line


def test_huge_integer_literal_refused(tmp_path, capsys):
    line, _ = _validate(tmp_path, capsys, BASE.replace("length: 20", "length: " + "9" * 5000))
    assert "p.yaml" in line


@pytest.mark.parametrize(
    "old, new, where, words",
    [
        ("length: 20", "length: 100000000", "p.yaml:3: window.length", "less than or equal to"),
        ("length: 20", "length: 1e12", "p.yaml:3: window.length", "integer"),
        ("length: 20", "length_ms: 1e12", "p.yaml:3: window.length_ms", "less than or equal to"),
        ("length: 20", "length_ms: 1.0e+12", "p.yaml:3: window.length_ms", "less than or equal to"),
        ("length: 20", "length_ms: 20000000", "p.yaml:3: window.length_ms", "over the limit"),
        ("length: 20", "length: 20, hop: 5000000", "p.yaml:3: window.hop", "less than or equal to"),
        ("length: 20", "length: 20, hop_ms: 900000000", "p.yaml:3: window.hop_ms", "over the limit"),
        ("channels: [a]", "channels: [a, b, c, d, e]", "p.yaml:3: window.length", None),
        ("sample_rate: 100", "sample_rate: .inf", "p.yaml:2: sensor.sample_rate", "finite"),
        ("sample_rate: 100", "sample_rate: .nan", "p.yaml:2: sensor.sample_rate", "finite"),
        ("sample_rate: 100", "sample_rate: -.inf", "p.yaml:2: sensor.sample_rate", "finite"),
        ("sample_rate: 100", "sample_rate: 1e-300", "p.yaml:2: sensor.sample_rate", "between"),
        ("sample_rate: 100", "sample_rate: 1.0e-300", "p.yaml:2: sensor.sample_rate", "between"),
        ("sample_rate: 100", "sample_rate: 1.0e+300", "p.yaml:2: sensor.sample_rate", "between"),
        ("generic, ", "generic, scale: .nan, ", "p.yaml:2: sensor.scale", "finite"),
        (
            "  - type: stats\n",
            "  - type: stats\n  - type: mlp\n    hidden_layer_sizes: [100000]\n",
            "p.yaml:7",
            "limit",
        ),
        (
            "  - type: stats\n",
            "  - type: stats\n  - type: mlp\n    hidden_layer_sizes: [4000, 4000, 4000]\n",
            "p.yaml:6",
            "MiB",
        ),
        ("  - type: stats\n", "  - type: stats\n  - type: mlp\n    max_iter: 100000000\n", "p.yaml:7", "limit"),
        ("  - type: stats\n", "  - type: stats\n  - type: logistic\n    C: .inf\n", "p.yaml:7", "finite"),
        ("  - type: stats\n", "  - type: stats\n  - type: random_forest\n    random_state: -1\n", "p.yaml:7", "seed"),
        ("  - type: stats\n", "  - type: stats\n  - type: smooth\n", "p.yaml", None),
    ],
)
def test_sizes_and_numbers_bounded(tmp_path, capsys, old, new, where, words):
    text = BASE.replace("length: 20", "length: 300000") if "channels: [a, b" in new else BASE
    if "smooth" in new:
        text = BASE.replace("  - type: stats\n", "  - type: stats\n  - type: logistic\n")
        new = "  - type: logistic\n  - type: smooth\n    windows: 100000000\n"
        old = "  - type: logistic\n"
    assert old in text
    line, _ = _validate(tmp_path, capsys, text.replace(old, new, 1))
    assert line.startswith(str(tmp_path / where)), line
    if words:
        assert words in line, line


def test_window_cap_matches_the_largest_board():
    """The documented cap: one float32 window fits the RAM of the largest non-host board shipped."""
    from sensorflow.device import boards

    largest = max(b.ram_bytes for b in boards.all_boards() if b.name != "host")
    assert config.MAX_WINDOW_VALUES * 4 == largest


def test_our_depth_limit_below_libyamls(tmp_path, capsys):
    line, _ = _validate(tmp_path, capsys, "x: " + "[" * 40 + "1" + "]" * 40 + "\n")
    assert "nested deeper than 32 levels" in line


def test_wide_yaml_refused_quickly():
    t = time.perf_counter()
    with pytest.raises(ConfigError, match="values"):
        config.parse_yaml("a:\n" + "- 1\n" * (config.MAX_YAML_BYTES // 4 - 2))
    assert time.perf_counter() - t < 5.0


def test_limits_reach_parse_yaml_for_strings():
    with pytest.raises(ConfigError, match="aliases"):
        config.parse_yaml(billion_laughs())
    t = time.perf_counter()
    with pytest.raises(ConfigError, match="nested deeper"):
        config.parse_yaml("[" * 100000)
    assert time.perf_counter() - t < 2.0
