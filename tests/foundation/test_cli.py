import json
import subprocess
import sys

import pytest

from sensorflow.cli import COMMANDS, main


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert "--json" in capsys.readouterr().out


def test_no_command_is_user_error(capsys):
    assert main([]) == 2


def test_stages_json_is_one_object(capsys):
    assert main(["stages", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    names = [s["name"] for s in out["stages"]]
    assert "scale" in names
    scale = next(s for s in out["stages"] if s["name"] == "scale")
    assert "gain" in scale["params"]


def test_unknown_stage_suggests(capsys):
    assert main(["stages", "scal"]) == 2
    assert "did you mean 'scale'" in capsys.readouterr().err


def test_bad_argument_exit_2():
    proc = subprocess.run([sys.executable, "-m", "sensorflow", "validate"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
