"""Running the demo's steps: each one is timed and ends ``ok``, ``unavailable`` (a module of
sensorflow or an external tool it needs is not there: said plainly, never faked), ``skipped``
(an earlier step it depends on did not succeed) or ``failed`` (with the one-line reason)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import SensorflowError, ToolMissingError


class StepUnavailable(Exception):
    """The step cannot run in this installation (missing sensorflow part or external tool)."""


@dataclass
class StepResult:
    name: str
    status: str
    seconds: float = 0.0
    detail: str = ""
    value: Any = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict:
        return {"name": self.name, "status": self.status, "seconds": round(self.seconds, 2), "detail": self.detail}


def require(module: str, attr: str | None = None, what: str = ""):
    """Import ``module`` (and get ``attr``) or raise StepUnavailable naming what is missing."""
    from importlib import import_module

    try:
        mod = import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
            raise StepUnavailable(
                f"{what or module} is not available in this installation ({module} missing)"
            ) from None
        raise
    if attr is None:
        return mod
    if not hasattr(mod, attr):
        raise StepUnavailable(f"{what or module} is not available in this installation ({module}.{attr} missing)")
    return getattr(mod, attr)


class Steps:
    def __init__(self, log: Callable[[str], None]):
        self.log = log
        self.results: list[StepResult] = []

    def run(self, name: str, fn: Callable, *args, needs: tuple[StepResult, ...] = (), **kwargs) -> StepResult:
        blocked = [n.name for n in needs if not n.ok]
        if blocked:
            res = StepResult(name, "skipped", 0.0, f"needs step '{blocked[0]}', which did not succeed")
            self.results.append(res)
            self.log(f"[{name}] skipped: {res.detail}")
            return res
        self.log(f"[{name}] ...")
        t0 = time.perf_counter()
        try:
            value = fn(*args, **kwargs)
            res = StepResult(name, "ok", time.perf_counter() - t0, "", value)
            if isinstance(value, dict) and isinstance(value.get("detail"), str):
                res.detail = value["detail"]
        except StepUnavailable as exc:
            res = StepResult(name, "unavailable", time.perf_counter() - t0, str(exc))
        except ToolMissingError as exc:
            res = StepResult(name, "unavailable", time.perf_counter() - t0, str(exc).splitlines()[0])
        except SensorflowError as exc:
            res = StepResult(
                name, "failed", time.perf_counter() - t0, f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            )
        except Exception as exc:  # a bug in a step: reported as a failure of that step, never hidden
            if os.environ.get("SENSORFLOW_DEBUG"):
                raise
            msg = str(exc).splitlines()[0] if str(exc) else ""
            res = StepResult(name, "failed", time.perf_counter() - t0, f"internal error {type(exc).__name__}: {msg}")
        self.results.append(res)
        self.log(f"[{name}] {res.status} ({res.seconds:.1f} s){': ' + res.detail if res.detail else ''}")
        return res

    @property
    def all_ok(self) -> bool:
        return all(r.ok for r in self.results)
