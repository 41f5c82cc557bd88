"""The device layer: everything that knows boards and tools, below ``hil``, ``bench`` and ``demo``.

``boards`` (boards/*.yaml, the only source of board facts), ``toolchain`` (compiler invocation
with the one set of strict warnings), ``elf`` (the one ELF size reader), ``processes`` (emulated
boards and pseudo-terminals, always stopped), ``firmware`` (the per-board firmware ports under
``device/firmware/``: HIL image and measuring image), ``measure`` (instruction counts and
footprint on the emulated boards) and ``footprint`` (per-stage sizes of an exported library).
Imports ``codegen`` (it builds exported code), never ``hil``, ``bench``, ``demo`` or ``commands``."""
