"""Reports: JSON keys, the human table, JUnit XML; and a board that disagrees is caught."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hilfix import LinearReference, firmware, linear_export, linear_ref  # noqa: F401  (pytest fixtures)

from sensorflow.cli import main
from sensorflow.hil import report, runner, session


@pytest.fixture(scope="module")
def runs(firmware, linear_ref):
    """A clean run, and a run judged against a different model (the board is 'wrong')."""
    X = linear_ref.windows(20, seed=3)
    other = LinearReference(
        linear_ref.weights[::-1].copy(), linear_ref.bias[::-1].copy(), linear_ref.window_length, linear_ref.hop
    )
    with session.open_emulated("host", firmware("host")) as s:
        good = runner.run_windows(s.client, X, linear_ref, board="host")
        bad = runner.run_windows(s.client, X, other, board="host")
    return good, bad


def test_json_has_the_contract_keys(runs):
    good, bad = runs
    d = report.to_dict(good)
    for key in ("board", "n", "agreement", "instructions_per_inference", "max_abs_score_error"):
        assert key in d
    assert d["board"] == "host" and d["n"] == 20 and d["agreement"] == 1.0 and d["passed"]
    assert d["counter_unit"] == "ns" and d["instructions_per_inference"] is None and d["device_ns_per_inference"] > 0
    json.dumps(d)
    b = report.to_dict(bad)
    assert not b["passed"] and b["agreement"] < 1.0 and b["disagreements"]
    assert b["max_abs_score_error"] > 0.01


def test_table_names_board_and_result(runs):
    good, bad = runs
    text = report.format_table(report.to_dict(good))
    assert "host on /dev/pts/" in text and "100.00 %" in text and "PASS" in text
    assert "FAIL" in report.format_table(report.to_dict(bad))


def test_junit(runs, tmp_path):
    good, bad = runs
    path = report.write_junit([good, bad], tmp_path / "hil.xml")
    root = ET.parse(path).getroot()
    suites = root.findall("testsuite")
    assert [int(s.get("tests")) for s in suites] == [20, 20]
    assert int(suites[0].get("failures")) == 0
    failures = suites[1].findall("testcase/failure")
    assert int(suites[1].get("failures")) == len(failures) == len(report.to_dict(bad)["out_of_tolerance"]) > 0


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert main(["hil", str(tmp_path / "missing"), "--board", "host"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "not an artifact directory" in err


def test_cli_refuses_unknown_board_port(tmp_path):
    from sensorflow.errors import HILError
    from sensorflow.hil.session import build

    with pytest.raises(HILError, match="no HIL firmware port for board 'stm32f411'.*--no-flash"):
        build("stm32f411", tmp_path, tmp_path)


def test_fixture_reference_is_consistent(linear_ref):
    X = linear_ref.windows(5)
    p = linear_ref.predict_proba(X)
    assert np.allclose(p.sum(axis=1), 1) and (linear_ref.predict(X) == linear_ref.classes_[p.argmax(1)]).all()


@pytest.mark.emulator
def test_flash_command_from_board_yaml(tmp_path, monkeypatch, linear_export):
    """The board YAML's flash.command gets {bin} (made with the board's objcopy) and {port}."""
    from conftest import REPO, need_tools

    from sensorflow.errors import HILError
    from sensorflow.hil.session import build, flash

    need_tools("arm-none-eabi-gcc")
    boards = tmp_path / "boards"
    boards.mkdir()
    yaml_text = (REPO / "boards" / "qemu-mps2-an386.yaml").read_text()
    target = tmp_path / "flashed.bin"
    (boards / "qemu-mps2-an386.yaml").write_text(yaml_text + f"flash:\n  command: cp {{bin}} {target}\n  image: bin\n")
    monkeypatch.setenv("SENSORFLOW_BOARDS_PATH", str(boards))
    elf = build("qemu-mps2-an386", linear_export, tmp_path / "build")
    flash("qemu-mps2-an386", elf, "/dev/ttyFAKE0")
    assert target.exists() and target.read_bytes()[4:8] != b"\0\0\0\0"  # vector table: reset handler
    (boards / "qemu-mps2-an386.yaml").write_text(yaml_text + "flash:\n  command: false {port}\n")
    with pytest.raises(HILError, match="flashing qemu-mps2-an386 on /dev/ttyFAKE0 failed"):
        flash("qemu-mps2-an386", elf, "/dev/ttyFAKE0")
