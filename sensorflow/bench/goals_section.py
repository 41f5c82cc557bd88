"""Issue 25's goal datasets: the shipped pipeline per dataset (``pipelines/<name>.yaml``) trained on
aeon's predefined split and measured on the emulated Cortex-M4F, beside the peers fitted and
scored in the same run: aeon's ``MiniRocketClassifier`` and catch22 + random forest (aeon's
``Catch22Classifier``, whose default estimator is a 200-tree random forest).

The device figures come from ``sensorflow.device.measure.measure_pipeline`` (as the demos and the
pipelines section): instructions per inference, flash = linked image growth, RAM = data + bss +
stack; labels are the device's against the host pipeline's on the held-out windows in the image.
The targets are the issue's: held-out accuracy at least the goal, the stm32f411 flash and RAM
budget, at most 10 M M4F instructions per inference."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from ..device import measure as qh
from .demo_models import trained
from .report import Section, Table, Target, not_available

TITLE = "Goal datasets: sensorflow beside MiniRocket and catch22 + random forest"
BOARD = "qemu-mps2-an386"
BUDGET_BOARD = "stm32f411"
MAX_INSTRUCTIONS = 10_000_000
# aeon dataset -> (shipped pipeline, goal held-out accuracy)
GOALS = {
    "GunPoint": ("gunpoint", 0.98),
    "JapaneseVowels": ("japanese_vowels", 0.98),
    "ACSF1": ("acsf1", 0.90),
    "BasicMotions": ("gesture", 1.0),
}
QUICK = ("GunPoint",)
COLUMNS = [
    "dataset",
    "pipeline",
    "sensorflow accuracy",
    "MiniRocket",
    "catch22-RF",
    "flash bytes",
    "RAM bytes",
    "M4F instructions / inference",
    "labels = host",
]


def peer_data(name: str):
    """(X_train, y_train, X_test, y_test) from aeon, (n, channels, length); unequal lengths
    (JapaneseVowels) zero-padded at the end to the longest, as the goal pipeline's window pads."""
    from aeon.datasets import load_classification

    Xtr, ytr = load_classification(name, split="train")
    Xte, yte = load_classification(name, split="test")
    if isinstance(Xtr, list):
        n = max(x.shape[-1] for x in Xtr + Xte)
        Xtr, Xte = (np.stack([np.pad(x, ((0, 0), (0, n - x.shape[-1]))) for x in X]) for X in (Xtr, Xte))
    return Xtr, ytr, Xte, yte


def peer_accuracy(name: str, seed: int = 0) -> dict[str, float]:
    """Held-out accuracy of aeon's MiniRocketClassifier and Catch22Classifier (random forest)."""
    from aeon.classification.convolution_based import MiniRocketClassifier
    from aeon.classification.feature_based import Catch22Classifier

    Xtr, ytr, Xte, yte = peer_data(name)
    out = {}
    for key, clf in (
        ("minirocket", MiniRocketClassifier(random_state=seed)),
        ("catch22_rf", Catch22Classifier(random_state=seed, n_jobs=1)),
    ):
        out[key] = float(np.mean(clf.fit(Xtr, ytr).predict(Xte) == yte))
    return out


def sensorflow_result(pipeline: str, work: Path) -> dict:
    """The shipped pipeline trained (``demo_models.trained``) and measured on the M4F."""
    d = trained(pipeline)
    X = np.asarray(d.result.test_windows, dtype=np.float32)
    r = qh.measure_pipeline(d.pipeline, X, BOARD, work)
    return {"accuracy": float(d.result.metrics["accuracy"]), **r}


def row(dataset: str, pipeline: str, sf: dict | None, peers: dict | None) -> list:
    """One table row from the measured figures (None where a part was not measured)."""
    sf, peers = sf or {}, peers or {}
    agree = f"{sf['agree']} / {sf['k']}" if "agree" in sf else None
    return [
        dataset,
        f"pipelines/{pipeline}.yaml",
        sf.get("accuracy"),
        peers.get("minirocket"),
        peers.get("catch22_rf"),
        sf.get("flash"),
        sf.get("ram"),
        sf.get("instr_infer"),
        agree,
    ]


def targets(dataset: str, sf: dict | None, budget: tuple[int, int], why: str = "") -> list[Target]:
    """The issue's targets for one dataset: goal accuracy, flash and RAM budget, 10 M instructions."""
    goal = GOALS[dataset][1]
    sf = sf or {}
    flash_max, ram_max = budget
    return [
        Target(f"{dataset}: held-out accuracy", sf.get("accuracy"), goal, at_least=True, reason=why),
        Target(f"{dataset} on M4F: flash", sf.get("flash"), flash_max, "B", peers=BUDGET_BOARD, reason=why),
        Target(f"{dataset} on M4F: RAM", sf.get("ram"), ram_max, "B", peers=BUDGET_BOARD, reason=why),
        Target(f"{dataset} on M4F: instructions per inference", sf.get("instr_infer"), MAX_INSTRUCTIONS, reason=why),
    ]


def budget() -> tuple[int, int]:
    from ..device.boards import get

    b = get(BUDGET_BOARD)
    return int(b.flash_bytes), int(b.ram_bytes)


def first_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}"


def run(quick: bool = False) -> Section:
    why = qh.tools_available(BOARD)
    if why:
        return not_available("goals", TITLE, why)
    try:
        import aeon  # noqa: F401
    except ImportError as exc:
        return not_available("goals", TITLE, f"aeon is missing ({exc}); install the 'bench' extra")
    sec = Section("goals", TITLE)
    table = Table("", list(COLUMNS))
    limits = budget()
    work_root = Path(tempfile.mkdtemp(prefix="sf-bench-goals-"))
    try:
        for dataset in QUICK if quick else GOALS:
            pipeline = GOALS[dataset][0]
            sf, peers, why = None, None, ""
            t0 = time.perf_counter()
            try:  # one dataset that fails (data, compiler, emulator) must not hide the others: say why
                sf = sensorflow_result(pipeline, work_root / pipeline)
            except Exception as exc:
                why = f"sensorflow: {first_line(exc)}"
            t1 = time.perf_counter()
            try:
                peers = peer_accuracy(dataset)
            except Exception as exc:
                why = (why + "; " if why else "") + f"peers: {first_line(exc)}"
            table.rows.append(row(dataset, pipeline, sf, peers))
            if why:
                table.notes.append(f"{dataset}: not measured: {why}")
            table.notes.append(
                f"{dataset}: sensorflow trained and measured in {t1 - t0:.0f} s, peers in {time.perf_counter() - t1:.0f} s."
            )
            sec.targets += targets(dataset, sf, limits, "not measured in this run" if sf is None else "")
    finally:
        shutil.rmtree(work_root, ignore_errors=True)
    sec.notes.append(
        "Held-out accuracy on aeon's predefined split (fitted on the train file, scored once on the test file). "
        "Peers fitted and scored in this run with random_state 0 (JapaneseVowels zero-padded "
        f"at the end for them as for the pipeline). Device: {BOARD} (Cortex-M4F) at -O2, QEMU -icount; flash and "
        f"RAM targets are the {BUDGET_BOARD} board's ({limits[0]:,} B flash, {limits[1]:,} B RAM)."
        + (" Quick run: GunPoint only." if quick else "")
    )
    sec.tables.append(table)
    return sec
