"""Device cost of a wake-word framing candidate (docs/experiments/2026-12-07-wakeword-framing.md).

`pipelines/wakeword_q15.yaml` with some keys changed, trained on the small recipe with a short
fit (the device figures do not depend on the weights' values), then measured as the demo's
`measure` step does (`device.measure.measure_pipeline`, int8 path): RAM, flash, instructions per
inference and per second of audio on each board.

    python scripts/wakeword_framing_cost.py A4 \
        '{"log_mel.hop_length": 800, "log_mel.win_length": 512, "window.hop_ms": 200, "smooth.windows": 5}'

Keys are `window.<key>` or `<stage type>.<key>` (null removes the key). Output: build/framing/<name>/.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import yaml

from sensorflow.demo.catalog import load_pipeline, train
from sensorflow.device import measure

FIGURES = ("ram", "stack", "flash", "instr_infer", "instr_per_second", "instr_per_second_i16")


def candidate(overrides: dict) -> dict:
    """The shipped integer wake word with ``overrides`` applied and a quick fit (2 epochs, no
    teachers, no hard-negative rounds)."""
    src = yaml.safe_load(Path("pipelines/wakeword_q15.yaml").read_text())
    for dotted, value in overrides.items():
        section, key = dotted.split(".", 1)
        targets = [src["window"]] if section == "window" else [s for s in src["stages"] if s["type"] == section]
        if not targets:
            raise SystemExit(f"no section or stage '{section}' in pipelines/wakeword_q15.yaml")
        for t in targets:
            if value is None:
                t.pop(key, None)
            else:
                t[key] = value
    for key in ("hard_negatives", "hard_negative_rounds"):
        src["train"].pop(key, None)
    for s in src["stages"]:
        if s["type"] == "conv1d":
            s.update(epochs=2, teachers=0)
            s.pop("teacher_weight", None)
    return src


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name")
    ap.add_argument("overrides", help="JSON object of dotted keys")
    ap.add_argument("--boards", nargs="+", default=["qemu-mps2-an386", "qemu-riscv32"])
    args = ap.parse_args()
    out = Path("build") / "framing" / args.name
    out.mkdir(parents=True, exist_ok=True)
    overrides = json.loads(args.overrides)
    path = out / "pipeline.yaml"
    path.write_text(yaml.safe_dump(candidate(overrides), sort_keys=False))
    pipe = load_pipeline(path, True)
    tr = train(pipe, pipe.load_data(), out / "artifact", lambda m: None)
    result: dict = {"name": args.name, "overrides": overrides}
    for board in args.boards:
        m = measure.measure_pipeline(pipe, tr.test_windows[:8], board, out / f"measure-{board}", "int8")
        result[board] = {k: m[k] for k in FIGURES if k in m}
        print(args.name, board, json.dumps(result[board]), flush=True)
    (out / "result.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
