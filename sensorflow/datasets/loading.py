"""Pick and run a loader from a pipeline's ``dataset:`` section (or a ``--data`` path)."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from ..errors import DataError
from .dataset import Dataset

LOADERS = ("wav_folder", "csv", "npz", "aeon", "recipe")


def guess_loader(path: Path) -> str:
    """Loader for a bare ``--data`` path: .npz, .csv, .ts files; folders of WAV/CSV/.ts files."""
    if path.is_file():
        kind = {".npz": "npz", ".csv": "csv", ".ts": "aeon"}.get(path.suffix.lower())
        if kind:
            return kind
        raise DataError(f"{path}: cannot tell how to load a '{path.suffix}' file; use .npz, .csv, .ts or a WAV folder")
    if not path.is_dir():
        raise DataError(f"{path}: no such file or folder")
    suffixes = {p.suffix.lower() for p in path.rglob("*") if p.is_file()}
    for suffix, kind in ((".wav", "wav_folder"), (".csv", "csv"), (".ts", "aeon"), (".npz", "npz")):
        if suffix in suffixes:
            return kind
    raise DataError(f"{path}: empty folder; no .wav, .csv or .ts files found")


def recipe_module(name: str | None):
    """The module ``sensorflow.datasets.recipes.<name>``, or a DataError saying what is missing."""
    if not name:
        raise DataError("dataset.loader 'recipe' needs dataset.name (the recipe module)")
    try:
        return import_module(f"sensorflow.datasets.recipes.{name}")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("sensorflow.datasets.recipes"):
            raise DataError(f"no dataset recipe '{name}' (sensorflow/datasets/recipes/{name}.py)") from None
        raise


def check_recipe_options(config) -> None:
    """Check a ``loader: recipe`` pipeline's ``dataset.options`` without building any data, when
    the recipe has a ``parse_options(options)`` (ConfigError keyed ``dataset.options.<key>``)."""
    ds_cfg = config.dataset
    if ds_cfg is None or ds_cfg.loader != "recipe":
        return
    parse = getattr(recipe_module(ds_cfg.name), "parse_options", None)
    if parse is not None:
        parse(dict(ds_cfg.options))


def load_dataset(config, data: str | None = None) -> Dataset:
    """Load the data a pipeline config names; ``data`` overrides ``dataset.path`` (with the
    configured loader and options when the path is of that kind, else the loader it looks like;
    a path no loader recognises goes to a ``recipe`` pipeline's recipe as ``options["path"]``).

    ``loader: recipe`` with ``name: X`` calls ``sensorflow.datasets.recipes.X.load(config,
    options)`` (options get ``path`` when ``data`` is given) and expects a :class:`Dataset`.
    """
    ds_cfg = config.dataset
    sensor = config.sensor
    if ds_cfg is None and data is None:
        raise DataError(f"pipeline '{config.name}' has no dataset: section; pass --data PATH")
    options = dict(ds_cfg.options) if ds_cfg else {}
    if data is None:
        loader, path, name = ds_cfg.loader, ds_cfg.path, ds_cfg.name
    else:
        if not Path(data).exists():
            raise DataError(f"{data}: no such file or folder")
        try:
            loader, path, name = guess_loader(Path(data)), data, None
        except DataError:
            if ds_cfg is None or ds_cfg.loader != "recipe":
                raise
            loader, path, name = "recipe", data, ds_cfg.name  # e.g. a folder of .mat files the recipe reads
        if ds_cfg is None or ds_cfg.loader != loader:
            options = {}  # the configured loader's options do not apply to another loader
    if loader == "recipe":
        module = recipe_module(name)
        if path is not None:
            options["path"] = str(path)
        ds = module.load(config, options)
        if not isinstance(ds, Dataset):
            raise DataError(f"dataset recipe '{name}' returned {type(ds).__name__}, not a Dataset")
    elif loader == "aeon":
        from .uea import load_uea

        ds = load_uea(path, name, sensor, options)
    elif path is None:
        raise DataError(f"dataset.loader '{loader}' needs dataset.path or --data PATH")
    elif loader == "wav_folder":
        from .wav import load_wav_folder

        ds = load_wav_folder(path, sensor, options)
    elif loader == "csv":
        from .tables import load_csv

        ds = load_csv(path, sensor, options)
    elif loader == "npz":
        from .arrays import load_npz

        ds = load_npz(path, sensor, options)
    else:
        raise DataError(f"unknown dataset.loader '{loader}'; use one of: {', '.join(LOADERS)}")
    ds.check_sensor(sensor.sample_rate, len(sensor.channels))
    return ds
