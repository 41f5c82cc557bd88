"""Shared numpy DSP helpers used by the feature stages and, through them, by the code
generators: windows, mel filterbank, DCT matrix, framing and frame-by-frame spectra.

Each helper follows a named outside convention (scipy.signal.get_window, librosa.filters.mel,
scipy.fft.dct, librosa.stft framing) so the constants the emitters write are exactly the
reference's constants.
"""

from . import (  # noqa: F401  (submodules used as dsp.mel.*, dsp.synth.*)
    mel,
    synth,
    windows,  # noqa: F401
)
from .dct import dct_matrix
from .mel import fft_frequencies, hz_to_mel, mel_filterbank, mel_frequencies, mel_to_hz
from .stft import frame_signal, frame_starts, n_frames, power_spectrum
from .windows import check_window_name, window_vector

__all__ = [
    "check_window_name",
    "dct_matrix",
    "fft_frequencies",
    "frame_signal",
    "frame_starts",
    "hz_to_mel",
    "mel_filterbank",
    "mel_frequencies",
    "mel_to_hz",
    "n_frames",
    "power_spectrum",
    "window_vector",
]
