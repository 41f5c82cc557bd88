"""``sensorflow tune``: budget-aware pipeline search on Dask (issue 26).

Modules: ``space`` (search space and family table), ``objective`` (one trial on a worker),
``budget`` (budgets and cost estimates), ``cluster`` (Dask client), ``runner`` (Optuna
ask/tell driver), ``report`` (Pareto front and files), ``measure`` (emulated-board
measurement), ``featurise`` (features by recording chunks on Dask), ``benchmark``."""
