"""Pipeline YAML: loading with line numbers, and the pydantic schema.

The schema's ``stages`` list is a discriminated union over every registered stage's
``Params`` (tag: ``type``), so an error names the stage, the key path and the line.
"""

from __future__ import annotations

import difflib
import math
import os
import stat
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from . import registry
from .errors import ConfigError, format_key
from .windowing import PAD_MODES

# ---------------------------------------------------------------------- resource limits
MAX_YAML_BYTES = 256 << 10
"""Largest pipeline / board YAML read (256 KiB; the shipped pipelines are under 4 KB)."""
MAX_YAML_DEPTH = 32
"""Deepest nesting of mappings and lists (a pipeline needs 5)."""
MAX_YAML_NODES = 20_000
"""Most values a YAML may hold once its aliases are expanded (refuses a "billion laughs")."""
MAX_WINDOW_VALUES = 1 << 20
"""Most values in one window (length x channels): 4 MiB of float32, the RAM of the largest board
sensorflow ships a definition for (the emulated qemu-mps2-an386 and qemu-riscv32; real boards have
less), so no window that no board could hold is ever allocated."""
MAX_SAMPLE_RATE = 10_000_000.0
MIN_SAMPLE_RATE = 1e-3
"""Sample rates between one sample per 1000 s and 10 MHz."""
MAX_PARAM_INT = 1 << 24
"""Largest integer a stage parameter may hold (sizes, counts); seeds go up to 2**32 - 1."""
_SEED_KEYS = ("random_state", "seed")
STAGE_PARAM_CAPS = {
    "epochs": 10_000,
    "max_iter": 100_000,
    "teachers": 32,
    "batch_size": 1 << 16,
    "hidden_layer_sizes": 4096,
    "filters": 4096,
    "teacher_filters": 4096,
    "windows": 100_000,
}
"""Tighter caps for stage parameters that set training time or model size, by key name."""
MAX_STAGE_BYTES = 64 << 20
"""Most flash or RAM one stage may need (its cost estimate): 64 MiB, above any board sensorflow targets."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SensorConfig(_Section):
    """Where samples come from. Physical value = raw sample * ``scale``."""

    kind: Literal["audio", "imu", "vibration", "generic"]
    sample_rate: float = Field(gt=0, description="samples per second per channel (Hz), 0.001 to 10 MHz")
    channels: list[str] = Field(min_length=1, description="channel names, in the order samples arrive")
    dtype: Literal["float32", "int8", "int16", "int32", "uint8", "uint16"] = "float32"
    scale: float = Field(1.0, gt=0, description="physical units per raw count, e.g. 1/32768 for int16 PCM")
    units: str | None = None

    @field_validator("sample_rate")
    @classmethod
    def _rate_in_range(cls, v):
        if not MIN_SAMPLE_RATE <= v <= MAX_SAMPLE_RATE:
            raise ValueError(f"must be between {MIN_SAMPLE_RATE:g} Hz and {MAX_SAMPLE_RATE:g} Hz, got {v:g}")
        return v

    @field_validator("channels")
    @classmethod
    def _unique_channels(cls, v):
        dup = sorted({c for c in v if v.count(c) > 1})
        if dup:
            raise ValueError(f"channel names must be unique; '{dup[0]}' appears twice")
        return v


class WindowConfig(_Section):
    """Windowing: length and hop in samples, or in milliseconds (``length_ms``/``hop_ms``), and how
    a recording shorter than one window becomes one (``pad``)."""

    length: int | None = Field(None, gt=0, le=MAX_WINDOW_VALUES)
    hop: int | None = Field(None, gt=0, le=MAX_WINDOW_VALUES)
    length_ms: float | None = Field(None, gt=0, le=1e9)
    hop_ms: float | None = Field(None, gt=0, le=1e9)
    pad: Literal[PAD_MODES] | None = Field(
        None,
        description="a recording shorter than the window: resample (stretch it over the window, "
        "linear interpolation: its mean and spread kept), edge (repeat its last sample) or zero "
        "(append zeros) or valid (features over the recording's own samples only; on the device "
        "<prefix>_infer_n(samples, n_valid, ...); feature stages that support it: stats, catch22, minirocket). Default: zero for sensor.kind audio (silence after a clip), else resample. "
        "On the device: <prefix>_to_window / Pipeline.to_window",
    )

    def pad_mode(self, sensor_kind: str) -> str:
        """``pad``, or the default for the sensor kind (``zero`` for audio, else ``resample``)."""
        if self.pad is not None:
            return self.pad
        return "zero" if sensor_kind == "audio" else "resample"

    @model_validator(mode="after")
    def _one_of(self):
        if (self.length is None) == (self.length_ms is None):
            raise ValueError("give exactly one of 'length' (samples) or 'length_ms'")
        if self.hop is not None and self.hop_ms is not None:
            raise ValueError("give at most one of 'hop' (samples) or 'hop_ms'")
        return self

    def samples(self, sample_rate: float) -> tuple[int, int]:
        """(length, hop) in samples; hop defaults to the length (no overlap)."""
        length = self.length if self.length is not None else int(round(self.length_ms * sample_rate / 1000.0))
        if self.hop is not None:
            hop = self.hop
        elif self.hop_ms is not None:
            hop = int(round(self.hop_ms * sample_rate / 1000.0))
        else:
            hop = length
        if length < 1 or hop < 1:
            raise ConfigError("window is shorter than one sample at this sample rate", key=("window",))
        return length, hop


class SplitConfig(_Section):
    """Held-out split. ``by: group`` keeps every window of one recording/subject/speaker together."""

    by: Literal["group", "file", "random", "predefined"] = "group"
    test_size: float = Field(0.25, gt=0, lt=1)
    seed: int = Field(0, ge=0, lt=2**32)


class DatasetConfig(_Section):
    """Where training data comes from: a loader (``wav_folder``, ``csv``, ``npz``, ``aeon``) or a
    ``recipe`` that builds data (demo recipes), with loader options."""

    loader: str
    path: str | None = None
    name: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    split: SplitConfig = Field(default_factory=SplitConfig)


class TrainConfig(_Section):
    cv_folds: int = Field(5, ge=0, le=20, description="cross-validation folds on the training split (0 = off)")
    seed: int = Field(0, ge=0, lt=2**32)
    hard_negatives: int = Field(
        0,
        ge=0,
        le=MAX_PARAM_INT,
        description="hard-negative mining: after the first fit, score every window of the dataset's "
        "background recordings (training-part audio holding only one class, e.g. other speech), add this many "
        "of the windows most unlike that class as its examples and fit again (0 = off)",
    )
    hard_negative_rounds: int = Field(
        1,
        ge=1,
        le=5,
        description="mining rounds: each mines hard_negatives more windows with the latest fit "
        "(none taken twice) and fits again on everything mined so far",
    )


class ExportTarget(_Section):
    board: str
    lang: Literal["c", "micropython"] = "c"


class ExportConfig(_Section):
    prefix: str = Field("sf_model", pattern=r"^[a-z_][a-z0-9_]*$", max_length=32)  # codegen.c.library.MAX_PREFIX
    numeric: Literal["auto", "float", "int8"] = Field(
        "auto", description="numeric path of the generated code (export --numeric overrides; sensorflow tune sets it)"
    )
    targets: list[ExportTarget] = Field(default_factory=list)


_SECTION_MODELS = {
    ("sensor",): SensorConfig,
    ("window",): WindowConfig,
    ("dataset",): DatasetConfig,
    ("dataset", "split"): SplitConfig,
    ("train",): TrainConfig,
    ("export",): ExportConfig,
}


def _stage_union():
    params = [cls.Params for cls in registry.all_stages().values()]
    if not params:
        return Any
    if len(params) == 1:
        return params[0]
    return Annotated[Union[tuple(params)], Field(discriminator="type")]  # noqa: UP007  (a union built at run time)


_schema_cache: dict[tuple, type] = {}


def pipeline_schema() -> type[BaseModel]:
    """The PipelineConfig model, built over the stages registered now."""
    key = tuple(registry.names())
    if key not in _schema_cache:

        class PipelineConfig(_Section):
            name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_-]*$")
            description: str = ""
            sensor: SensorConfig
            window: WindowConfig
            stages: list[_stage_union()] = Field(min_length=1)  # type: ignore[valid-type]
            dataset: DatasetConfig | None = None
            train: TrainConfig = Field(default_factory=TrainConfig)
            export: ExportConfig = Field(default_factory=ExportConfig)
            search: dict[str, Any] | None = Field(None, description="sensorflow tune's search space (docs/tune.md)")

            def __reduce__(self):  # picklable (joblib workers) although the class is built at run time
                return _rebuild_config, (self.model_dump(mode="json"),)

        _schema_cache[key] = PipelineConfig
    return _schema_cache[key]


def _rebuild_config(data: dict):
    """Unpickle a PipelineConfig: validate its JSON form again with the schema of this process."""
    return pipeline_schema().model_validate(data)


_SECTION_MODELS[()] = None  # filled lazily: the top level is pipeline_schema()


# ---------------------------------------------------------------------- YAML with lines
class _UniqueKeyLoader(yaml.SafeLoader):
    pass


def shipped_pipeline(name: str) -> Path | None:
    """A bare name (``gesture``, no folder, no suffix) names a pipeline that ships with sensorflow."""
    if not name or os.sep in name or "/" in name or name.endswith((".yaml", ".yml")):
        return None
    from .resources import shipped

    p = shipped("pipelines") / f"{name}.yaml"
    return p if p.is_file() else None


def read_yaml(path: str | os.PathLike) -> tuple[Any, dict[tuple, int], str]:
    """Read a YAML file; return (data, {key path: line}, display name). One-line errors only.
    Only a regular file of at most MAX_YAML_BYTES is read (never a device, FIFO or socket)."""
    p = Path(path)
    shown = str(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        shipped = shipped_pipeline(shown)
        if shipped is None:
            raise ConfigError(
                "no such file; check the path (or name a shipped pipeline: sensorflow pipelines)", file=shown
            ) from None
        p, shown = shipped, str(shipped)
        st = p.stat()
    except OSError as exc:
        raise ConfigError(f"cannot read it ({exc.strerror}); check the path", file=shown) from None
    if stat.S_ISDIR(st.st_mode):
        raise ConfigError("is a directory, expected a pipeline .yaml file", file=shown)
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError("is not a regular file (a device, FIFO or socket); give a .yaml file", file=shown)
    if st.st_size > MAX_YAML_BYTES:
        raise ConfigError(f"is {st.st_size} bytes, over the {MAX_YAML_BYTES}-byte limit for a YAML file", file=shown)
    with open(p, "rb") as f:
        raw = f.read(MAX_YAML_BYTES + 1)
    if len(raw) > MAX_YAML_BYTES:
        raise ConfigError(f"is over the {MAX_YAML_BYTES}-byte limit for a YAML file", file=shown)
    return parse_yaml(raw, shown)


def parse_yaml(raw: bytes | str, shown: str = "<string>") -> tuple[Any, dict[tuple, int], str]:
    if len(raw) > MAX_YAML_BYTES:
        raise ConfigError(f"is over the {MAX_YAML_BYTES}-byte limit for a YAML file", file=shown)
    if isinstance(raw, bytes):
        if b"\x00" in raw:
            raise ConfigError("is a binary file, not YAML text", file=shown)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise ConfigError("is not UTF-8 text (binary file?)", file=shown, line=line) from None
    else:
        text = raw
    if not text.strip():
        raise ConfigError("is empty; a pipeline needs at least name, sensor, window and stages", file=shown)
    try:
        _check_structure(text, shown)
        node = yaml.compose(text, Loader=_UniqueKeyLoader)
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(f"YAML syntax error: {problem}", file=shown, line=line) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"YAML error: {exc}".splitlines()[0], file=shown) from None
    except (ValueError, OverflowError, RecursionError) as exc:  # e.g. an integer of 5000 digits
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"YAML value error: {str(exc).splitlines()[0][:120]}", file=shown) from None
    lines: dict[tuple, int] = {}
    if node is not None:
        _index_lines(node, (), lines, shown)
    return data, lines, shown


_EVENT_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed: the check stays fast


def _check_structure(text: str, shown: str) -> None:
    """Nesting depth and alias-expanded size, from the event stream (before any node is built):
    a ConfigError past MAX_YAML_DEPTH or MAX_YAML_NODES, at the line where it happens. A syntax
    error libyaml finds is checked again with PyYAML's parser, which reports it as the loader does."""
    try:
        _walk_events(text, shown, _EVENT_LOADER)
    except yaml.YAMLError:
        if _EVENT_LOADER is yaml.SafeLoader:
            raise
        _walk_events(text, shown, yaml.SafeLoader)


def _walk_events(text: str, shown: str, loader) -> None:
    sizes: dict[str, int] = {}  # anchor -> values it stands for
    stack: list[list] = []  # open collections: [anchor, values so far]
    total = 0

    def add(n: int, event) -> None:
        nonlocal total
        total += n
        if stack:
            stack[-1][1] += n
        if total > MAX_YAML_NODES:
            raise ConfigError(
                f"holds over {MAX_YAML_NODES} values once its aliases (*name) are expanded; "
                "a pipeline needs far fewer (alias bomb?)",
                file=shown,
                line=event.start_mark.line + 1,
            )

    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            if len(stack) >= MAX_YAML_DEPTH:
                raise ConfigError(
                    f"nested deeper than {MAX_YAML_DEPTH} levels; a pipeline needs a handful",
                    file=shown,
                    line=event.start_mark.line + 1,
                )
            stack.append([event.anchor, 1])
            total += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, n = stack.pop()
            if anchor is not None:
                sizes[anchor] = n
            if stack:
                stack[-1][1] += n
        elif isinstance(event, yaml.ScalarEvent):
            if event.anchor is not None:
                sizes[event.anchor] = 1
            add(1, event)
        elif isinstance(event, yaml.AliasEvent):
            add(sizes.get(event.anchor, 1), event)


def _index_lines(node, path: tuple, lines: dict, shown: str) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                raise ConfigError(
                    f"{format_key(path + (key,))}: key '{key}' appears twice (first on line {seen[key]}); keep one",
                    file=shown,
                    line=key_node.start_mark.line + 1,
                )
            seen[key] = key_node.start_mark.line + 1
            lines[path + (key,)] = key_node.start_mark.line + 1
            _index_lines(value_node, path + (key,), lines, shown)
            lines[path + (key,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, path + (i,), lines, shown)


def line_of(lines: dict[tuple, int], key: tuple) -> int | None:
    """Line of the longest prefix of ``key`` present in the file."""
    key = tuple(key)
    while key not in lines and key:
        key = key[:-1]
    return lines.get(key)


# ---------------------------------------------------------------------- validation
def validate(data: Any, lines: dict[tuple, int] | None = None, shown: str = "<string>"):
    """Validate parsed YAML against the schema. Raises a ConfigError for the first problem;
    its ``problems`` attribute lists every problem found (pydantic reports them all)."""
    lines = lines or {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"top level must be a mapping (name:, sensor:, window:, stages:), got {type(data).__name__}",
            file=shown,
            line=1,
        )
    _check_numbers(data, (), lines, shown)
    problems: list[ConfigError] = []
    bad_stages = set()
    stages = data.get("stages")
    if isinstance(stages, list):
        for i, entry in enumerate(stages):
            try:
                _check_stage_entry(entry, i, lines, shown)
            except ConfigError as exc:
                problems.append(exc)
                bad_stages.add(i)
    try:
        config = pipeline_schema().model_validate(data)
    except ValidationError as exc:
        seen = set()
        for err in exc.errors():
            loc = tuple(err.get("loc", ()))
            if loc[:1] == ("stages",) and len(loc) > 1 and loc[1] in bad_stages:
                continue  # that stage's entry is already reported (no type, unknown type)
            key, message = _explain(err, data)
            where = _in_file(key, data)
            if where not in seen:  # one problem per key: a union's members each report the same value
                seen.add(where)
                problems.append(ConfigError(message, key=key, file=shown, line=line_of(lines, key)))
    if problems:
        first = problems[0]
        first.problems = problems
        raise first
    _check_window(config, lines, shown)
    return config


def _in_file(key: tuple, data) -> tuple:
    """The part of an error's key that names places in the file: a key missing from (or unknown
    in) a mapping is kept, a union member's tag after a value (``gain.float``) is dropped."""
    node, out = data, []
    for part in key:
        if isinstance(node, dict):
            if part not in node:
                return (*out, part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            break
        out.append(part)
    return tuple(out)


def _check_numbers(value, key: tuple, lines, shown) -> None:
    """Every key a printable string, every number finite (no .nan/.inf), and in a stage an integer
    at most MAX_PARAM_INT (a seed below 2**32): one ConfigError naming the key and its line."""

    def fail(message: str):
        raise ConfigError(message, key=key, file=shown, line=line_of(lines, key))

    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str) or not k.isprintable():
                fail(f"key {k!r} is not a plain name; keys are names like 'sample_rate'")
            _check_numbers(v, key + (k,), lines, shown)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_numbers(v, key + (i,), lines, shown)
    elif isinstance(value, float) and not math.isfinite(value):
        fail(f"{value} is not a finite number; give a real value")
    elif isinstance(value, int) and not isinstance(value, bool) and key[:1] == ("stages",):
        seed = any(k in _SEED_KEYS for k in key if isinstance(k, str))
        if seed and not 0 <= value < 2**32:
            fail(f"a seed must be between 0 and 2**32 - 1, got {value}")
        cap = next((STAGE_PARAM_CAPS[k] for k in reversed(key) if isinstance(k, str) and k in STAGE_PARAM_CAPS), None)
        if not seed and abs(value) > (cap or MAX_PARAM_INT):
            fail(f"{value} is over the limit of {cap or MAX_PARAM_INT} for this stage parameter")


def _check_window(cfg, lines, shown) -> None:
    """The window in samples: at least one, and length x channels at most MAX_WINDOW_VALUES."""
    w = cfg.window
    key = ("window", "length" if w.length is not None else "length_ms")
    try:
        length, hop = w.samples(cfg.sensor.sample_rate)
    except ConfigError as exc:
        raise ConfigError(exc.message, key=key, file=shown, line=line_of(lines, key)) from None
    n_ch = len(cfg.sensor.channels)
    if length * n_ch > MAX_WINDOW_VALUES or hop > MAX_WINDOW_VALUES:
        if hop > MAX_WINDOW_VALUES and length * n_ch <= MAX_WINDOW_VALUES:
            key = ("window", "hop" if w.hop is not None else "hop_ms")
        raise ConfigError(
            f"window of {length} samples x {n_ch} channel(s) (hop {hop}) is over the limit of "
            f"{MAX_WINDOW_VALUES} values (4 MiB of float32, the RAM of the largest supported board); shorten it",
            key=key,
            file=shown,
            line=line_of(lines, key),
        )


def _check_stage_entry(entry, i: int, lines, shown) -> None:
    key = ("stages", i)
    if not isinstance(entry, dict):
        raise ConfigError(
            "each stage must be a mapping like '- type: mfcc'", key=key, file=shown, line=line_of(lines, key)
        )
    if "type" not in entry:
        raise ConfigError(
            "missing 'type'; name the stage (run 'sensorflow stages' to list them)",
            key=key,
            file=shown,
            line=line_of(lines, key),
        )
    if not isinstance(entry["type"], str) or entry["type"] not in registry.names():
        key = key + ("type",)
        name = entry["type"] if isinstance(entry["type"], str) and entry["type"].isprintable() else repr(entry["type"])
        raise ConfigError(registry.unknown_stage_message(name), key=key, file=shown, line=line_of(lines, key))


def _allowed_keys(parent: tuple, data: dict) -> list[str]:
    if len(parent) == 2 and parent[0] == "stages" and isinstance(parent[1], int):
        try:
            return list(registry.get(data["stages"][parent[1]]["type"]).Params.model_fields)
        except Exception:
            return []
    if parent == ():
        return list(pipeline_schema().model_fields)
    if len(parent) == 3 and parent[:1] == ("export",) and parent[1] == "targets":
        return list(ExportTarget.model_fields)
    model = _SECTION_MODELS.get(parent)
    return list(model.model_fields) if model else []


def _explain(err: dict, data: dict) -> tuple[tuple, str]:
    loc = list(err.get("loc", ()))
    # drop the discriminator tag pydantic inserts after a stage index
    if len(loc) >= 3 and loc[0] == "stages" and isinstance(loc[1], int) and isinstance(loc[2], str):
        if loc[2] in registry.names():
            del loc[2]
    key = tuple(loc)
    etype = err.get("type", "")
    msg = err.get("msg", "invalid value")
    value = err.get("input")
    if etype == "missing":
        return key, f"missing required key '{key[-1]}'; add it"
    if etype == "extra_forbidden":
        allowed = _allowed_keys(key[:-1], data)
        close = difflib.get_close_matches(str(key[-1]), allowed, n=1, cutoff=0.7)
        hint = (
            f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(a for a in allowed if a != 'type')}"
        )
        return key, f"unknown key '{key[-1]}'; {hint}"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    elif msg.startswith("Assertion failed, "):
        msg = msg[len("Assertion failed, ") :]
    else:
        msg = msg[:1].lower() + msg[1:]
        if value is not None and not isinstance(value, (dict, list)):
            msg += f", got {value!r}"
    return key, msg


def load(path: str | os.PathLike):
    """Read and validate a pipeline YAML; returns (config, lines, display name)."""
    data, lines, shown = read_yaml(path)
    return validate(data, lines, shown), lines, shown


def loads(text: str, shown: str = "<string>"):
    data, lines, shown = parse_yaml(text, shown)
    return validate(data, lines, shown), lines, shown
