"""Where board files are found: --boards-dir, $SENSORFLOW_BOARDS_PATH, ./boards, then the ones
that ship inside the package (importlib.resources)."""

from __future__ import annotations

import json

import pytest

from sensorflow.cli import main
from sensorflow.device import boards


@pytest.fixture
def own_board(tmp_path):
    d = tmp_path / "myboards"
    d.mkdir()
    text = (boards.BOARDS_DIR / "stm32f411.yaml").read_text().replace("name: stm32f411", "name: myboard")
    (d / "myboard.yaml").write_text(text)
    return d


@pytest.fixture(autouse=True)
def _clean_search_path(monkeypatch):
    monkeypatch.setattr(boards, "_extra_dirs", [])
    monkeypatch.delenv(boards.ENV_PATH, raising=False)


def _names(capsys) -> list[str]:
    return [b["name"] for b in json.loads(capsys.readouterr().out)["boards"]]


def test_shipped_boards_come_from_the_package():
    assert boards.BOARDS_DIR.parts[-3:] == ("sensorflow", "resources", "boards")
    assert {"host", "qemu-mps2-an386", "qemu-riscv32", "stm32f411"} <= set(boards.names())


@pytest.mark.parametrize("where", ["before", "after"])
def test_boards_dir_flag_before_or_after_the_command(own_board, capsys, where):
    argv = ["--boards-dir", str(own_board), "boards", "--json"]
    if where == "after":
        argv = ["boards", "--json", "--boards-dir", str(own_board)]
    assert main(argv) == 0
    names = _names(capsys)
    assert "myboard" in names and "stm32f411" in names


def test_env_path_and_working_directory(own_board, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(boards.ENV_PATH, str(own_board))
    assert main(["boards", "--json"]) == 0 and "myboard" in _names(capsys)
    monkeypatch.delenv(boards.ENV_PATH)
    work = tmp_path / "work"
    (work / "boards").mkdir(parents=True)
    (work / "boards" / "myboard.yaml").write_text((own_board / "myboard.yaml").read_text())
    monkeypatch.chdir(work)
    assert main(["boards", "--json"]) == 0 and "myboard" in _names(capsys)


def test_a_user_board_file_overrides_a_shipped_one(own_board, capsys):
    text = (boards.BOARDS_DIR / "stm32f411.yaml").read_text().replace("ram_bytes: ", "ram_bytes: 1024 #")
    (own_board / "stm32f411.yaml").write_text(text)
    boards.add_search_dir(own_board)
    assert boards.get("stm32f411").ram_bytes == 1024


def test_no_boards_found_is_an_error(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(boards, "BOARDS_DIR", tmp_path / "none")
    monkeypatch.chdir(tmp_path)
    assert main(["boards"]) == 2
    assert "no board files" in capsys.readouterr().err


def test_a_missing_boards_dir_is_one_line(capsys):
    assert main(["boards", "--boards-dir", "/nonexistent-folder"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--boards-dir is not a folder" in err and "\n" not in err
