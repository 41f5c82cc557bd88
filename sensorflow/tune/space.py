"""The search space of ``sensorflow tune``: the pipeline YAML's ``search:`` section (validated by
:class:`SearchSpec`) or, when the pipeline has no ``stages:``, a default space over the feature
and model families of :data:`FEATURE_FAMILIES` / :data:`MODEL_FAMILIES` and windows.

Parameters are drawn through Optuna's define-by-run API (``trial.suggest_int`` /
``suggest_float`` / ``suggest_categorical``), so any Optuna sampler searches the space and an
``optuna.trial.FixedTrial`` rebuilds a trial's pipeline from its stored parameters.

A new stage family is one entry: ``FEATURE_FAMILIES["name"] = Family("name", build)`` with a
function ``(trial, ctx) -> [stage dicts]``; entries whose stage type is not registered are skipped.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .. import registry
from ..errors import ConfigError
from ..windowing import PAD_MODES


# ---------------------------------------------------------------------- the search: section
class Range(BaseModel):
    """A numeric range: ``{low: 1, high: 9}`` (int when both ends are ints), ``log: true`` for a
    log scale, ``step`` for a grid."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    low: float
    high: float
    log: bool = False
    step: float | None = None

    @model_validator(mode="after")
    def _order(self):
        if self.high < self.low:
            raise ValueError(f"high ({self.high:g}) is below low ({self.low:g})")
        if self.log and self.low <= 0:
            raise ValueError("a log range needs low > 0")
        return self


class SearchSpec(BaseModel):
    """``search:`` in a pipeline YAML.

    - ``window``: ``{length: [choices] | {low, high}, hop: ...}`` (samples), ``pad: [choices]``
      (``window.pad`` modes, e.g. ``[valid, resample]``)
    - ``stages``: alternative stage lists, each a list of stage mappings (one is picked per trial)
    - ``params``: ``STAGE_TYPE.PARAM: [choices] | {low, high, log, step}`` for every stage of that type
    - ``features`` / ``models``: family names of the default space (used when neither the pipeline
      nor ``search.stages`` gives stages)
    - ``max_false_accepts_per_hour``: detectors (post stages) are scored by recall on the dataset's
      dev streams at this false-accept limit
    - ``fill_ensembles``: ``false`` keeps the best pipeline's forest at its searched size
      (``sensorflow.tune.fill``)
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    window: dict[str, list[Any] | Range] = Field(default_factory=dict)
    stages: list[list[dict[str, Any]]] | None = Field(None, min_length=1)
    params: dict[str, list[Any] | Range] = Field(default_factory=dict)
    features: list[str] | None = None
    models: list[str] | None = None
    max_features: int = Field(3, ge=1, description="at most this many feature families per trial")
    max_false_accepts_per_hour: float = Field(
        1.0, gt=0, allow_inf_nan=False, description="detectors: the false-accept limit their recall is scored at"
    )
    fill_ensembles: bool = Field(
        True, description="raise the best pipeline's forest to the most trees the budget holds (tune/fill.py)"
    )

    @model_validator(mode="after")
    def _keys(self):
        for k in self.window:
            if k not in ("length", "hop", "pad"):
                raise ValueError(f"window: unknown key '{k}'; allowed: length, hop, pad")
        pads = self.window.get("pad", ["valid"])
        if isinstance(pads, Range) or not pads or any(p not in PAD_MODES for p in pads):
            raise ValueError(f"window.pad: a list of pad modes out of {', '.join(PAD_MODES)}")
        for k in self.params:
            if k.count(".") != 1:
                raise ValueError(f"params: key '{k}' must read STAGE_TYPE.PARAM, e.g. random_forest.max_depth")
        return self


def parse_search(data: dict | None, shown: str, lines: dict | None = None) -> SearchSpec:
    """Validate ``data`` (the ``search:`` mapping, or None) into a SearchSpec; one-line errors."""
    from ..config import line_of

    try:
        spec = SearchSpec.model_validate(data or {})
    except ValidationError as exc:
        errs = exc.errors()
        err = next((e for e in errs if e.get("type") == "value_error"), errs[0])  # our own check over "not a list"
        key = ("search",) + tuple(p for p in err.get("loc", ()) if not str(p).startswith(("list[", "Range")))
        msg = err.get("msg", "invalid value").removeprefix("Value error, ")
        raise ConfigError(msg, key=key, file=shown, line=line_of(lines or {}, key)) from None
    known = registry.names()
    for k in spec.params:
        stage = k.split(".")[0]
        if stage not in known:
            raise ConfigError(f"params: unknown stage '{stage}'", key=("search", "params", k), file=shown, line=None)
    for name in spec.features or []:
        if name not in FEATURE_FAMILIES:
            raise ConfigError(
                f"unknown feature family '{name}'; known: {', '.join(FEATURE_FAMILIES)}",
                key=("search", "features"),
                file=shown,
                line=line_of(lines or {}, ("search", "features")),
            )
    for name in spec.models or []:
        if name not in MODEL_FAMILIES:
            raise ConfigError(
                f"unknown model family '{name}'; known: {', '.join(MODEL_FAMILIES)}",
                key=("search", "models"),
                file=shown,
                line=line_of(lines or {}, ("search", "models")),
            )
    return spec


# ---------------------------------------------------------------------- families
@dataclass(frozen=True)
class Context:
    """What a family needs to know to propose stages: the sensor and the window (samples)."""

    kind: str
    sample_rate: float
    n_channels: int
    window: int
    overrides: dict = field(default_factory=dict)  # search.params: they replace a family's own range

    def suggest(self, t, name: str, kind: str, *args, **kw):
        """``t.suggest_<kind>(name, *args)`` unless ``search.params`` gives ``name`` a range of its own."""
        if name in self.overrides:
            return _suggest(t, name, self.overrides[name])
        return getattr(t, f"suggest_{kind}")(name, *args, **kw)


@dataclass(frozen=True)
class Family:
    """A named way to make stages: ``build(trial, ctx)`` returns stage mappings (the first one's
    ``type`` must be registered for the family to be offered); ``kinds`` limits it to sensor kinds."""

    name: str
    build: Callable[[Any, Context], list[dict]]
    kinds: tuple[str, ...] = ()
    needs_scaler: bool = False
    stage_type: str = ""

    def available(self, kind: str) -> bool:
        t = self.stage_type or self.name
        return t in registry.names() and (not self.kinds or kind in self.kinds)


_N_FFT = [16, 32, 64, 128, 256]  # one fixed list (Optuna distributions may not change between trials)


def _n_fft(t, name: str, window: int) -> int:
    """A power-of-two frame length, at most the window's largest power of two."""
    return min(t.suggest_categorical(name, _N_FFT), 1 << (max(window, 2).bit_length() - 1))


def _stats(t, ctx):
    sets = {
        "basic": ["mean", "std", "min", "max"],
        "shape": ["mean", "std", "ptp", "rms", "abs_mean", "zero_crossing_rate"],
        "full": ["mean", "std", "min", "max", "ptp", "rms", "skew", "kurtosis", "zero_crossing_rate", "crest_factor"],
    }
    return [{"type": "stats", "functions": sets[t.suggest_categorical("stats.set", list(sets))]}]


def _band_energy(t, ctx):
    n_fft = _n_fft(t, "band_energy.n_fft", ctx.window)
    return [
        {
            "type": "band_energy",
            "n_bands": ctx.suggest(t, "band_energy.n_bands", "int", 2, 8),
            "n_fft": n_fft,
            "hop_length": max(1, n_fft // 2),
        }
    ]


def _spectral(t, ctx):
    n_fft = _n_fft(t, "spectral.n_fft", ctx.window)
    return [
        {
            "type": "spectral",
            "n_fft": n_fft,
            "hop_length": max(1, n_fft // 2),
            "features": ["centroid", "bandwidth", "rolloff", "flatness", "peak_freq"],
        }
    ]


def _mel_args(t, ctx, prefix):
    n_fft = t.suggest_categorical(f"{prefix}.n_fft", [256, 512])
    return {"n_fft": n_fft, "hop_length": n_fft // 2, "n_mels": t.suggest_categorical(f"{prefix}.n_mels", [16, 32])}


def _log_mel(t, ctx):
    return [{"type": "log_mel", **_mel_args(t, ctx, "log_mel")}]


def _mfcc(t, ctx):
    return [{"type": "mfcc", "n_mfcc": t.suggest_categorical("mfcc.n_mfcc", [10, 13]), **_mel_args(t, ctx, "mfcc")}]


def _catch22(t, ctx):
    return [{"type": "catch22", "catch24": t.suggest_categorical("catch22.catch24", [True, False])}]


# MiniRocket's device cost grows with the kept (kernel, dilation, bias) triples, so ``keep`` is the
# knob the budget prunes; n_features is the paper's 9,996 and two cheaper fits of the quantiles.
def _minirocket(t, ctx):
    return [
        {
            "type": "minirocket",
            "n_features": t.suggest_categorical("minirocket.n_features", [840, 2520, 9996]),
            "keep": ctx.suggest(t, "minirocket.keep", "categorical", [25, 50, 100, 200, 400]),
        }
    ]


# QUANT-style interval quantiles (Dempster et al. 2024): cheap (a sort per interval), small RAM
# (one window of scratch), strong with extra trees; depth and q set the feature count.
def _quantiles(t, ctx):
    return [
        {
            "type": "quantiles",
            "n_quantiles": t.suggest_categorical("quantiles.n_quantiles", [2, 4, 8]),
            "depth": ctx.suggest(t, "quantiles.depth", "int", 1, 4),
            "diff": t.suggest_categorical("quantiles.diff", [True, False]),
        }
    ]


FEATURE_FAMILIES: dict[str, Family] = {
    "stats": Family("stats", _stats),
    "band_energy": Family("band_energy", _band_energy, kinds=("imu", "vibration", "generic")),
    "spectral": Family("spectral", _spectral, kinds=("imu", "vibration", "generic")),
    "log_mel": Family("log_mel", _log_mel, kinds=("audio",)),
    "mfcc": Family("mfcc", _mfcc, kinds=("audio",)),
    "catch22": Family("catch22", _catch22, kinds=("imu", "vibration", "generic")),
    "minirocket": Family("minirocket", _minirocket, kinds=("imu", "vibration", "generic")),
    "quantiles": Family("quantiles", _quantiles, kinds=("imu", "vibration", "generic")),
}


# Tree depth: a few bounded depths or ``None`` (grow until the leaves are pure, as random forests
# and extra trees are published: Breiman 2001, Geurts et al. 2006, QUANT); an unbounded tree has
# at most 2 x (training cases) - 1 nodes, and its fitted cost (the nodes it grew) is what the budget
# judges. Features per split: scikit-learn's default for classification (sqrt of the count), QUANT's
# 10% (Dempster et al. 2024), or half; split criterion: Gini or entropy (QUANT's).
TREE_DEPTHS = [3, 5, 8, 12, None]
TREE_MAX_FEATURES = ["sqrt", 0.1, 0.5]
TREE_CRITERIA = ["gini", "entropy"]


def _trees(name, lo, hi):
    def build(t, ctx):
        return [
            {
                "type": name,
                "n_estimators": ctx.suggest(t, f"{name}.n_estimators", "int", lo, hi),
                "max_depth": ctx.suggest(t, f"{name}.max_depth", "categorical", TREE_DEPTHS),
                "max_features": ctx.suggest(t, f"{name}.max_features", "categorical", TREE_MAX_FEATURES),
                "criterion": ctx.suggest(t, f"{name}.criterion", "categorical", TREE_CRITERIA),
            }
        ]

    return build


def _decision_tree(t, ctx):
    return [{"type": "decision_tree", "max_depth": ctx.suggest(t, "decision_tree.max_depth", "int", 2, 10)}]


def _knn(t, ctx):
    return [{"type": "knn", "n_neighbors": ctx.suggest(t, "knn.n_neighbors", "int", 1, 9, step=2)}]


def _logistic(t, ctx):
    return [{"type": "logistic", "C": ctx.suggest(t, "logistic.C", "float", 1e-2, 1e2, log=True)}]


def _mlp(t, ctx):
    width = t.suggest_categorical("mlp.width", [8, 16, 32])
    return [{"type": "mlp", "hidden_layer_sizes": [width], "max_iter": 300}]


def _gaussian_nb(t, ctx):
    return [{"type": "gaussian_nb"}]


def _svm(t, ctx):
    return [
        {
            "type": "svm",
            "kernel": t.suggest_categorical("svm.kernel", ["linear", "rbf"]),
            "C": ctx.suggest(t, "svm.C", "float", 1e-1, 1e2, log=True),
        }
    ]


def _ridge_classifier(t, ctx):
    return [{"type": "ridge_classifier", "alphas": [1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0]}]


MODEL_FAMILIES: dict[str, Family] = {
    "decision_tree": Family("decision_tree", _decision_tree),
    "random_forest": Family("random_forest", _trees("random_forest", 3, 20)),
    "extra_trees": Family("extra_trees", _trees("extra_trees", 3, 20)),
    "knn": Family("knn", _knn, needs_scaler=True),
    "logistic": Family("logistic", _logistic, needs_scaler=True),
    "mlp": Family("mlp", _mlp, needs_scaler=True),
    "gaussian_nb": Family("gaussian_nb", _gaussian_nb),
    "ridge_classifier": Family("ridge_classifier", _ridge_classifier, needs_scaler=True),
    "svm": Family("svm", _svm, needs_scaler=True),
}


# The published recipes of the feature families, tried first in a default search (Optuna's
# enqueue_trial; parameters left out are drawn by the sampler): QUANT (interval quantiles of the
# signal and its difference, 4 per interval over depth 3, + extra trees with 10% of the features
# per split, entropy, unbounded depth: Dempster et al. 2024), MiniRocket + ridge (Dempster et al.
# 2021), catch22 + random forest (Lubba et al. 2019; the forest as Breiman 2001 grows it: sqrt
# features, Gini, unbounded depth). The forests start at the largest count the range allows (QUANT
# uses 200 trees); the fill rule (tune/fill.py) then sizes the chosen forest to the budget.
STARTING_POINTS: tuple[tuple[tuple[str, ...], str, dict], ...] = (
    (
        ("quantiles",),
        "extra_trees",
        {
            "quantiles.n_quantiles": 4,
            "quantiles.depth": 3,
            "quantiles.diff": True,
            "extra_trees.n_estimators": 20,
            "extra_trees.max_depth": None,
            "extra_trees.max_features": 0.1,
            "extra_trees.criterion": "entropy",
        },
    ),
    (("minirocket",), "ridge_classifier", {"minirocket.n_features": 9996, "minirocket.keep": 100}),
    (
        ("catch22",),
        "random_forest",
        {
            "catch22.catch24": False,
            "random_forest.n_estimators": 20,
            "random_forest.max_depth": None,
            "random_forest.max_features": "sqrt",
            "random_forest.criterion": "gini",
        },
    ),
)


# ---------------------------------------------------------------------- one trial's pipeline
@dataclass
class Space:
    """The base pipeline (as a mapping, without ``search:``) and its SearchSpec."""

    base: dict
    spec: SearchSpec
    shown: str = "<pipeline>"
    lines: dict = field(default_factory=dict)

    @property
    def default(self) -> bool:
        return not self.base.get("stages") and self.spec.stages is None

    def context(self, window: int) -> Context:
        s = self.base["sensor"]
        return Context(s.get("kind", "generic"), float(s["sample_rate"]), len(s["channels"]), window, self.spec.params)

    def base_window(self) -> int:
        from ..config import WindowConfig

        w = WindowConfig.model_validate(self.base["window"])
        return w.samples(float(self.base["sensor"]["sample_rate"]))[0]

    def build(self, trial, seed: int, fpu: str | None = None) -> dict:
        """A complete pipeline mapping for ``trial`` (define-by-run), models seeded by ``seed``.
        On a board without an FPU (``fpu == "none"``) a pipeline with a stage that has an integer
        path also gets ``export.numeric`` drawn from ``float`` / ``int8`` (:data:`NUMERIC`),
        unless the pipeline YAML sets it."""
        data = copy.deepcopy(self.base)
        length = self.base_window()
        window = dict(data["window"])
        if "length" in self.spec.window or self.default:
            choices = self.spec.window.get("length") or sorted({max(8, length // 2), length})
            length = _suggest(trial, "window.length", choices)
            window = {"length": int(length), **({"pad": window["pad"]} if "pad" in window else {})}
        if "hop" in self.spec.window:
            window["hop"] = int(_suggest(trial, "window.hop", self.spec.window["hop"]))
            window.pop("hop_ms", None)
        if "pad" in self.spec.window:  # a trial whose feature stages cannot take pad: valid is refused as invalid
            window["pad"] = _suggest(trial, "window.pad", self.spec.window["pad"])
        data["window"] = window
        ctx = self.context(int(window.get("length", length)))
        if self.spec.stages is not None:
            k = trial.suggest_categorical("stages", list(range(len(self.spec.stages))))
            stages = copy.deepcopy(self.spec.stages[k])
        elif self.base.get("stages"):
            stages = copy.deepcopy(self.base["stages"])
        else:
            stages = self._default_stages(trial, ctx)
        for st in stages:
            for key, choice in self.spec.params.items():
                stage_type, param = key.split(".")
                if st.get("type") == stage_type:
                    st[param] = _suggest(trial, key, choice)
            if "random_state" in _fields(st.get("type")):
                st["random_state"] = int(seed)
        data["stages"] = stages
        if fpu == "none" and "numeric" not in (self.base.get("export") or {}) and _has_integer_path(stages):
            data["export"] = {**(data.get("export") or {}), "numeric": trial.suggest_categorical("numeric", NUMERIC)}
        data.setdefault("train", {})
        data["train"] = {**data["train"], "seed": int(data["train"].get("seed", 0))}
        return data

    def starting_points(self) -> list[dict]:
        """Optuna parameter sets of :data:`STARTING_POINTS` whose families this default space
        offers (none when the pipeline names its stages or ``search.params`` sets ranges)."""
        if not self.default or self.spec.params:
            return []
        kind = self.context(self.base_window()).kind
        feats = [n for n in (self.spec.features or FEATURE_FAMILIES) if FEATURE_FAMILIES[n].available(kind)]
        models = [n for n in (self.spec.models or MODEL_FAMILIES) if MODEL_FAMILIES[n].available(kind)]
        points = []
        for families, model, params in STARTING_POINTS:
            if set(families) <= set(feats) and model in models:
                points.append({**{f"use.{n}": n in families for n in feats}, "model": model, **params})
        return points

    def _default_stages(self, trial, ctx: Context) -> list[dict]:
        kind = ctx.kind
        feats = [n for n in (self.spec.features or FEATURE_FAMILIES) if FEATURE_FAMILIES[n].available(kind)]
        models = [n for n in (self.spec.models or MODEL_FAMILIES) if MODEL_FAMILIES[n].available(kind)]
        if not feats or not models:
            raise ConfigError(
                f"no feature or model family available for sensor kind '{kind}'; name some in search.features / "
                "search.models",
                key=("search",),
                file=self.shown,
            )
        chosen = [n for n in feats if trial.suggest_categorical(f"use.{n}", [True, False])]
        if not chosen:
            chosen = [feats[0]]
        chosen = chosen[: self.spec.max_features]
        stages: list[dict] = []
        for n in chosen:
            stages += FEATURE_FAMILIES[n].build(trial, ctx)
        model = MODEL_FAMILIES[trial.suggest_categorical("model", models)]
        if model.needs_scaler:
            stages.append({"type": "scaler"})
        stages += model.build(trial, ctx)
        return stages


NUMERIC = ["float", "int8"]  # export.numeric on an FPU-less board: soft float, or every integer path


def _has_integer_path(stages: list[dict]) -> bool:
    from ..codegen.numeric import INTEGER_PATHS

    return any(st.get("type") in INTEGER_PATHS for st in stages)


def _fields(stage_type) -> dict:
    try:
        return registry.get(stage_type).Params.model_fields
    except Exception:
        return {}


def _suggest(trial, name: str, choice):
    if isinstance(choice, Range):
        ends = (choice.low, choice.high) + ((choice.step,) if choice.step is not None else ())
        if all(float(v).is_integer() for v in ends):
            if choice.log:
                return trial.suggest_int(name, int(choice.low), int(choice.high), log=True)
            return trial.suggest_int(name, int(choice.low), int(choice.high), step=int(choice.step or 1))
        return trial.suggest_float(name, choice.low, choice.high, log=choice.log, step=choice.step)
    values = list(choice)
    if all(isinstance(v, (str, int, float, bool)) or v is None for v in values):
        return trial.suggest_categorical(name, values)
    k = trial.suggest_categorical(name, list(range(len(values))))  # lists / mappings: choose by index
    return copy.deepcopy(values[k])


def load_space(path) -> Space:
    """Read a pipeline YAML for tuning: the ``search:`` section and the rest of the pipeline
    (``stages:`` may be missing). Errors name the file, line and key."""
    from ..config import read_yaml

    data, lines, shown = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError("top level must be a mapping (name:, sensor:, window:, ...)", file=shown, line=1)
    data = dict(data)
    spec = parse_search(data.pop("search", None), shown, lines)
    for key in ("name", "sensor", "window"):
        if key not in data:
            raise ConfigError(f"missing required key '{key}'; add it", key=(key,), file=shown, line=1)
    if data.get("dataset") is None:
        raise ConfigError(
            "tune needs a dataset: section (the trials load it on every worker)", key=("dataset",), file=shown, line=1
        )
    space = Space(data, spec, shown, lines)
    if data.get("stages"):  # a fixed pipeline must be valid as written
        from ..config import validate

        cfg = validate({**data, "stages": data["stages"]}, lines, shown)
        _refuse_regression(cfg, lines, shown)
    return space


def _refuse_regression(cfg, lines: dict, shown: str) -> None:
    """Tuning scores classifiers (cross-validated accuracy); a regression model is refused by name."""
    from ..config import line_of

    for i, st in enumerate(cfg.stages):
        if getattr(registry.get(st.type), "task", "") == "regression":
            raise ConfigError(
                f"'{st.type}' is a regression model; tune searches classifiers (it scores cross-validated "
                "accuracy), so train this pipeline with 'sensorflow train' instead",
                key=("stages", i, "type"),
                file=shown,
                line=line_of(lines or {}, ("stages", i, "type")),
            )
