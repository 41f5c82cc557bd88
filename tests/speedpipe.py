"""The shaft-speed regression pipelines the regression tests train: the vibration recipe with
small options, ``target: shaft_rpm``, split by its predefined held-out operating condition, and a
low-pass plus spectral front end; each test gives its name, window and further stages."""

from __future__ import annotations


def speed_pipeline(name: str, window: str, stages: str = "", cv_folds: int = 0) -> str:
    """Pipeline YAML: ``window`` a flow mapping (``{length: 4096, hop: 4096}``), ``stages`` YAML
    list items appended after the spectral features (``"  - type: ridge\\n"``)."""
    return (
        f"name: {name}\n"
        "sensor: {kind: vibration, sample_rate: 12000, channels: [acc], units: g}\n"
        f"window: {window}\n"
        "stages:\n"
        "  - type: butter\n"
        "    btype: lowpass\n"
        "    cutoff: 80\n"
        "  - type: spectral\n"
        "    features: [centroid, peak_freq]\n"
        f"{stages}"
        "dataset: {loader: recipe, name: vibration, options: {small: true, target: shaft_rpm}, split: {by: predefined}}\n"
        f"train: {{cv_folds: {cv_folds}}}\n"
    )
