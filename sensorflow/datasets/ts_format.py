"""Reader for the UEA/UCR time-series ``.ts`` format (as written by sktime and aeon): ``#`` (or
``%``) comments, ``@key value`` header lines, then ``@data`` with one case per line: channels separated
by ``:``, values by ``,``, ``?`` for a missing value, and the class label (``@classLabel true``)
or a numeric target (``@targetLabel true``) as the last field. Time-stamped series
(``@timeStamps true``) are refused. Class labels are lowercased, as aeon's reader does, so an
artifact names the same classes whichever reader loaded its data. Needs nothing beyond numpy, so a user's own ``.ts`` files
load without aeon; aeon is the test oracle."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import DataError


def _flag(value: str, path: Path, lineno: int, key: str) -> bool:
    v = value.strip().split()[0].lower() if value.strip() else ""
    if v not in ("true", "false"):
        raise DataError(f"{path}:{lineno}: @{key} must be true or false, got '{value.strip()}'")
    return v == "true"


def read_ts(path: str | Path) -> tuple[list[np.ndarray], np.ndarray]:
    """Cases as float64 arrays ``(channels, length)`` (as aeon returns them) and labels
    (strings for class labels, float64 for numeric targets). Errors name the file and line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8", errors="strict").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read a .ts file ({exc.__class__.__name__}: {exc})") from None
    header: dict[str, str] = {}
    labelled = target = False
    cases: list[np.ndarray] = []
    labels: list = []
    in_data = False
    for lineno, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith(("#", "%")):
            continue
        if not in_data:
            if not line.startswith("@"):
                raise DataError(f"{path}:{lineno}: expected an @header line or @data before the data")
            key, _, value = line[1:].partition(" ")
            key = key.lower()
            if key == "data":
                in_data = True
                if _flag(header.get("timestamps", "false"), path, lineno, "timeStamps"):
                    raise DataError(f"{path}: time-stamped .ts series (@timeStamps true) are not supported")
                labelled = _flag(header.get("classlabel", "false"), path, lineno, "classLabel")
                target = _flag(header.get("targetlabel", "false"), path, lineno, "targetLabel")
                continue
            header[key] = value
            continue
        fields = line.split(":")
        if labelled or target:
            if len(fields) < 2:
                raise DataError(f"{path}:{lineno}: a case needs its channels and a label after the last ':'")
            label_text = fields.pop().strip()
            if target:
                try:
                    labels.append(float(label_text))
                except ValueError:
                    raise DataError(f"{path}:{lineno}: target '{label_text}' is not a number") from None
            else:
                labels.append(label_text.lower())
        channels = []
        for c, text in enumerate(fields):
            try:
                values = [np.nan if v.strip() == "?" else float(v) for v in text.split(",")]
            except ValueError:
                raise DataError(f"{path}:{lineno}: channel {c}: not a comma-separated list of numbers") from None
            channels.append(values)
        lengths = {len(ch) for ch in channels}
        if len(lengths) != 1:
            raise DataError(f"{path}:{lineno}: channels of one case differ in length ({sorted(lengths)})")
        cases.append(np.asarray(channels, dtype=np.float64))
    if not in_data:
        raise DataError(f"{path}: no @data line; not a .ts file")
    if not cases:
        raise DataError(f"{path}: no cases after @data")
    n_ch = {c.shape[0] for c in cases}
    if len(n_ch) != 1:
        raise DataError(f"{path}: cases have different numbers of channels ({sorted(n_ch)})")
    return cases, np.asarray(labels) if labels else np.asarray([None] * len(cases), dtype=object)
