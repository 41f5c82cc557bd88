"""Held-out and cross-validation splits that avoid leakage.

``by: group`` (default) and ``by: file`` keep every window of one group (speaker, subject,
recording) / one file on the same side, stratified by class (scikit-learn's
``StratifiedGroupKFold``; for regression, ``stratify=False``, ``GroupKFold``); ``by: random`` splits windows at random (only honest when the
windows are independent recordings); ``by: predefined`` uses the dataset's own train/test
folds (UEA sets).
"""

from __future__ import annotations

import re
import warnings

import numpy as np

from ..errors import DataError
from ..labels import natural_sorted
from .dataset import Dataset, Windows

_ROWS = re.compile(r":\d+-\d+$")


def window_groups(ds: Dataset, w: Windows, by: str) -> np.ndarray:
    """The group of each window under the split mode ``by``."""
    if by == "file":
        files = np.asarray([_ROWS.sub("", n) for n in ds.names])
        return files[w.recording]
    if by == "random":
        return np.arange(len(w.y)).astype(str)
    return ds.groups[w.recording]


def check_enough(y: np.ndarray, groups: np.ndarray, where: dict, need: int = 2, what: str = "group") -> None:
    """Every class needs ``need`` distinct groups, or it cannot be both trained and tested."""
    for c in natural_sorted(y.tolist()):
        g = set(groups[y == c].tolist())
        if len(g) < need:
            example = where.get(c, "")
            raise DataError(
                f"class '{c}' has only {len(g)} {what}(s){f' ({example})' if example else ''}; need at least {need} "
                "so it can appear in both the training and the test set; add recordings of it or drop the class"
            )


def holdout(
    ds: Dataset, w: Windows, by: str, test_size: float, seed: int, stratify: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of training and test windows; ``stratify=False`` (numeric targets): grouped
    folds without class balance."""
    if by == "predefined":
        if ds.fold is None:
            raise DataError(
                f"{ds.source or 'dataset'}: has no predefined train/test folds; use dataset.split.by: group"
            )
        fold = ds.fold[w.recording]
        train, test = np.flatnonzero(fold == "train"), np.flatnonzero(fold == "test")
        if not len(train) or not len(test):
            raise DataError(f"{ds.source or 'dataset'}: predefined split has an empty train or test part")
        return train, test
    groups = window_groups(ds, w, by)
    if not stratify:
        return _grouped_first_fold(groups, max(2, int(round(1.0 / test_size))), seed)
    where = {}
    for i, label in enumerate(ds.labels.tolist()):
        where.setdefault(label, ds.names[i])
    check_enough(w.y, groups, where, 2, "window" if by == "random" else "recording group")
    from sklearn.model_selection import StratifiedGroupKFold  # here: `sensorflow validate` imports this module

    n_splits = max(2, int(round(1.0 / test_size)))  # the first of n grouped folds is the test part
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        train, test = next(splitter.split(np.zeros(len(w.y)), _codes(w.y), groups))
    missing = natural_sorted(set(w.y.tolist()) - set(w.y[train].tolist()))
    if missing:
        raise DataError(f"class '{missing[0]}' ended up only in the test set; add recordings of it")
    return np.sort(train), np.sort(test)


def _grouped_first_fold(groups: np.ndarray, n_splits: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) of the first of ``n_splits`` shuffled ``GroupKFold`` folds."""
    from sklearn.model_selection import GroupKFold

    if len(set(groups.tolist())) < 2:
        raise DataError("the data has one group only; a held-out split needs at least two groups")
    k = min(n_splits, len(set(groups.tolist())))
    train, test = next(GroupKFold(n_splits=k, shuffle=True, random_state=seed).split(groups, groups=groups))
    return np.sort(train), np.sort(test)


def cv_folds(y: np.ndarray, groups: np.ndarray, n_folds: int, seed: int, stratify: bool = True):
    """Cross-validation folds over training windows (grouped, stratified); fewer folds when a
    class has fewer groups than ``n_folds``; empty when that is below 2. ``stratify=False``
    (numeric targets): ``GroupKFold`` over the groups, as many folds as groups allow."""
    if not stratify:
        from sklearn.model_selection import GroupKFold

        k = min(n_folds, len(set(groups.tolist())))
        return (
            list(GroupKFold(n_splits=k, shuffle=True, random_state=seed).split(groups, groups=groups)) if k >= 2 else []
        )
    counts = [len(set(groups[y == c].tolist())) for c in set(y.tolist())]
    k = min([n_folds] + counts)
    if k < 2:
        return []
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    if len(set(groups.tolist())) == len(groups):
        splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
        return list(splitter.split(np.zeros(len(y)), _codes(y)))
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return list(splitter.split(np.zeros(len(y)), _codes(y), groups))


def _codes(y: np.ndarray) -> np.ndarray:
    return np.unique(y, return_inverse=True)[1]
