"""Progress on stderr for steps longer than a few seconds: rich progress bars (counted tasks,
neural-net epochs, and a pulsing bar with the elapsed time for steps without a count).
Nothing is drawn when stderr is not a terminal, with ``--json`` or with ``-q``."""

from __future__ import annotations

import contextlib
import sys


@contextlib.contextmanager
def progress_bar(enabled: bool = True):
    """A rich progress bar on stderr (nothing when stderr is not a terminal)."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),  # "3/10", or "0/?" for a step without a count
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        yield bar


def epochs_on(bar, label: str = "network"):
    """Within this block, each neural-network epoch (``sensorflow.nn.conv1d``) advances a task
    of ``bar``; every network trained (a CV fold, a distillation teacher) restarts it."""
    if bar is None:
        return contextlib.nullcontext()
    from .nn.conv1d import reporting_epochs

    state = {"task": None, "runs": 0}

    def listener(epoch: int, n_epochs: int, loss: float) -> None:
        if epoch == 0:
            state["runs"] += 1
            description = f"{label} {state['runs']}: epochs"
            if state["task"] is None:
                state["task"] = bar.add_task(description, total=n_epochs)
            else:
                bar.reset(state["task"], total=n_epochs, description=description)
        bar.update(state["task"], completed=epoch + 1)

    return reporting_epochs(listener)


@contextlib.contextmanager
def step(bar, description: str):
    """An indeterminate task (a pulsing bar with the elapsed time) while a step without a count runs."""
    task = bar.add_task(description, total=None) if bar is not None else None
    try:
        yield
    finally:
        if task is not None:
            bar.update(task, total=1, completed=1)
