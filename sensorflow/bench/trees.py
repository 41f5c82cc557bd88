"""Tree ensembles on real data: sensorflow's C export versus emlearn and m2cgen.

For each dataset and model every exporter's C is cross-compiled for the Cortex-M4F (-O2) and
measured: object size (text + data of the model's object file, as ``arm-none-eabi-size``),
instructions per prediction on qemu mps2-an386 with -icount over the test rows compiled into
the image, and the device's class labels versus scikit-learn's ``predict`` on the test rows
and on inputs exactly at split thresholds (``tree_data.threshold_vectors``)."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from ..device import elf
from ..device import measure as qh
from ..errors import SensorflowError
from .report import Section, Table, Target, not_available, ratio
from .tree_data import load, threshold_vectors
from .tree_exporters import ExportedModel, peer_exporters, vectors_source

BOARD = "qemu-mps2-an386"
TITLE = "Tree ensembles on the emulated Cortex-M4F"

# (dataset, model label, estimator kind, n_estimators, max_depth)
FULL = [
    ("japanese_vowels", "decision tree", "tree", 1, None),
    ("japanese_vowels", "random forest 10 x depth 8", "forest", 10, 8),
    ("japanese_vowels", "random forest 100 x depth 12", "forest", 100, 12),
    ("basic_motions", "decision tree", "tree", 1, None),
    ("basic_motions", "random forest 10 x depth 8", "forest", 10, 8),
]
QUICK = [("basic_motions", "random forest 10 x depth 8", "forest", 10, 8)]

# the field notes' figures for the same models (an earlier run of the same method), for orientation
FIELD_NOTES = {
    (
        "japanese_vowels",
        "random forest 10 x depth 8",
    ): "Field notes, same method, earlier run (552 nodes): emlearn float 14,182 B / 1,293 instr / 0 wrong; emlearn "
    "default 6,472 B / 780 / 331 wrong; emlearn loadable 3,217 B / 1,441 / 331 wrong; m2cgen 14,748 B / 8,873 / 0.",
    (
        "japanese_vowels",
        "random forest 100 x depth 12",
    ): "Field notes, same method, earlier run (6,386 nodes): emlearn float 110,977 B / 11,814 instr; emlearn default "
    "50,872 B / 2,672 / 341 wrong; m2cgen 147,144 B / 75,098 / 0.",
}

# issue 27 target for the exact integer path: (model label, max instructions); 0 mismatches
INT_TARGETS = {"random forest 10 x depth 8": 500}

# issue 5 targets: (model label, max instructions, max object bytes); 0 mismatches on both sets
TARGETS = {
    "random forest 10 x depth 8": (1_000, 10 * 1024),
    "random forest 100 x depth 12": (9_000, 80 * 1024),
}


def fit_model(kind: str, n_estimators: int, max_depth, X, y):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.tree import DecisionTreeClassifier

    if kind == "tree":
        return DecisionTreeClassifier(max_depth=max_depth, random_state=0).fit(X, y)
    return RandomForestClassifier(n_estimators=n_estimators, max_depth=max_depth, random_state=0).fit(X, y)


def node_count(model) -> int:
    trees = getattr(model, "estimators_", [model])
    return int(sum(t.tree_.node_count for t in trees))


def measure_exporter(exp: ExportedModel, X_test, X_thr, ref_test, ref_thr, work: Path) -> dict:
    """Size, instructions and mismatches of one exporter's C on the emulated M4F."""
    work.mkdir(parents=True, exist_ok=True)
    model_c = work / "model.c"
    model_c.write_text(exp.source)
    for name, text in exp.extra_sources.items():
        (work / name).write_text(text)
    extra = [work / n for n in exp.extra_sources if n.endswith(".c")]
    vec_c = work / "vectors.c"
    vec_c.write_text(vectors_source(exp, np.concatenate([X_test, X_thr])))
    t0 = time.perf_counter()
    obj = qh.compile_object(model_c, BOARD, include_dirs=exp.include_dirs, out=work / "model.o")
    compile_s = time.perf_counter() - t0
    size = elf.sizes(obj)
    for e in extra:
        s2 = elf.sizes(qh.compile_object(e, BOARD, include_dirs=exp.include_dirs, out=work / (e.stem + ".o")))
        size = {k: size[k] + s2[k] for k in size}
    objs = [obj] + [work / (e.stem + ".o") for e in extra]
    m = qh.measure_c(
        [*objs, vec_c],
        "bench_entry",
        BOARD,
        n_inputs=len(X_test),
        n_results=len(X_test) + len(X_thr),
        include_dirs=exp.include_dirs,
        workdir=work / "image",
    )
    got = np.asarray(m.results)
    return {
        "object_bytes": size["flash"],
        "instructions": m.instructions_per_call,
        "mismatch_test": int(np.sum(got[: len(X_test)] != ref_test)),
        "mismatch_thr": int(np.sum(got[len(X_test) :] != ref_thr)),
        "compile_s": compile_s,
        "image_flash": m.image_sizes["flash"],
    }


def baseline_flash(ctype: str, X_all, work: Path) -> int:
    """Flash of the measuring image holding the same input table and a model that reads one value."""
    work.mkdir(parents=True, exist_ok=True)
    exp = ExportedModel("baseline", "", ctype)
    model_c = work / "model.c"
    model_c.write_text(
        f"#include <stdint.h>\nint bench_model_predict(const {ctype} *x);\n"
        f"int bench_model_predict(const {ctype} *x) {{ return x[0] > 0; }}\n"
    )
    vec_c = work / "vectors.c"
    vec_c.write_text(vectors_source(exp, X_all))
    m = qh.measure_c([model_c, vec_c], "bench_entry", BOARD, n_inputs=1, workdir=work / "image")
    return m.image_sizes["flash"]


def sensorflow_exporter(model, d) -> ExportedModel:
    """sensorflow's own C for the same model (raises ImportError/NotImplementedError if unavailable)."""
    from .sensorflow_trees import exported_forest

    return exported_forest(model, d.feature_names, d.X_train, d.y_train)


def run(quick: bool = False) -> Section:
    why = qh.tools_available(BOARD)
    if why:
        return not_available("trees", TITLE, why)
    from importlib.util import find_spec

    for mod in ("emlearn", "m2cgen", "aeon", "elftools"):  # found, not imported: emlearn changes numpy's seterr
        if find_spec(mod) is None:
            return not_available("trees", TITLE, f"{mod} is not installed; install the 'bench' extra")
    sec = Section("trees", TITLE)
    sec.notes.append(
        "Features: per channel mean, std, min, max, first and last sample (JapaneseVowels: 12 channels -> 72 "
        "features, 9 classes, 270 train / 370 test; BasicMotions: 6 channels -> 36 features, 4 classes, 40 / 40), "
        "aeon's bundled train/test splits, scikit-learn random_state=0. Object bytes = text + data of the "
        "model's own object file (-O2, arm-none-eabi-gcc, Cortex-M4F hard float); linked flash growth = the "
        "measuring image minus the same image with a one-line model, so library routines the model pulls in "
        "(m2cgen's soft-double arithmetic from libgcc) count. Instructions per prediction = (region - empty-loop region) / "
        "test rows on qemu mps2-an386 -icount shift=0. Threshold inputs: test rows with one feature set to "
        "each of the two float32 values bracketing a split threshold."
    )
    datasets = {}
    work_root = Path(tempfile.mkdtemp(prefix="sf-bench-trees-"))
    try:
        for ds, label, kind, n_est, depth in QUICK if quick else FULL:
            if ds not in datasets:
                datasets[ds] = load(ds)
            d = datasets[ds]
            model = fit_model(kind, n_est, depth, d.X_train, d.y_train)
            classes = list(model.classes_)
            ref_test = np.searchsorted(model.classes_, model.predict(d.X_test))
            X_thr = threshold_vectors(model, d.X_test, max_vectors=200 if quick else 1000)
            ref_thr = np.searchsorted(model.classes_, model.predict(X_thr))
            acc = float(np.mean(model.predict(d.X_test) == d.y_test))
            table = Table(
                f"{d.name}: {label} ({node_count(model):,} nodes, {d.X_train.shape[1]} features, {len(classes)} classes,"
                f" scikit-learn test accuracy {acc:.3f})",
                [
                    "exporter",
                    "object bytes",
                    "linked flash growth",
                    "instructions / prediction",
                    "test mismatches",
                    "threshold mismatches",
                    "size × sensorflow",
                    "instructions × sensorflow",
                ],
            )
            exporters: list[ExportedModel | tuple[str, str]] = []
            try:
                exporters.append(sensorflow_exporter(model, d))
            except (ImportError, NotImplementedError, AttributeError, SensorflowError) as exc:
                exporters.append(("sensorflow", f"not available: {exc}"))
            exporters += peer_exporters(model, d.X_train.shape[1], len(classes))
            results = {}
            for i, exp in enumerate(exporters):
                if isinstance(exp, tuple):
                    results[exp[0]] = {"error": exp[1]}
                    continue
                try:
                    results[exp.exporter] = measure_exporter(
                        exp, d.X_test, X_thr, ref_test, ref_thr, work_root / f"{ds}-{kind}{n_est}-{i}"
                    )
                except Exception as exc:  # a peer failing (compiler crash, timeout) is a result too
                    results[exp.exporter] = {"error": f"failed: {str(exc).splitlines()[0][:160]}"}
            int_exp = _integer_path(model, d, results, work_root / f"{ds}-{kind}{n_est}-int")
            ref = results.get("sensorflow", {})
            base: dict[str, int] = {}
            for exp in exporters:
                if isinstance(exp, tuple) or "error" in results[exp.exporter] or exp.ctype in base:
                    continue
                base[exp.ctype] = baseline_flash(
                    exp.ctype, np.concatenate([d.X_test, X_thr]), work_root / f"{ds}-{kind}{n_est}-base-{exp.ctype}"
                )
            ctypes = {e.exporter: e.ctype for e in exporters if not isinstance(e, tuple)}
            if int_exp is not None:
                ctypes[int_exp.exporter] = int_exp.ctype
            for name, r in results.items():
                if "error" in r:
                    table.rows.append([name, r["error"], None, None, None, None, None, None])
                    continue
                table.rows.append(
                    [
                        name,
                        r["object_bytes"],
                        r["image_flash"] - r.get("baseline_flash", base.get(ctypes[name], 0)),
                        round(r["instructions"], 1),
                        f"{r['mismatch_test']} / {r.get('n_test', len(d.X_test))}",
                        f"{r['mismatch_thr']} / {r.get('n_thr', len(X_thr))}",
                        ratio(r["object_bytes"], ref.get("object_bytes")),
                        ratio(r["instructions"], ref.get("instructions")),
                    ]
                )
            if int_exp is not None and "note" in results.get(int_exp.exporter, {}):
                table.notes.append(results[int_exp.exporter]["note"])
            if (ds, label) in FIELD_NOTES:
                table.notes.append(FIELD_NOTES[(ds, label)])
            sec.tables.append(table)
            if ds == "japanese_vowels" and label in TARGETS:
                _targets(sec, label, results, len(d.X_test), len(X_thr))
            if ds == "japanese_vowels" and label in INT_TARGETS and int_exp is not None:
                _int_targets(sec, label, results, int_exp.exporter)
    finally:
        shutil.rmtree(work_root, ignore_errors=True)
    return sec


def _integer_path(model, d, results: dict, work: Path) -> ExportedModel | None:
    """sensorflow's exact integer forest on int16 codes fitted to the training features
    (``stages.models.int_trees.fit_codes``); measured into ``results``. Its reference is
    scikit-learn's ``predict`` on the values the codes stand for; its threshold rows put one
    feature of a test row at T - 1, T and T + 1 of every integer threshold T."""
    from ..stages.models.int_trees import boundary_codes, fit_codes
    from .sensorflow_trees import exported_int_forest

    codes = fit_codes(d.X_train, "int16")
    try:
        exp, forest = exported_int_forest(model, d.feature_names, d.X_train, d.y_train, codes)
    except (ImportError, NotImplementedError, SensorflowError) as exc:
        results["sensorflow integer (int16 codes)"] = {"error": f"not available: {exc}"}
        return None
    Q_test = codes.quantize(d.X_test)
    Q_thr = boundary_codes(forest, Q_test)
    ref_test = np.searchsorted(model.classes_, model.predict(codes.dequantize(Q_test)))
    ref_thr = np.searchsorted(model.classes_, model.predict(codes.dequantize(Q_thr)))
    try:
        r = measure_exporter(exp, Q_test, Q_thr, ref_test, ref_thr, work)
        r["baseline_flash"] = baseline_flash(exp.ctype, np.concatenate([Q_test, Q_thr]), work / "base")
    except Exception as exc:  # a failure is a result too
        results[exp.exporter] = {"error": f"failed: {str(exc).splitlines()[0][:160]}"}
        return exp
    flips = int(np.sum(model.predict(codes.dequantize(Q_test)) != model.predict(d.X_test)))
    r.update(n_test=len(Q_test), n_thr=len(Q_thr))
    r["note"] = (
        f"{exp.exporter}: features as int16 codes (per-feature scale and zero point fitted on the training "
        f"range +-25%); mismatches are against scikit-learn on the values the codes stand for, threshold rows "
        f"set one feature to T - 1, T, T + 1 of each of the {forest.n_nodes} integer thresholds; quantising the "
        f"features changes scikit-learn's own label on {flips} of {len(Q_test)} test rows."
    )
    results[exp.exporter] = r
    return exp


def _int_targets(sec: Section, label: str, results: dict, name: str) -> None:
    short = "JapaneseVowels " + label.replace("random forest ", "RF ") + ", integer path"
    r = results[name]
    why = r.get("error", "")
    others = {n: o for n, o in results.items() if n != name and "error" not in o}

    def peers(fmt) -> str:
        return "; ".join(f"{n}: {fmt(o)}" for n, o in others.items() if n == "sensorflow" or "int16" in n)

    sec.targets += [
        Target(
            f"{short}: mismatches vs scikit-learn (test + threshold rows)",
            None if why else r["mismatch_test"] + r["mismatch_thr"],
            0,
            "",
            peers=peers(lambda o: f"{o['mismatch_test']} + {o['mismatch_thr']} (its own threshold rows)"),
            reason=why,
        ),
        Target(
            f"{short}: instructions / prediction (M4F)",
            None if why else r["instructions"],
            INT_TARGETS[label],
            "",
            peers=peers(lambda o: f"{o['instructions']:,.0f}"),
            reason=why,
        ),
    ]


def _targets(sec: Section, label: str, results: dict, n_test: int, n_thr: int) -> None:
    max_instr, max_bytes = TARGETS[label]
    sf = results.get("sensorflow", {})
    why = sf.get("error", "")
    ok = {
        n.replace(" default (int16)", " int16").replace(" (leaf_bits 8)", ""): r
        for n, r in results.items()
        if n != "sensorflow" and not n.startswith("sensorflow ") and "error" not in r
    }

    def peers(fmt) -> str:
        return "; ".join(f"{n}: {fmt(r)}" for n, r in ok.items())

    short = "JapaneseVowels " + label.replace("random forest ", "RF ")
    wrong = None if why else sf["mismatch_test"] + sf["mismatch_thr"]
    sec.targets += [
        Target(
            f"{short}: mismatches vs scikit-learn ({n_test} test + {n_thr} threshold rows)",
            wrong,
            0,
            "",
            peers=peers(lambda r: f"{r['mismatch_test']} + {r['mismatch_thr']}"),
            reason=why,
        ),
        Target(
            f"{short}: instructions / prediction (M4F)",
            None if why else sf["instructions"],
            max_instr,
            "",
            peers=peers(lambda r: f"{r['instructions']:,.0f}"),
            reason=why,
        ),
        Target(
            f"{short}: object bytes (M4F -O2)",
            None if why else sf["object_bytes"],
            max_bytes,
            "B",
            peers=peers(lambda r: f"{r['object_bytes']:,} B"),
            reason=why,
        ),
    ]
