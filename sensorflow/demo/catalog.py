"""The demos: which pipeline each runs, what it shows, and the pipeline steps the report
sections share (training, the same pipeline with another model)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from .. import examples
from ..errors import DataError


@dataclass(frozen=True)
class Demo:
    pipeline: str
    kind: str  # "detector" (continuous streams), "classifier" or "regressor"
    description: str
    anomaly_model: str | None = None
    # the pipeline of the integer path (--numeric int8, or auto on a board without an FPU):
    # its front end computes in fixed point, trained on what the device computes
    integer_pipeline: str | None = None


DEMOS: dict[str, Demo] = {
    "wakeword": Demo(
        "wakeword.yaml",
        "detector",
        "Wake-word detection on 16 kHz audio synthesised offline (espeak-ng/flite voices, noise at several SNRs); "
        "evaluated on continuous streams of held-out voices.",
        integer_pipeline="wakeword_q15.yaml",
    ),
    "vibration": Demo(
        "vibration.yaml",
        "classifier",
        "Bearing fault classification (normal / outer / inner / ball) from simulated accelerometer signals, tested "
        "on speeds and loads never seen in training; plus anomaly detection trained on normal data only.",
        anomaly_model="gaussian_anomaly",
    ),
    "vibration_speed": Demo(
        "vibration_speed.yaml",
        "regressor",
        "Shaft speed (rpm) from the same simulated bearing vibration, estimated at speeds and loads never seen in "
        "training (a regression model; its error per held-out condition).",
    ),
    "gesture": Demo(
        "gesture.yaml",
        "classifier",
        "Activity recognition from real smartwatch accelerometer + gyroscope recordings (BasicMotions).",
        integer_pipeline="gesture_q15.yaml",
    ),
}


def find_pipeline(name: str, explicit: Path | None = None, integer: bool = False) -> Path:
    """pipelines/<demo>.yaml of this checkout, else of the working directory; ``integer``: the
    demo's integer-path pipeline when it has one (``Demo.integer_pipeline``)."""
    if explicit is not None:
        return Path(explicit)
    if name not in DEMOS:
        raise DataError(f"unknown demo '{name}'; choose one of: {', '.join(DEMOS)}")
    demo = DEMOS[name]
    return examples.find(
        demo.integer_pipeline if integer and demo.integer_pipeline else demo.pipeline, f"demo '{name}'"
    )


load_pipeline = examples.load


def train(pipe, ds, out: Path, log):
    from .steps import require

    train_fn = require("sensorflow.training", "train", "training (sensorflow.training)")
    no_streams = dataclasses.replace(ds, streams=[])
    return train_fn(pipe, no_streams, out_dir=out, progress=False, note=log)


def swap_model(pipe, model_type: str):
    """The same pipeline with its model replaced by ``model_type`` and no post stages."""
    from ..pipeline import Pipeline

    stages = [s for s in pipe.config.stages if s.type != pipe.model.name and _role(s.type) != "post"]
    idx = [i for i, s in enumerate(pipe.config.stages) if s.type == pipe.model.name][0]
    from .. import registry

    model_params = registry.get(model_type).Params()
    stages.insert(idx, model_params)
    cfg = pipe.config.model_copy(update={"stages": stages, "name": pipe.config.name + "_anomaly"})
    return Pipeline(cfg, {}, pipe._source)


def _role(stage_type: str) -> str:
    from .. import registry

    return registry.get(stage_type).tags.role
