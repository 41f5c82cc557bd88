"""The exception hierarchy. A SensorflowError is a user-facing error: the CLI prints
its message on one line and exits 2 (user error) or 1 (the job failed)."""

from __future__ import annotations


class SensorflowError(Exception):
    """Base of every error sensorflow raises on purpose. ``exit_code`` is what the CLI returns."""

    exit_code = 2


class ConfigError(SensorflowError, ValueError):
    """A pipeline YAML, board YAML or parameter is wrong.

    ``key`` is the path of the offending key inside the YAML (``("stages", 2, "n_mfcc")``);
    the loader turns it into ``file:line``.
    """

    def __init__(self, message: str, key: tuple = (), file: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.key = tuple(key)
        self.file = file
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        path = format_key(self.key)
        return f"{where}{path + ': ' if path else ''}{self.message}"


class DataError(SensorflowError, ValueError):
    """Input data (arrays, recordings, CSV files, datasets) is unusable."""


class NotFittedError(SensorflowError, AttributeError):
    """A stage or pipeline that learns from data was used before ``fit``."""


class ArtifactError(SensorflowError):
    """A trained artifact directory is missing, tampered with or from an incompatible version."""


class CodegenError(SensorflowError):
    """Code generation is impossible for this pipeline / board / language."""

    exit_code = 1


class BudgetExceededError(CodegenError):
    """The exported pipeline does not fit the board's RAM or flash budget."""

    exit_code = 1


class ToolMissingError(SensorflowError):
    """An external tool (cross compiler, QEMU, node, espeak-ng) is not installed."""

    exit_code = 1


class HILError(SensorflowError, IOError):
    """Hardware-in-the-loop communication failed."""

    exit_code = 1


class HILTimeout(HILError, TimeoutError):
    """A board did not answer in time."""


def format_key(key: tuple) -> str:
    """Render a key path the way users write it: ``stages[2].n_mfcc``."""
    out = ""
    for part in key:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
