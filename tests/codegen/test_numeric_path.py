"""export --numeric: the path each stage takes follows the board's FPU (board YAML ``fpu``)
and the option; the output, the report and a budget refusal say which path was used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import fitted

from sensorflow import artifact, cli
from sensorflow.codegen import numeric
from sensorflow.device import boards
from sensorflow.errors import ConfigError

HERE = Path(__file__).resolve().parent
TINY = HERE / "boards" / "tiny.yaml"


@pytest.fixture(scope="module")
def art(tmp_path_factory):
    p, _, _ = fitted("random_forest", "n_estimators: 4\nmax_depth: 4")
    return artifact.save(p, tmp_path_factory.mktemp("art") / "ctest")


def _export(art, tmp_path, capsys, board: str, *extra: str) -> tuple[dict, str]:
    out = tmp_path / f"{Path(board).stem}{'-'.join(extra)}"
    assert cli.main(["export", str(art), "--board", board, "--out", str(out), "--json", "--no-measure", *extra]) == 0
    rep = json.loads(capsys.readouterr().out)
    return rep, (out / "sf_model.c").read_text()


@pytest.mark.parametrize(
    "board, extra, integer",
    [
        ("qemu-riscv32", (), True),  # fpu none, auto: integer
        ("rp2040", (), True),
        ("qemu-riscv32", ("--numeric", "float"), False),
        ("qemu-mps2-an386", (), False),  # fpu single, auto: float
        ("qemu-mps2-an386", ("--numeric", "int8"), True),
        ("host", (), False),
    ],
)
def test_export_picks_the_path_per_board(art, tmp_path, capsys, board, extra, integer):
    rep, src = _export(art, tmp_path, capsys, board, *extra)
    assert ("SF_FOREST_DEFINE_KEYS" in src) == integer
    forest = next(r for r in rep["stages"] if r["type"] == "random_forest")
    assert forest["numeric"].startswith("integer") == integer
    fpu = boards.get(board).fpu
    assert rep["fpu"] == fpu and rep["numeric_requested"] == (extra[1] if extra else "auto")
    others = [r for r in rep["stages"] if r["type"] != "random_forest"]
    for r in others:
        if fpu == "none":
            assert r["numeric"] == f"float (soft-float: no integer path for stage {r['index']} {r['type']})"
        else:
            assert r["numeric"] == "float"
    if integer:
        assert rep["numeric"].startswith(f"integer for stages {forest['index']} random_forest;")
    else:
        assert rep["numeric"].startswith("float")
        assert ("soft-float" in rep["numeric"]) == (fpu == "none")


def test_text_output_names_the_path(art, tmp_path, capsys):
    out = tmp_path / "txt"
    assert cli.main(["export", str(art), "--board", "qemu-riscv32", "--out", str(out), "--no-measure"]) == 0
    text = capsys.readouterr().out
    assert "numeric path: integer for stages" in text and "(--numeric auto, board FPU none)" in text
    assert "float (soft-float: no integer path for stage 0 test_doubler)" in text


def test_budget_refusal_names_the_path(art, tmp_path, capsys):
    rc = cli.main(["export", str(art), "--board", str(TINY), "--out", str(tmp_path / "o"), "--no-measure"])
    err = capsys.readouterr().err.strip()
    assert rc != 0 and len(err.splitlines()) == 1
    assert "(numeric path: integer for stages" in err and "board FPU none" in err


def test_bad_choice_is_refused():
    with pytest.raises(ConfigError, match="not one of auto, float, int8"):
        numeric.check("int4")
    with pytest.raises(SystemExit):
        cli.main(["export", "x", "--board", "host", "--numeric", "int4"])


def test_summary_when_nothing_has_an_integer_path():
    paths = numeric.plan([(0, "fft"), (1, "mlp")], "auto", "none")
    assert [p.integer for p in paths] == [False, False]
    assert numeric.summary(paths, "auto", "none") == (
        "float (soft-float): no integer path for stages 0 fft, 1 mlp (--numeric auto, board FPU none)"
    )
    assert numeric.summary(numeric.plan([(0, "mlp")], "auto", "single"), "auto", "single") == (
        "float (--numeric auto, board FPU single)"
    )


def test_html_report_shows_the_path(art, tmp_path, capsys):
    exp = tmp_path / "exp"
    assert cli.main(["export", str(art), "--board", "qemu-riscv32", "--out", str(exp), "--no-measure"]) == 0
    page = tmp_path / "report.html"
    assert cli.main(["report", str(art), "--export", str(exp), "--out", str(page)]) == 0
    html = page.read_text()
    assert "numeric path: integer for stages" in html
    assert "<td>integer: integer compares" in html and "<td>float (soft-float: no integer path for stage 0" in html


def test_micropython_export_says_it_computes_in_float(tmp_path, capsys):
    from sensorflow.testing.codegen_checks import make_pipeline, synthetic

    p = make_pipeline([{"type": "stats", "functions": ["mean", "std"]}, {"type": "random_forest", "n_estimators": 2}])
    X, y = synthetic(40, p.window_length, 3, 2)
    a = artifact.save(p.fit(X, y), tmp_path / "mpart")
    out = tmp_path / "mp"
    rc = cli.main(
        ["export", str(a), "--board", "rp2040", "--lang", "micropython", "--out", str(out), "--numeric", "int8"]
    )
    text = capsys.readouterr().out
    assert rc == 0 and "numeric path: float (MicroPython computes in float; --numeric int8, board FPU none)" in text
