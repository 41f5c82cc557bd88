"""Bring your own model: fitted scikit-learn estimators and ONNX graphs become sensorflow's own
model stages (their learned arrays filled in), so the C / MicroPython export, HIL and artifacts
work on them unchanged; and sensorflow stages export back to ONNX. Each module imports its
third-party package (scikit-learn, onnx) only when called."""
