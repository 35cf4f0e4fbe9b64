"""The soundtrack: what the scene sounds like (rain, waves, wind, traffic, silence) or a
little pentatonic tune from the prompt. Mono float32, numpy only, deterministic."""

from __future__ import annotations

import numpy as np

from sora_notebook.emulator.look import Look, RenderSpec, look_for

__all__ = ["SAMPLE_RATES", "soundtrack"]

#: Soundtrack sample rate by mode (a draft halves the AAC encoder's work).
SAMPLE_RATES = {"full": 48_000, "draft": 24_000}


def _smooth(x: np.ndarray, n: int) -> np.ndarray:
    """A moving average of n samples (a cheap low-pass filter)."""
    c = np.cumsum(np.concatenate([np.zeros(n, x.dtype), x]))
    return np.asarray((c[n:] - c[:-n]) / n)


def _tune(look: Look, n: int, rate: int) -> np.ndarray:
    note_len = int(rate * 0.5 / max(look.tempo, 0.5))
    t = np.arange(n, dtype=np.float64)
    idx = (t // note_len).astype(np.int64) % len(look.notes)
    freq = 220.0 * np.power(2.0, np.asarray(look.notes, dtype=np.float64)[idx] / 12.0)
    phase = np.cumsum(2 * np.pi * freq / rate)
    env = np.exp(-3.0 * (t % note_len) / note_len)
    return 0.2 * np.sin(phase) * env


def _ambience(look: Look, n: int, rate: int, start: int) -> np.ndarray:
    rng = np.random.default_rng(look.layout)
    noise = rng.standard_normal(n)
    t = (np.arange(n, dtype=np.float64) + start) / rate
    if look.sound == "rain":
        hiss = noise - _smooth(noise, 8)  # bright, steady
        return np.asarray(0.12 * hiss)
    if look.sound == "waves":
        swell = 0.5 + 0.5 * np.sin(2 * np.pi * t / 5.0) ** 2
        return 0.25 * _smooth(noise, 24) * swell * 3
    if look.sound == "wind":
        gust = 0.6 + 0.4 * np.sin(2 * np.pi * t / 3.7) * np.sin(2 * np.pi * t / 1.3)
        return 0.3 * _smooth(noise, 64) * gust * 4
    # traffic: an engine hum, rumble, and a passing horn now and then
    hum = 0.08 * np.sin(2 * np.pi * 55 * t) + 0.3 * _smooth(noise, 48) * 2
    horn = (np.sin(2 * np.pi * t / 4.0) > 0.97) * 0.08 * np.sign(np.sin(2 * np.pi * 400 * t))
    return hum + horn


def soundtrack(spec: RenderSpec) -> np.ndarray:
    """Mono float32 samples for the whole clip, one stretch per segment."""
    rate = SAMPLE_RATES[spec.mode]
    parts, start = [], 0
    for seg in spec.segments:
        look = look_for(seg.look_prompt, seg.prompt, spec.seed)
        n = seg.seconds * rate
        if look.sound == "silence":
            part = np.zeros(n)
        elif look.sound == "music":
            part = _tune(look, n, rate)
        else:
            part = _ambience(look, n, rate, start) + 0.25 * _tune(look, n, rate)
        parts.append(np.clip(part, -0.9, 0.9).astype(np.float32))
        start += n
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
