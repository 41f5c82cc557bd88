"""The fixed-point front end the C and MicroPython fixed-point tests export: stats with every
function that has a fixed-point path and band_energy, both with ``q15_scale`` per channel, on
two channels, 100-sample windows."""

from __future__ import annotations

SCALES = [2**-9, 2**-4]
STATS = ["mean", "std", "var", "rms", "min", "max", "ptp", "abs_mean", "zero_crossing_rate", "energy"]


def fixed_point_config(name: str, *more_stages: dict) -> dict:
    """Pipeline config: the fixed-point stats and band_energy, then ``more_stages``."""
    return {
        "name": name,
        "sensor": {"kind": "imu", "sample_rate": 10, "channels": ["a", "b"]},
        "window": {"length": 100, "hop": 100},
        "stages": [
            {"type": "stats", "functions": STATS, "q15_scale": SCALES},
            {"type": "band_energy", "n_bands": 4, "n_fft": 64, "hop_length": 36, "q15_scale": SCALES},
            *more_stages,
        ],
    }
