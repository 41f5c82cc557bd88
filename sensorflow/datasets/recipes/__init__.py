"""Dataset recipes: data built (or read from a published layout) for the demo pipelines.

``dataset: {loader: recipe, name: X, options: {...}}`` calls ``X.load(config, options)``:
``wakeword`` (speech synthesised with espeak-ng/flite), ``vibration`` (bearing vibration
simulated from its geometry) and ``cwru`` (the CWRU bearing .mat files, for users who have them).
"""
