"""sensorflow's C for a tree model, as ``sensorflow export`` emits it for the model stage.

The scikit-learn model's hyper-parameters are given to sensorflow's own stage
(``decision_tree`` / ``random_forest``), which is fitted on the same data and checked to hold
the same trees; its registered C emitter (``sensorflow/codegen/c/emitters``) produces the
tables and the stage function, and the runtime kernels it names are copied in. The wrapper
gives that stage function the state/scratch struct the generated library would."""

from __future__ import annotations

import numpy as np

from .tree_exporters import ExportedModel


def sensorflow_stage_for(model, feature_names: list[str], X_train, y_train):
    """sensorflow's stage with ``model``'s hyper-parameters, fitted on the same data."""
    from sklearn.ensemble import RandomForestClassifier

    from .. import registry
    from ..spec import Spec

    p = model.get_params()
    common = dict(
        max_depth=p["max_depth"],
        random_state=p["random_state"],
        criterion=p["criterion"],
        min_samples_split=p["min_samples_split"],
        min_samples_leaf=p["min_samples_leaf"],
    )
    if isinstance(model, RandomForestClassifier):
        stage = registry.stage(
            "random_forest",
            n_estimators=p["n_estimators"],
            max_features=p["max_features"],
            bootstrap=p["bootstrap"],
            **common,
        )
    else:
        stage = registry.stage("decision_tree", max_features=p["max_features"], **common)
    stage.bind(Spec.vector(list(feature_names)))
    stage.fit(np.asarray(X_train, dtype=np.float32), np.asarray(y_train))
    trees = getattr(model, "estimators_", [model])
    same = len(trees) == stage.n_trees and all(
        np.array_equal(t.tree_.feature.astype(np.int32), st["feature"]) for t, st in zip(trees, stage.trees())
    )
    if not same:
        raise NotImplementedError(
            "sensorflow's stage grew different trees from scikit-learn's with the same parameters"
        )
    return stage


def exported_forest(model, feature_names: list[str], X_train, y_train) -> ExportedModel:
    from ..codegen.c import library
    from ..codegen.c.fragment import CContext

    stage = sensorflow_stage_for(model, feature_names, X_train, y_train)
    prefix = "sfb"
    ctx = CContext(
        stage=stage, index=0, prefix=prefix, board=None, input_spec=stage.input_spec_, output_spec=stage.output_spec_
    )
    frag = library.emit_stage(stage, ctx)
    runtime = library.runtime_files(["sf_common", *frag.runtime])
    nc = stage.output_spec_.size
    scratch = "".join(f"            {f.ctype} {f.name}[{max(1, int(f.count))}];\n" for f in frag.scratch)
    state = "".join(f"    {f.ctype} s0_{f.name}[{max(1, int(f.count))}];\n" for f in frag.state)
    includes = "".join(f'#include "{n}"\n' for n in runtime if n.endswith(".h"))
    body = "\n    ".join(frag.code)
    if not frag.returns_label:
        body += f"\n    return sf_argmax_f32(out, {nc});"
    src = (
        "#include <stdint.h>\n#include <string.h>\n"
        + includes
        + "".join(t if t.endswith("\n") else t + "\n" for t in frag.tables)
        + f"static struct {{\n{state}    struct {{\n        struct {{\n{scratch}        }} s0;\n    }} scratch;\n}} {prefix}_state;\n"
        + "".join(h if h.endswith("\n") else h + "\n" for h in frag.helpers)
        + f"static int {prefix}_s0(const float *in, float *out)\n{{\n    {body}\n}}\n"
        + "int bench_model_predict(const float *x);\n"
        + f"int bench_model_predict(const float *x)\n{{\n    float scores[{nc}];\n    return {prefix}_s0(x, scores);\n}}\n"
    )
    extra = {n: t for n, t in runtime.items()}
    return ExportedModel("sensorflow", src, "float", extra_sources=extra)


def exported_int_forest(model, feature_names: list[str], X_train, y_train, codes) -> tuple[ExportedModel, object]:
    """sensorflow's exact integer forest (``codegen.c.int_trees``) for features held as the
    integer ``codes`` (``stages.models.int_trees.FeatureCodes``); also the IntForest."""
    from ..codegen.c.int_trees import forest_source
    from ..stages.models.int_trees import integer_forest

    stage = sensorflow_stage_for(model, feature_names, X_train, y_train)
    forest = integer_forest(stage, codes)
    ctype = "int16_t" if codes.dtype == "int16" else "int32_t"
    src = (
        "#include <stdint.h>\n"
        + forest_source(forest, "sfb_int_forest", static=True)
        + f"int bench_model_predict(const {ctype} *x);\n"
        + f"int bench_model_predict(const {ctype} *x)\n{{\n    uint32_t sums[{forest.n_classes}];\n"
        "    return sfb_int_forest(x, sums);\n}\n"
    )
    return ExportedModel(f"sensorflow integer ({codes.dtype} codes)", src, ctype), forest
