"""Moved to :mod:`sensorflow.device` (``footprint``, ``elf``, ``toolchain``); this name stays for
``sensorflow.codegen.c.export``, which imports it lazily, and older imports."""

from .device.elf import (  # noqa: F401
    ObjectSizes,
    SectionSizes,
    double_precision_symbols,
    read_object,
    section_kind,
)
from .device.footprint import compile_objects, measure_generated  # noqa: F401
from .device.toolchain import STRICT_CFLAGS  # noqa: F401
