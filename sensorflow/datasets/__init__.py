"""Datasets: loaders, leak-free splits and fingerprints.

The Dataset contract (what every loader and every recipe returns, see ``dataset.py``):

- ``signals``: list of recordings, each ``(n_samples, n_channels)`` float32 in physical units
  (raw * ``sensor.scale``) at ``sample_rate``; a recording may be a single pre-cut window.
- ``labels``: one label per recording (ints stay ints, anything else becomes ``str``).
- ``groups``: one string per recording; all windows of a group stay on one side of a split
  (speaker, subject, recording session). Default: one group per file.
- ``sample_rate`` (Hz), ``channels`` (names), ``names`` (file or file:rows per recording, used
  in error messages), ``source`` (the path or recipe shown to users).
- ``fold``: optional ``"train"``/``"test"`` per recording for ``split.by: predefined``.
- ``streams``: optional continuous :class:`Stream` recordings with ``(start_s, end_s, label)``
  events, used by ``sensorflow eval`` for recall and false accepts per hour.
- ``background``: optional long training-part recordings holding only the ``background_label``
  class (e.g. other speech, never the wake phrase); ``train.hard_negatives`` mines their
  highest-scoring windows as extra examples of that class.

``fingerprint()`` is a sha256 over the arrays and labels; it goes into the artifact meta.

Loaders (``dataset.loader``): ``wav_folder``, ``csv``, ``npz``, ``aeon`` and ``recipe``
(``dataset.name: X`` calls ``sensorflow.datasets.recipes.X.load(config, options) -> Dataset``,
where ``config`` is the validated pipeline config and ``options`` is ``dataset.options``).
"""

from .dataset import Dataset, Stream, Windows
from .loading import LOADERS, guess_loader, load_dataset
from .splits import cv_folds, holdout, window_groups

__all__ = [
    "Dataset",
    "Stream",
    "Windows",
    "LOADERS",
    "guess_loader",
    "load_dataset",
    "cv_folds",
    "holdout",
    "window_groups",
]
