"""One self-contained HTML page per trained pipeline (``sensorflow report``, every demo):
pipeline diagram, data summary, metrics and confusion matrix, per-class scores, feature plots,
a spectrogram for audio, per-stage flash/RAM/operation bars for each exported board, HIL
results and the benchmark rows that name the pipeline. Figures are PNGs inlined as data URIs,
so the page opens from anywhere (mail, CI artifact, a wheel install) with no other file."""

from .build import ReportInputs, write_report

__all__ = ["ReportInputs", "write_report"]
