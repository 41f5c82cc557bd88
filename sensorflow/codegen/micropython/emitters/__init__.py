"""MicroPython emitters, one module per stage family; each registers with ``@mp_emitter``."""
