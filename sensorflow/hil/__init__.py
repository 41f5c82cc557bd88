"""Hardware-in-the-loop: run an exported pipeline on a board (real or emulated) over a
serial line and compare it with the host reference. Modules: ``protocol`` (framing),
``transport`` (pyserial URLs, fault injection), ``client`` (requests with retries),
``targets`` (firmware builds), ``emulators`` (QEMU / native boards on a pty), ``runner``
and ``report``."""
