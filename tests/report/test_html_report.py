"""`sensorflow report`: one self-contained HTML page. Unit checks read the page's HTML; the
browser test loads it in Debian's headless Chromium (no console errors, every image decodes)
and keeps a screenshot."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from conftest import skip_or_fail

from sensorflow import artifact
from sensorflow.cli import main
from sensorflow.pipeline import Pipeline
from sensorflow.report import ReportInputs, write_report

AUDIO_YAML = """name: tones
sensor: {kind: audio, sample_rate: 8000, channels: [mic]}
window: {length: 2048}
stages:
  - type: stats
    functions: [rms, std, max]
  - type: decision_tree
"""


@pytest.fixture(scope="module")
def audio_artifact(tmp_path_factory) -> Path:
    """A tiny audio classifier (a 440 Hz tone against noise) saved with held-out windows."""
    rng = np.random.default_rng(0)
    t = np.arange(2048) / 8000
    tone = [np.sin(2 * np.pi * 440 * t + p) * 0.5 for p in rng.uniform(0, 6, 30)]
    noise = [rng.normal(0, 0.2, 2048) for _ in range(30)]
    X = np.asarray(tone + noise, dtype=np.float32)[:, :, None]
    y = np.asarray(["tone"] * 30 + ["noise"] * 30)
    pipe = Pipeline.from_string(AUDIO_YAML).fit(X[::2], y[::2])
    out = tmp_path_factory.mktemp("tones") / "art"
    metrics = {"accuracy": pipe.score(X[1::2], y[1::2]), "classes": ["noise", "tone"],
               "confusion_matrix": [[15, 0], [0, 15]],
               "per_class": {c: {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 15} for c in ("noise", "tone")}}  # fmt: skip
    artifact.save(pipe, out, metrics=metrics, arrays={"test_windows": X[1::2], "test_labels": y[1::2]})
    return out


@pytest.fixture(scope="module")
def gesture_artifact(tmp_path_factory, repo=Path(__file__).resolve().parents[2]) -> Path:
    pytest.importorskip("aeon")
    out = tmp_path_factory.mktemp("gesture") / "art"
    assert main(["train", str(repo / "pipelines" / "gesture.yaml"), "--out", str(out)]) == 0
    return out


EXPORT = {"board": "qemu-mps2-an386", "lang": "c", "flash_bytes": 9932, "ram_bytes": 2788, "source": "measured",
          "budget": {"flash_bytes": 4194304, "ram_bytes": 4194304}, "measured": {"compiler": "arm-none-eabi-gcc"},
          "stages": [{"index": 0, "type": "stats", "measured_flash_bytes": 1348, "ram_bytes": 0, "ops": 8520},
                     {"index": 1, "type": "decision_tree", "measured_flash_bytes": 696, "ram_bytes": 0, "ops": 104}]}  # fmt: skip
HIL = {"board": "host", "passed": True, "agreement": 1.0, "n": 30, "disagreements": [], "retries": 0}


def _images(html: str) -> list[bytes]:
    uris = re.findall(r'<img alt="[^"]*" src="([^"]+)"', html)
    assert all(u.startswith("data:image/png;base64,") for u in uris), "every image is inlined"
    return [base64.b64decode(u.split(",", 1)[1]) for u in uris]


def test_page_is_self_contained_and_every_image_decodes(audio_artifact, tmp_path):
    page = write_report(ReportInputs(audio_artifact, exports=[EXPORT], hil=[HIL]), tmp_path / "r.html")
    html = page.read_text()
    assert not re.search(r'(src|href)="(https?:|//|file:)', html), "no external resource"
    pngs = _images(html)
    assert len(pngs) >= 5  # spectrogram, confusion, per-class, features, device bars
    for png in pngs:
        img = matplotlib.image.imread(io.BytesIO(png), format="png")
        assert img.ndim == 3 and min(img.shape[:2]) > 50
    for section in ("Pipeline", "Data", "Held-out metrics", "Features", "Device", "Hardware in the loop"):
        assert f"<h2>{section}</h2>" in html
    assert 'alt="spectrograms"' in html and 'alt="held-out signals"' not in html  # audio: spectrogram
    assert "<svg" in html and ">stats<" in html and ">decision_tree<" in html  # the diagram names the stages


def test_report_escapes_what_it_shows(audio_artifact, tmp_path):
    hil = dict(HIL, board="<script>alert(1)</script>")
    html = write_report(ReportInputs(audio_artifact, hil=[hil]), tmp_path / "r.html").read_text()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_report_leaves_the_matplotlib_backend_alone(audio_artifact, tmp_path):
    code = (
        "import matplotlib; matplotlib.use('svg'); from sensorflow.report import ReportInputs, write_report; "
        f"write_report(ReportInputs({str(audio_artifact)!r}), {str(tmp_path / 'r.html')!r}); "
        "print(matplotlib.get_backend())"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "svg"


def test_cli_writes_beside_the_artifact_with_exports_hil_and_bench(gesture_artifact, tmp_path, capsys):
    (tmp_path / "exp").mkdir()
    (tmp_path / "exp" / "export_report.json").write_text(json.dumps(EXPORT))
    (tmp_path / "hil.json").write_text(json.dumps(HIL))
    bench = {"sections": [{"title": "Pipelines", "tables": [{"title": "M4F", "columns": ["demo", "flash"],
             "rows": [["gesture", 7460], ["wakeword", 45260]]}]}]}  # fmt: skip
    (tmp_path / "bench.json").write_text(json.dumps(bench))
    args = ["report", str(gesture_artifact), "--export", str(tmp_path / "exp"), "--hil", str(tmp_path / "hil.json"),
            "--bench", str(tmp_path / "bench.json"), "--json"]  # fmt: skip
    assert main(args) == 0
    page = Path(json.loads(capsys.readouterr().out)["report"])
    assert page == gesture_artifact.parent / "art-report.html"
    html = page.read_text()
    assert "7,460" in html and "45,260" not in html  # only the benchmark rows naming this pipeline
    assert 'alt="held-out signals"' in html and 'alt="feature plots"' in html
    assert artifact.load(gesture_artifact)  # the artifact's hash still holds


def test_report_of_constant_features_prints_no_warning(tmp_path):
    """A feature constant over the held-out windows (here every statistic of a dead channel) has no
    ANOVA F; `sensorflow report` ranks it last instead of letting f_classif warn on stderr."""
    rng = np.random.default_rng(1)
    X = np.zeros((40, 64, 2), np.float32)
    X[:, :, 0] = rng.normal(0, 1, (40, 64)) * np.repeat([0.2, 1.0], 20)[:, None]
    y = np.repeat(["calm", "busy"], 20)
    yaml = "name: dead\nsensor: {kind: imu, sample_rate: 50, channels: [x, dead]}\nwindow: {length: 64}\n"
    pipe = Pipeline.from_string(yaml + "stages:\n  - type: stats\n    functions: [std, max]\n  - type: decision_tree\n")
    pipe.fit(X[::2], y[::2])
    art = tmp_path / "art"
    artifact.save(pipe, art, metrics={"accuracy": pipe.score(X[1::2], y[1::2]), "classes": ["busy", "calm"]},
                  arrays={"test_windows": X[1::2], "test_labels": y[1::2]})  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-m", "sensorflow", "report", str(art), "--out", str(tmp_path / "r.html")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "" and 'alt="feature plots"' in (tmp_path / "r.html").read_text()


def test_percent_targets_read_as_percentages(audio_artifact, tmp_path):
    demo = {"targets": [{"name": "held-out accuracy", "measured": 0.9625, "goal": 0.95, "unit": "%",
                         "direction": ">=", "met": True, "note": ""}]}  # fmt: skip
    html = write_report(ReportInputs(audio_artifact, demo=demo), tmp_path / "r.html").read_text()
    assert "96.2 %" in html and "&gt;= 95.0 %" in html


def test_cli_refuses_a_bad_input_file_in_one_line(gesture_artifact, tmp_path, capsys):
    (tmp_path / "hil.json").write_text("[1, 2]")
    assert main(["report", str(gesture_artifact), "--hil", str(tmp_path / "hil.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "hil.json" in err and "JSON object" in err


CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@pytest.mark.browser
def test_page_in_headless_chromium(gesture_artifact, tmp_path):
    if not (CHROMIUM and DRIVER):
        skip_or_fail("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    page = write_report(ReportInputs(gesture_artifact, exports=[EXPORT], hil=[HIL]), tmp_path / "report.html")
    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,900"):
        opts.add_argument(a)
    opts.binary_location = CHROMIUM
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    try:
        driver.get(page.as_uri())
        images = driver.execute_script("return [...document.images].map(i => [i.alt, i.complete, i.naturalWidth])")
        assert len(images) >= 5 and all(ok and width > 0 for _, ok, width in images), images
        assert driver.get_log("browser") == []  # no console errors or warnings
        height = driver.execute_script("return document.body.scrollHeight")
        assert height > 1500  # every section laid out
        driver.set_window_size(1200, height)
        shot = tmp_path / "report.png"
        assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 50_000
    finally:
        driver.quit()
