"""Search space: the family table, the search: section, budgets refusing infeasible points."""

from __future__ import annotations

import optuna
import pytest
from tunefix import small_pipeline  # noqa: F401  (pytest fixture)

from sensorflow.config import validate
from sensorflow.device import boards
from sensorflow.errors import ConfigError
from sensorflow.tune import budget as budget_mod
from sensorflow.tune.objective import evaluate
from sensorflow.tune.space import FEATURE_FAMILIES, MODEL_FAMILIES, load_space


def _pipelines(space, n=12, seed=0):
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    out = []
    for i in range(n):
        tr = study.ask()
        out.append(space.build(tr, seed=i))
        study.tell(tr, 0.0)
    return out


def test_default_space_builds_valid_pipelines(small_pipeline):
    space = load_space(small_pipeline)
    assert space.default
    seen_models = set()
    for i, p in enumerate(_pipelines(space, 16)):
        validate(p)  # every trial is a complete pipeline
        types = [s["type"] for s in p["stages"]]
        assert types[-1] in ("decision_tree", "gaussian_nb", "random_forest")
        assert set(types[:-1]) <= {"stats", "band_energy"}
        assert p["window"]["length"] in (50, 100)
        if types[-1] == "random_forest":
            assert 2 <= p["stages"][-1]["n_estimators"] <= 6 and p["stages"][-1]["random_state"] == i
        seen_models.add(types[-1])
    assert len(seen_models) >= 2


def test_families_skip_unregistered_stages():
    assert all(f.available("imu") for f in MODEL_FAMILIES.values())
    assert not FEATURE_FAMILIES["mfcc"].available("imu") and FEATURE_FAMILIES["mfcc"].available("audio")


def test_alternative_stage_lists(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(
        "name: p\nsensor: {kind: imu, sample_rate: 10, channels: [a]}\nwindow: {length: 32}\n"
        "dataset: {loader: aeon, name: BasicMotions}\nsearch:\n  stages:\n"
        "    - [{type: stats, functions: [mean]}, {type: decision_tree}]\n"
        "    - [{type: stats, functions: [std]}, {type: knn}]\n"
        "  params:\n    decision_tree.max_depth: [2, 3]\n    knn.n_neighbors: {low: 1, high: 3, step: 2}\n"
    )
    space = load_space(path)
    pipes = _pipelines(space, 10)
    assert {p["stages"][1]["type"] for p in pipes} == {"decision_tree", "knn"}
    ks = [p["stages"][1]["n_neighbors"] for p in pipes if p["stages"][1]["type"] == "knn"]
    assert all(type(k) is int and k in (1, 3) for k in ks)  # {low: 1, high: 3, step: 2}


def test_search_section_errors_name_the_key(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(
        "name: p\nsensor: {kind: imu, sample_rate: 10, channels: [a]}\nwindow: {length: 32}\n"
        "dataset: {loader: aeon, name: BasicMotions}\nsearch:\n  models: [decision_tre]\n"
    )
    with pytest.raises(ConfigError, match="unknown model family 'decision_tre'"):
        load_space(path)
    path.write_text(path.read_text().replace("models: [decision_tre]", "params: {knn.n_neighbors: {low: 5, high: 1}}"))
    with pytest.raises(ConfigError, match="high .* is below low"):
        load_space(path)


def test_budget_defaults_and_flags():
    b = boards.get("stm32f411")
    d = budget_mod.budget_for(b)
    assert d.flash_bytes == int(b.flash_bytes * 0.75) and d.ram_bytes == int(b.ram_bytes * 0.75)
    assert d.instructions == b.clock_hz // 10
    f = budget_mod.budget_for(b, flash_kb=64, ram_kb=16, max_instructions=2e6)
    assert (f.flash_bytes, f.ram_bytes, f.instructions) == (65536, 16384, 2_000_000)
    assert f.fits(65536, 16384, 2e6) and not f.fits(65537, 1, 1)


def test_budget_refuses_before_fitting(small_pipeline):
    """A knn over the raw window cannot fit in 4 KB: refused by the cost model, never fitted."""
    space = load_space(small_pipeline)
    pipe = space.build(
        optuna.trial.FixedTrial(
            {
                "window.length": 100,
                "use.stats": True,
                "use.band_energy": False,
                "stats.set": "basic",
                "model": "gaussian_nb",
            }
        ),
        seed=0,
    )
    pipe["stages"] = [{"type": "stats", "functions": ["mean", "std"]}, {"type": "scaler"}, {"type": "knn"}]
    board = boards.get("stm32f411")
    tiny = budget_mod.budget_for(board, flash_kb=4, ram_kb=16, max_instructions=2e6)
    r = evaluate({"number": 0, "pipeline": pipe, "board": board.model_dump(mode="json"), "budget": tiny.to_dict()})
    assert r["pruned"] == "cost model over budget before fitting" and not r["feasible"]
    assert r["flash_bytes"] > 4096 and "cv_folds" not in r
    roomy = budget_mod.budget_for(board)
    r = evaluate({"number": 0, "pipeline": pipe, "board": board.model_dump(mode="json"), "budget": roomy.to_dict()})
    assert r["feasible"] and r["cv_folds"] == 2 and 0.5 < r["accuracy_cv"] <= 1.0


@pytest.mark.parametrize(
    "feature, params, model",
    [
        ("catch22", {"catch22.catch24": True}, "ridge_classifier"),
        ("minirocket", {"minirocket.n_features": 840, "minirocket.keep": 50}, "ridge_classifier"),
        ("stats", {"stats.set": "shape", "svm.kernel": "rbf", "svm.C": 10.0}, "svm"),
        ("quantiles", {"quantiles.n_quantiles": 4, "quantiles.depth": 3, "quantiles.diff": True}, "ridge_classifier"),
    ],
)
def test_time_series_families_build_and_score(small_pipeline, feature, params, model):
    """catch22 and MiniRocket (with the ridge head they are paired with) and the kernel SVM are
    families of the default space: a trial builds a valid pipeline, the cost model admits it and
    cross-validation scores it."""
    space = load_space(small_pipeline)
    fixed = {"window.length": 100, **params}
    fixed.update({f"use.{n}": n == feature for n in FEATURE_FAMILIES})
    fixed["model"] = model
    space.spec = space.spec.model_copy(update={"features": [feature], "models": [model]})
    pipe = space.build(optuna.trial.FixedTrial(fixed), seed=3)
    validate(pipe)
    types = [s["type"] for s in pipe["stages"]]
    assert types == [feature, "scaler", model]
    board = boards.get("stm32f411")
    r = evaluate(
        {
            "number": 0,
            "pipeline": pipe,
            "board": board.model_dump(mode="json"),
            "budget": budget_mod.budget_for(board).to_dict(),
        }
    )
    assert r["error"] is None and r["feasible"], r
    assert r["accuracy_cv"] >= 0.75 and r["instructions"] > 0


def test_a_searched_window_keeps_the_pad_mode(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(
        "name: p\nsensor: {kind: imu, sample_rate: 10, channels: [a]}\nwindow: {length: 32, pad: edge}\n"
        "dataset: {loader: aeon, name: BasicMotions}\nsearch:\n  window: {length: [16, 32]}\n"
        "  stages:\n    - [{type: stats, functions: [mean]}, {type: decision_tree}]\n"
    )
    pipes = _pipelines(load_space(path), 4)
    assert {p["window"]["length"] for p in pipes} <= {16, 32} and all(p["window"]["pad"] == "edge" for p in pipes)


def test_starting_points_are_the_published_recipes(tmp_path, small_pipeline):
    """A default space (no stages, no search.params) enqueues QUANT, MiniRocket + ridge and
    catch22 + forest where their families are offered; each point builds exactly its recipe."""
    text = small_pipeline.read_text()
    path = tmp_path / "default.yaml"
    path.write_text(text.split("search:")[0])
    space = load_space(path)
    points = space.starting_points()
    assert [p["model"] for p in points] == ["extra_trees", "ridge_classifier", "random_forest"]
    built = []
    for p in points:
        pipe = space.build(optuna.trial.FixedTrial({"window.length": 100, **p}), seed=0)
        validate(pipe)
        built.append([s["type"] for s in pipe["stages"]])
    assert built == [
        ["quantiles", "extra_trees"],
        ["minirocket", "scaler", "ridge_classifier"],
        ["catch22", "random_forest"],
    ]
    quant = space.build(optuna.trial.FixedTrial({"window.length": 100, **points[0]}), seed=0)["stages"]
    assert quant[0] == {"type": "quantiles", "n_quantiles": 4, "depth": 3, "diff": True}
    # QUANT's extra trees (Dempster et al. 2024): 10% of the features per split, entropy, unbounded depth
    assert {k: quant[1][k] for k in ("max_features", "criterion", "max_depth")} == {
        "max_features": 0.1,
        "criterion": "entropy",
        "max_depth": None,
    }
    assert load_space(small_pipeline).starting_points() == []  # search.params given: the user's ranges rule
    audio = tmp_path / "audio.yaml"
    audio.write_text(text.split("search:")[0].replace("kind: imu", "kind: audio"))
    assert load_space(audio).starting_points() == []  # none of the three families is offered for audio


def test_forests_search_depth_split_features_and_criterion(tmp_path, small_pipeline):
    """The default space draws the forests' max_features and criterion and may leave depth
    unbounded; every drawn pipeline validates and trains the knob it names."""
    path = tmp_path / "forests.yaml"
    path.write_text(small_pipeline.read_text().split("  params:")[0].replace("decision_tree, gaussian_nb, ", ""))
    seen = {"max_depth": set(), "max_features": set(), "criterion": set()}
    for p in _pipelines(load_space(path), 30):
        validate(p)
        model = p["stages"][-1]
        assert model["type"] in ("random_forest", "extra_trees")
        for k in seen:
            seen[k].add(model[k])
    assert None in seen["max_depth"] and seen["max_depth"] - {None}
    assert seen["max_features"] == {"sqrt", 0.1, 0.5} and seen["criterion"] == {"gini", "entropy"}


def test_forest_bound_holds_for_unbounded_trees():
    """Before fitting, a forest is refused only by a cost no fitted forest can go below: for an
    unbounded depth, the path that separates the classes, never zero and never max_depth."""
    import numpy as np

    from sensorflow.stages.models.trees import ExtraTrees

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 5)), np.repeat(np.arange(4), 15)
    for depth in (None, 2, 12):
        d = {"type": "extra_trees", "n_estimators": 5, "max_depth": depth, "random_state": 0}
        bound = budget_mod.model_bound(d, n_features=5, n_classes=4, n_train=60)
        assert bound["flash_bytes"] > 0 and bound["ops"] > 0
        fitted = ExtraTrees(n_estimators=5, max_depth=depth).fit(X, y).cost()
        assert bound["flash_bytes"] <= fitted.flash_bytes and bound["ops"] <= fitted.ops
