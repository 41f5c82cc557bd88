"""Code generators: C (``codegen.c``) and MicroPython (``codegen.micropython``)."""
