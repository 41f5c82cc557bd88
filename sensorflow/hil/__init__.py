"""Hardware-in-the-loop: run an exported pipeline on a board (real or emulated) over a
serial line and compare it with the host reference. Modules: ``protocol`` (framing),
``transport`` (pyserial URLs, fault injection), ``client`` (requests with retries),
``session`` (build, start or flash, connect), ``runner`` and ``report``. Firmware builds and
emulator processes are the device layer's (``sensorflow.device.firmware``, ``.processes``)."""
