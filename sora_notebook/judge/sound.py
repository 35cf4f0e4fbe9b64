"""Sound metrics of a decoded clip: loudness (ITU-R BS.1770 via pyloudnorm) and silence."""

from __future__ import annotations

import math

import numpy as np

from sora_notebook.judge._clip import Clip

__all__ = ["LOUDNESS_FLOOR", "MEASURES", "SILENCE_DBFS", "loudness", "silence"]

Measured = tuple[float, list[float]]
#: What silence (or no sound track, or a clip too short to gate) measures, in LUFS:
#: a finite floor, so numbers stay comparable and JSON-safe.
LOUDNESS_FLOOR = -70.0
#: A 100 ms window quieter than this (RMS, dBFS) counts as silent.
SILENCE_DBFS = -60.0
_WINDOW = 0.1


def _windows(clip: Clip) -> np.ndarray:
    """RMS level (dBFS, floored at -120) of each 100 ms window."""
    n = int(clip.sample_rate * _WINDOW)
    if n == 0 or clip.audio.size < n:
        return np.zeros(0)
    blocks = clip.audio[: clip.audio.size // n * n].reshape(-1, n).astype(np.float64)
    rms = np.sqrt((blocks**2).mean(axis=1))
    return np.asarray(20 * np.log10(np.maximum(rms, 1e-6)))


def loudness(clip: Clip) -> Measured:
    """Integrated loudness in LUFS (BS.1770, gated), from -70 (the floor: silence or no
    sound) up to 0; speech and music are usually mastered around -23 to -14. The curve
    is each 100 ms window's RMS level in dBFS (floored at -70)."""
    curve = [round(max(LOUDNESS_FLOOR, float(v)), 3) for v in _windows(clip)]
    if clip.audio.size < clip.sample_rate * 0.4 or not np.any(clip.audio):
        return LOUDNESS_FLOOR, curve
    import pyloudnorm

    value = pyloudnorm.Meter(clip.sample_rate).integrated_loudness(clip.audio.astype(np.float64))
    if not math.isfinite(value):
        return LOUDNESS_FLOOR, curve
    return max(LOUDNESS_FLOOR, float(value)), curve


def silence(clip: Clip) -> Measured:
    """The fraction of the clip's 100 ms windows quieter than -60 dBFS, 0-1 (1: silent or
    no sound track). The curve is 1 for a silent window, else 0."""
    levels = _windows(clip)
    if levels.size == 0:
        return 1.0, []
    quiet = levels < SILENCE_DBFS
    return float(quiet.mean()), [float(q) for q in quiet]


#: The sound metrics `measure` computes, named by their functions.
MEASURES = (loudness, silence)
