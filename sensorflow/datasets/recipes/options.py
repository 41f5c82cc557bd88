"""Recipe options: a YAML ``dataset.options`` mapping checked by the recipe's pydantic model."""

from __future__ import annotations

from collections.abc import Callable
from difflib import get_close_matches
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from ...errors import ConfigError

M = TypeVar("M", bound=BaseModel)


def validated(
    model: type[M], options: dict, key: tuple = ("dataset", "options"), preset: Callable[..., M] | None = None
) -> M:
    """``model(**options)`` (or ``preset(**options)``, a factory of the model with other defaults);
    the first validation error becomes a one-line ConfigError keyed ``<key>.<option>``: pydantic's
    message, or for an unknown option the closest known name (or the list of them)."""
    try:
        return (preset or model)(**options)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(str(p) for p in err.get("loc", ()))[:1]
        if err.get("type") == "extra_forbidden" and loc:
            known = sorted(model.model_fields)
            near = get_close_matches(loc[0], known, n=1, cutoff=0.8)
            hint = f"did you mean '{near[0]}'?" if near else f"allowed: {', '.join(known)}"
            raise ConfigError(f"unknown option '{loc[0]}'; {hint}", key=key + loc) from None
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        raise ConfigError(msg, key=key + loc) from None
