"""sensorflow import MODEL.onnx --pipeline BASE.yaml --out ARTIFACT: a model trained elsewhere
on the features BASE computes becomes an artifact (mapped onto sensorflow's model stages, see
``sensorflow.interop.onnx_import``). With BASE's dataset, the feature stages are fitted on its
training part and the held-out windows are scored and saved (so ``sensorflow hil`` replays
them); without one, BASE's feature stages must need no fitting."""

from __future__ import annotations

from pathlib import Path

from ..errors import DataError


def add_arguments(p):
    p.add_argument("model", metavar="MODEL", help="the .onnx file")
    p.add_argument("--pipeline", required=True, metavar="BASE", help="pipeline YAML whose stages compute the features")
    p.add_argument("--out", required=True, metavar="DIR", help="artifact directory to write")
    p.add_argument("--data", metavar="PATH", help="data (overrides BASE's dataset.path)")
    p.add_argument("--classes", nargs="+", metavar="LABEL", help="class labels in score order (default: the graph's)")
    p.add_argument("--no-data", action="store_true", help="do not load BASE's dataset; save the model alone")


def run(args, out) -> int:
    from .. import artifact
    from ..interop.build import pipeline_with_onnx
    from ..pipeline import Pipeline
    from ..training import train

    base = Pipeline.from_yaml(args.pipeline)
    classes = [_label(c) for c in args.classes] if args.classes else None
    pipe = pipeline_with_onnx(base, args.model, classes)
    names = ", ".join(str(c) for c in pipe.classes_)
    out.print(f"{Path(args.model).name}: mapped to stage '{pipe.model.name}' ({len(pipe.classes_)} classes: {names})")
    have_data = not args.no_data and (args.data or base.config.dataset is not None)
    if have_data:
        ds = pipe.load_data(args.data)
        result = train(pipe, ds, out_dir=Path(args.out), progress=False, note=out.note)
        m = result.metrics
        if m.get("task") == "regression":
            from ..regression_metrics import regression_text

            out.print(f"held-out ({m['n_test']} windows of {ds.source}): " + regression_text(m))
            out.set(mae=m["mae"], rmse=m["rmse"], r2=m["r2"], n_test=m["n_test"])
            out.print(f"artifact: {args.out}")
            out.set(artifact=str(args.out), stage=pipe.model.name, classes=[str(c) for c in pipe.classes_])
            return 0
        unknown = sorted({str(v) for v in result.test_labels.tolist()} - {str(c) for c in pipe.classes_})
        if unknown:
            out.note(
                f"note: held-out labels {unknown[:5]} are not among the model's classes "
                f"{[str(c) for c in pipe.classes_]}; pass --classes in the model's score order"
            )
        out.print(
            f"held-out ({m['n_test']} windows of {ds.source}): accuracy {m['accuracy']:.3f}, macro F1 {m['macro_f1']:.3f}"
        )
        out.set(accuracy=m["accuracy"], macro_f1=m["macro_f1"], n_test=m["n_test"])
    else:
        unfitted = [s.name for s in pipe.stages if s.tags.trainable and not s.is_fitted()]
        if unfitted:
            raise DataError(f"{args.pipeline}: stages {unfitted} must be fitted on data; give BASE a dataset or --data")
        artifact.save(pipe, args.out, extra={"imported_from": Path(args.model).name})
    out.print(f"artifact: {args.out}")
    out.set(artifact=str(args.out), stage=pipe.model.name, classes=[str(c) for c in pipe.classes_])
    return 0


def _label(text: str):
    return int(text) if text.lstrip("-").isdigit() else text
