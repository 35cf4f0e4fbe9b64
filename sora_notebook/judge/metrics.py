"""`measure(path)`: named numbers about one saved clip, with a per-frame curve for each.

Media in, numbers out: this module reads files and knows nothing of the studio. What each
metric means, its unit and range are in `METRICS` (and each function's docstring).
Learned scorers (CLIP score, VBench dimensions, a reward model) plug in as callables:

```python
def clip_score(clip):            # clip: sora_notebook.judge.Clip
    return my_model.score(clip.frames, prompt)   # a float, or {name: float}

metrics = measure("video.mp4", scorers=[clip_score])   # metrics["clip_score"]
```
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Union

from sora_notebook.errors import SoraNotebookError

if TYPE_CHECKING:
    from sora_notebook.judge._clip import Clip

__all__ = [
    "METRICS",
    "VERSION",
    "Metrics",
    "Scorer",
    "difference",
    "measure",
    "run_scorers",
    "scorer_name",
]

#: Bump when a metric's definition changes, so cached numbers are recomputed.
VERSION = 1
# A string forward reference: Clip (PyAV, numpy) loads only when measuring.
Scorer = Callable[["Clip"], Union[float, Mapping[str, float]]]  # noqa: UP007

#: name -> (unit, range, what it says)
METRICS: dict[str, tuple[str, str, str]] = {
    "brightness": ("luma", "0-1", "mean BT.601 luma"),
    "contrast": ("luma", "0-0.5", "RMS contrast (std of luma)"),
    "colorfulness": ("M", "0-~150", "Hasler-Süsstrunk colourfulness (0 grey, 59 quite)"),
    "sharpness": ("var x1000", "0-", "variance of the Laplacian of luma at 160 px wide"),
    "motion": ("luma", "0-1", "mean absolute luma change between frames"),
    "flicker": ("luma", "0-1", "mean absolute change of frame brightness between frames"),
    "scene_cuts": ("count", "0-", "hard cuts (luma histogram jumps)"),
    "loudness": ("LUFS", "-70-0", "integrated loudness, BS.1770; -70 is silence"),
    "silence": ("fraction", "0-1", "share of 100 ms windows below -60 dBFS"),
    "seconds": ("s", "0-", "duration"),
    "similarity_to_parent": ("SSIM", "0-1", "mean SSIM against the parent's aligned frames"),
}


class Metrics(Mapping[str, float]):
    """Named floats (a read-only mapping) with `curves`: name -> per-frame values (per
    100 ms window for the sound metrics)."""

    def __init__(
        self, values: Mapping[str, float], curves: Mapping[str, list[float]] | None = None
    ) -> None:
        self._values = {k: float(v) for k, v in values.items()}
        self.curves: dict[str, list[float]] = {k: list(v) for k, v in (curves or {}).items()}

    def __getitem__(self, name: str) -> float:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v:.4g}" for k, v in self._values.items())
        return f"Metrics({inner})"

    def to_dict(self) -> dict[str, object]:
        return {"values": dict(self._values), "curves": self.curves}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Metrics:
        values = data.get("values", {})
        curves = data.get("curves", {})
        if not isinstance(values, Mapping) or not isinstance(curves, Mapping):
            raise SoraNotebookError("Stored metrics are not in the expected shape.")
        return cls(values, curves)

    def merged(self, other: Mapping[str, float]) -> Metrics:
        curves = {**self.curves, **getattr(other, "curves", {})}
        return Metrics({**self._values, **other}, curves)


def scorer_name(scorer: Scorer) -> str:
    """A scorer's metric name: its `name` attribute, else its function or class name."""
    name = getattr(scorer, "name", None) or getattr(scorer, "__name__", None)
    return str(name or type(scorer).__name__)


def run_scorers(clip: Clip, scorers: Iterable[Scorer]) -> dict[str, float]:
    """Each scorer's number(s) for `clip`, by name; finite or an error naming the scorer."""
    out: dict[str, float] = {}
    for scorer in scorers:
        result = scorer(clip)
        named = result if isinstance(result, Mapping) else {scorer_name(scorer): result}
        for key, value in named.items():
            number = float(value)
            if not math.isfinite(number):
                raise SoraNotebookError(f"Scorer {scorer_name(scorer)!r} gave {value!r} for {key}.")
            out[str(key)] = number
    return out


def _require() -> None:
    """A clear error when the optional `judge` extra is not installed."""
    import importlib.util

    missing = [m for m in ("skimage", "pyloudnorm") if importlib.util.find_spec(m) is None]
    if missing:
        raise SoraNotebookError(
            f"Metrics need {', '.join(missing)}: pip install 'sora-notebook[judge]'."
        )


def measure(
    path: str | os.PathLike[str],
    *,
    parent: str | os.PathLike[str] | None = None,
    scorers: Iterable[Scorer] = (),
) -> Metrics:
    """Every metric of the clip at `path`; with `parent` (its parent's clip) also
    `similarity_to_parent`; plus what each scorer returns. Blocking: call it off the
    event loop (the studio does)."""
    _require()
    from sora_notebook.judge import picture, sound  # the media libraries load on first use
    from sora_notebook.judge._clip import load_clip

    clip = load_clip(path)
    values: dict[str, float] = {"seconds": clip.seconds}
    curves: dict[str, list[float]] = {}
    for fn in (*picture.MEASURES, *sound.MEASURES):
        values[fn.__name__], curves[fn.__name__] = fn(clip)
    if parent is not None:
        curve = picture.ssim_curve(load_clip(parent), clip)
        values["similarity_to_parent"] = sum(curve) / len(curve) if curve else 0.0
        curves["similarity_to_parent"] = curve
    values.update(run_scorers(clip, scorers))
    return Metrics(values, curves)


def difference(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> list[float]:
    """How different two clips are, frame by aligned frame: 1 - SSIM, clipped to 0-1
    (0 identical). One value per frame of the shorter clip."""
    _require()
    from sora_notebook.judge import picture
    from sora_notebook.judge._clip import load_clip

    return [min(1.0, max(0.0, 1.0 - s)) for s in picture.ssim_curve(load_clip(a), load_clip(b))]
