"""The .ts reader against aeon's on every set aeon ships, and its one-line errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sensorflow.datasets.ts_format import read_ts
from sensorflow.errors import DataError

ad = pytest.importorskip("aeon.datasets")
SHIPPED = sorted(p for p in (Path(ad.__file__).parent / "data").glob("*/*.ts") if "TimeStamps" not in p.name)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_equals_aeon(path):
    X, y = ad.load_from_ts_file(str(path))
    cases, labels = read_ts(path)
    assert len(cases) == len(X)
    for ours, theirs in zip(cases, X):
        np.testing.assert_array_equal(ours, np.asarray(theirs, dtype=np.float64))
    if labels.dtype.kind == "f":
        np.testing.assert_array_equal(labels, np.asarray(y, dtype=np.float64))
    else:
        assert labels.astype(str).tolist() == np.asarray(y).astype(str).tolist()


HEADER = "@problemName t\n@timeStamps false\n@classLabel true a b\n@data\n"


@pytest.mark.parametrize(
    "text, message",
    [
        ("just numbers\n", ":1: expected an @header line"),
        ("@problemName t\n", "no @data line"),
        (HEADER, "no cases after @data"),
        (HEADER + "1,2,3:1,2:a\n", ":5: channels of one case differ in length ([2, 3])"),
        (HEADER + "1,x,3:a\n", ":5: channel 0: not a comma-separated list"),
        (HEADER + "1,2,3\n", ":5: a case needs its channels and a label"),
        (HEADER + "1,2:a\n1,2:1,2:b\n", "different numbers of channels"),
        ("@timeStamps true\n@data\n(0,1):a\n", "time-stamped"),
        ("@timeStamps maybe\n@data\n1:a\n", ":2: @timeStamps must be true or false"),
        ("@targetLabel true\n@data\n1,2:abc\n", ":3: target 'abc' is not a number"),
    ],
)
def test_errors_name_the_file_and_line(tmp_path, text, message):
    f = tmp_path / "bad.ts"
    f.write_text(text)
    with pytest.raises(DataError) as err:
        read_ts(f)
    assert str(err.value).startswith(str(f)) and message in str(err.value) and "\n" not in str(err.value)


def test_missing_values_and_numeric_targets(tmp_path):
    f = tmp_path / "reg.ts"
    f.write_text("% comment\n@targetLabel true\n@data\n1,?,3:0.5\n4,5,6:-2\n")
    cases, targets = read_ts(f)
    assert np.isnan(cases[0][0, 1]) and cases[1].shape == (1, 3)
    np.testing.assert_array_equal(targets, [0.5, -2.0])
