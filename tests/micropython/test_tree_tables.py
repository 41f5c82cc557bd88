"""Tree ensembles in the MicroPython export: nodes packed into one ``bytes`` table read in place
(``emitters.models.node_table``), integer tables as ``bytes`` literals. A forest of thousands of
nodes imports on the real interpreter (a list literal of that size exhausted its value stack),
labels and scores equal the host, and the export's heap estimate is not below the heap the
interpreter measures (import + ``Pipeline()``, gc.mem_alloc) nor far above it."""

from __future__ import annotations

import struct
from array import array

import numpy as np
import pytest
from mphelp import assert_agrees, export_and_run, make_pipeline, need_micropython, synthetic

from sensorflow.codegen.c.emitters.models import forest_layout
from sensorflow.codegen.micropython.emitters.models import node_table
from sensorflow.codegen.micropython.fragment import MPContext, int_literal


def _layout(n_int: int, n_features: int, n_rows: int) -> dict:
    rng = np.random.default_rng(0)
    return {
        "n_internal": n_int,
        "threshold": rng.standard_normal(n_int).astype(np.float32),
        "feature": rng.integers(0, n_features, n_int),
        "child": rng.integers(0, n_int + n_rows, 2 * n_int),
    }


@pytest.mark.parametrize(
    ("n_int", "n_features", "n_rows", "fmt"),
    [(50, 70, 10, "<fBHH"), (50, 300, 10, "<fHHH"), (70000, 12, 3, "<fBII"), (0, 1, 2, "<fBHH")],
)
def test_nodes_pack_into_the_narrowest_records(n_int, n_features, n_rows, fmt):
    lay = _layout(n_int, n_features, n_rows)
    ctx = MPContext(stage=None, index=1, role="model")
    sym, got_fmt, size = node_table(ctx, lay, n_rows)
    assert (got_fmt, size) == (fmt, struct.calcsize(fmt))
    raw = eval(ctx.tables[0].split(" = ", 1)[1])  # the bytes literal as printed
    assert isinstance(raw, bytes) and len(raw) == n_int * size
    assert ctx.table_bytes == (len(raw) + 32 if n_int else 32) and ctx.literal_bytes == len(raw)
    for i in (0, n_int // 2, n_int - 1) if n_int else ():
        t, f, lo, hi = struct.unpack_from(fmt, raw, i * size)
        assert np.float32(t) == lay["threshold"][i] and f == lay["feature"][i]
        assert (lo, hi) == tuple(lay["child"][2 * i : 2 * i + 2])


def test_integer_tables_are_bytes_literals():
    text = int_literal(list(range(-3000, 3000)))
    assert text.startswith("array('h', (\n    b'")  # not a list: no item-by-item build on the stack
    assert eval(text, {"array": array}).tolist() == list(range(-3000, 3000))


def _big_forest():
    """A fully grown extra-trees forest on noisy labels: thousands of internal nodes."""
    pipe = make_pipeline(
        [{"type": "stats", "functions": ["mean", "std", "ptp", "rms"]}, {"type": "extra_trees", "n_estimators": 40}],
        channels=2,
        length=32,
    )
    X, y = synthetic(240, 32, 2, 4, seed=5)
    y = np.random.default_rng(1).permutation(y)  # noise: the trees grow to many leaves
    pipe.fit(X, y)
    return pipe, X


@pytest.mark.emulator
@pytest.mark.slow
def test_large_forest_on_the_interpreter(tmp_path):
    need_micropython()
    pipe, X = _big_forest()
    lay = forest_layout(list(pipe.model.trees()), pipe.model.n_classes)
    assert lay["n_internal"] > 3000  # the size a list literal could not build
    run, report = export_and_run(pipe, X[:40], tmp_path, use_mpy=True)
    assert_agrees(pipe, X[:40], run)
    measured = run.heap_bytes_import + run.heap_bytes_pipeline
    # honest: never below what the interpreter holds after import + Pipeline(), and within 25% of it
    assert measured <= report["ram_bytes"] <= 1.25 * measured, (measured, report)
