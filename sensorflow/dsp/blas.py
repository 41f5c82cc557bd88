"""Run small matrix products on one BLAS thread.

The mel and DCT products are tall and skinny (thousands of frames x tens of bands): a
multi-threaded OpenBLAS gains nothing on them and, on a busy machine, loses up to 10x to
thread hand-off. scikit-learn limits BLAS threads around such kernels the same way.
The numpy conv1d trainer runs on one thread too, for another reason: a threaded BLAS sums in
another order for each thread count, so a seed would train a different net on another machine.
"""

from __future__ import annotations

import contextlib

_controller = None


def single_thread_blas():
    """A context manager limiting BLAS to one thread (a no-op if threadpoolctl is missing)."""
    global _controller
    try:
        if _controller is None:
            from threadpoolctl import ThreadpoolController

            _controller = ThreadpoolController()
        return _controller.limit(limits=1, user_api="blas")
    except Exception:  # threadpoolctl absent or unable to inspect the loaded libraries
        return contextlib.nullcontext()
