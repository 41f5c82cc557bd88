"""``loader: csv`` — sensor logs as CSV text with a header row.

Columns: the sensor channels (named as in ``sensor.channels`` unless ``options.channels``
maps them), an optional time column (seconds; checked against ``sensor.sample_rate``), and
the label either per row (``label_column``; each run of one label becomes a recording) or
per file (sub-folder name = label, or ``options.labels: {file name: label}``). An optional
``group_column`` (subject, session) keeps a group on one side of the split; otherwise the
file is the group.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ..errors import DataError
from .dataset import Dataset


def _csv_files(root: Path) -> list[tuple[Path, str | None]]:
    """(file, label from its sub-folder or None)."""
    if root.is_file():
        return [(root, None)]
    if not root.is_dir():
        raise DataError(f"{root}: no such file or folder; check dataset.path")
    direct = sorted(root.glob("*.csv"))
    nested = [(f, d.name) for d in sorted(p for p in root.iterdir() if p.is_dir()) for f in sorted(d.glob("*.csv"))]
    files = [(f, None) for f in direct] + nested
    if not files:
        raise DataError(f"{root}: empty folder; no .csv files in it or in its sub-folders")
    return files


def read_csv_table(path: Path, delimiter: str = ",") -> tuple[list[str], list[list[str]], int]:
    """Header, rows and the line number of the first data row."""
    if not path.is_file():
        raise DataError(f"{path}: not a regular file (a folder, device or FIFO); give a .csv file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text; is it a CSV file?") from None
    try:
        rows = [r for r in csv.reader(text.splitlines(), delimiter=delimiter)]
    except csv.Error as exc:  # a NUL byte, a field over the csv module's size limit
        raise DataError(f"{path}: not a readable CSV file ({exc})") from None
    body_start = 0
    while body_start < len(rows) and not any(c.strip() for c in rows[body_start]):
        body_start += 1
    if body_start >= len(rows):
        raise DataError(f"{path}: empty file; expected a header row and sample rows")
    header = [c.strip() for c in rows[body_start]]
    data = [r for r in rows[body_start + 1 :]]
    return header, data, body_start + 2


def _column(header: list[str], name: str, path: Path, option: str) -> int:
    if name not in header:
        raise DataError(
            f"{path}: no column '{name}' (columns: {', '.join(header)}); fix dataset.options.{option} or the file"
        )
    return header.index(name)


def load_csv(path, sensor, options: dict) -> Dataset:
    root = Path(path)
    channels = list(options.get("channels") or sensor.channels)
    if len(channels) != len(sensor.channels):
        raise DataError(
            f"dataset.options.channels names {len(channels)} columns but the sensor has {len(sensor.channels)} channels"
        )
    time_col = options.get("time_column")
    label_col = options.get("label_column")
    group_col = options.get("group_column")
    file_labels = options.get("labels") or {}
    delimiter = options.get("delimiter", ",")
    signals, labels, groups, names = [], [], [], []
    for f, folder_label in _csv_files(root):
        header, rows, first_line = read_csv_table(f, delimiter)
        ch_idx = [_column(header, c, f, "channels") for c in channels]
        t_idx = _column(header, time_col, f, "time_column") if time_col else None
        l_idx = _column(header, label_col, f, "label_column") if label_col else None
        g_idx = _column(header, group_col, f, "group_column") if group_col else None
        if l_idx is None:
            label = file_labels.get(f.name, file_labels.get(f.stem, folder_label))
            if label is None:
                raise DataError(
                    f"{f}: no label; set dataset.options.label_column, put the file in a sub-folder named after "
                    "its label, or list it in dataset.options.labels"
                )
        values = np.empty((len(rows), len(channels)), dtype=np.float64)
        times = np.empty(len(rows)) if t_idx is not None else None
        row_labels, row_groups, keep = [], [], []
        for i, row in enumerate(rows):
            line = first_line + i
            if not any(c.strip() for c in row):
                continue
            if len(row) != len(header):
                raise DataError(f"{f}:{line}: {len(row)} fields but the header has {len(header)}")
            try:
                values[i] = [float(row[j]) for j in ch_idx]
                if times is not None:
                    times[i] = float(row[t_idx])
            except ValueError:
                raise DataError(f"{f}:{line}: a channel or time value is not a number") from None
            keep.append(i)
            if l_idx is not None:
                v = row[l_idx].strip()
                if not v:
                    raise DataError(f"{f}:{line}: empty label in column '{label_col}'")
                row_labels.append(v)
            row_groups.append(row[g_idx].strip() if g_idx is not None else f.name)
        values = values[keep]
        if not len(values):
            raise DataError(f"{f}: no sample rows under the header")
        if times is not None:
            _check_rate(f, times[keep], sensor.sample_rate)
        per_row = row_labels if l_idx is not None else [label] * len(values)
        # each run of constant (label, group) is one recording
        start = 0
        for end in range(1, len(values) + 1):
            if end == len(values) or per_row[end] != per_row[start] or row_groups[end] != row_groups[start]:
                signals.append((values[start:end] * sensor.scale).astype(np.float32))
                labels.append(per_row[start])
                groups.append(row_groups[start] if g_idx is not None else f.name)
                names.append(f"{f}:{first_line + keep[start]}-{first_line + keep[end - 1]}")
                start = end
    return Dataset(signals, labels, groups, sensor.sample_rate, sensor.channels, names, source=str(root))


def _check_rate(f: Path, times: np.ndarray, sample_rate: float) -> None:
    if len(times) < 2:
        return
    dt = np.diff(times)
    if np.any(dt <= 0):
        raise DataError(f"{f}: the time column is not increasing")
    rate = 1.0 / float(np.median(dt))
    if abs(rate - sample_rate) > 0.02 * sample_rate:
        raise DataError(
            f"{f}: time column implies {rate:.4g} Hz but the pipeline sensor is {sample_rate:g} Hz; "
            "resample the log or fix sensor.sample_rate"
        )
