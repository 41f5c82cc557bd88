"""Put a fitted model stage into a pipeline: the pipeline's config names the mapped stage
(type and params), so the artifact stores arrays and reloads as an ordinary sensorflow stage."""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError


def with_model(pipeline, stage):
    """A new Pipeline like ``pipeline`` whose model stage is the fitted ``stage`` (added at the
    end of the stages if ``pipeline`` has none before its post stages); feature stages keep
    their learned state."""
    from ..pipeline import Pipeline

    cfg = pipeline.config
    entries = list(cfg.stages)
    roles = [s.tags.role for s in pipeline.stages]
    if "model" in roles:
        at = roles.index("model")
        entries[at] = stage.params
    else:
        at = roles.index("post") if "post" in roles else len(entries)
        entries.insert(at, stage.params)
    new = Pipeline(cfg.model_copy(update={"stages": entries}), pipeline._lines, pipeline._source)
    old = [s for s in pipeline.stages if s.tags.role != "model"]
    kept = iter(old)
    for i, s in enumerate(new.stages):
        if i == at:
            new.stages[i] = stage
        else:
            src = next(kept)
            s.load_learned(src.learned())
    _check_width(new, stage)
    return new.rebind()


def _check_width(pipeline, stage) -> None:
    spec = pipeline.feature_spec
    want = _n_inputs(stage)
    if want is not None and spec.kind == "vector" and spec.shape[0] != want:
        raise ConfigError(
            f"the model takes {want} features but pipeline '{pipeline.name}' computes {spec.shape[0]}; "
            "use the feature stages the model was trained on"
        )


def _n_inputs(stage) -> int | None:
    for attr in ("coef_", "theta_", "fit_X_", "support_vectors_"):
        v = getattr(stage, attr, None)
        if v is not None:
            return int(np.shape(v)[1])
    if getattr(stage, "layer_sizes_", None):
        return int(stage.layer_sizes_[0])
    return None
