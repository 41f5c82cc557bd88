"""Cost model results: what a stage costs on a board, estimated before anything is compiled."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Cost:
    """Flash (constant tables + code), RAM (state + scratch) in bytes, and operations per window.

    ``ops`` counts multiply-adds and comparisons, the unit a Cortex-M4F retires roughly one of
    per instruction; it is an estimate to rank pipelines, not a cycle count.
    """

    flash_bytes: int = 0
    ram_bytes: int = 0
    ops: int = 0

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.flash_bytes + other.flash_bytes, self.ram_bytes + other.ram_bytes, self.ops + other.ops)

    def to_dict(self) -> dict:
        return asdict(self)
