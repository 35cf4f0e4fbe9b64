"""`stitch(takes, dest)`: the chosen takes, one after another, as one MP4 (H.264 + AAC).

Every take is brought to one size (scaled, letterboxed where its shape differs) and one
frame rate (frames repeated or dropped by time); its sound is resampled to 48 kHz stereo
and cut or padded to its pictures' length, so sound stays in step however long the film.
An optional crossfade blends the last frames of one take into the first of the next (and
mixes their sound). Frames stream through: at most two takes are open at once and no list
of full-size frames is ever held. The file is written beside `dest` and renamed into place.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import islice
from pathlib import Path
from typing import Union

import av
import numpy as np

from sora_notebook.errors import SoraNotebookError

__all__ = [
    "MAX_CROSSFADE",
    "MAX_PIXELS",
    "MAX_TAKES",
    "MAX_TAKE_SECONDS",
    "Film",
    "StitchError",
    "Take",
    "stitch",
]

MAX_TAKES = 200
MAX_PIXELS = 3840 * 2160  # per frame, in and out
MAX_TAKE_SECONDS = 600
MAX_FPS = 120
MAX_CROSSFADE = 2.0
RATE = 48_000  # the film's sound, stereo
_CHUNK = 1024  # AAC's frame size


class StitchError(SoraNotebookError):
    """A take that cannot be stitched (no video, too large, unreadable)."""


@dataclass(frozen=True)
class Film:
    """What `stitch` wrote: `joins` are the times (s) at which each take after the first
    starts (the start of its crossfade)."""

    path: Path
    width: int
    height: int
    fps: Fraction
    frames: int
    seconds: float
    joins: tuple[float, ...]
    sound: bool


@dataclass(frozen=True)
class _Take:
    path: Path
    width: int
    height: int
    fps: Fraction
    seconds: float  # from `start` on
    sound: bool
    start: float = 0.0


#: a path, or (path, start): the take from `start` seconds on (an extension's new part)
Take = Union[str, os.PathLike[str], tuple[Union[str, os.PathLike[str]], float]]  # noqa: UP007


def stitch(
    takes: Sequence[Take],
    dest: str | os.PathLike[str],
    *,
    size: str | tuple[int, int] | None = None,
    fps: float | Fraction | None = None,
    crossfade: float = 0.0,
    preset: str = "veryfast",
    crf: int = 20,
) -> Film:
    """Stitch `takes` (paths or (path, start seconds), in order) into `dest`. `size`
    ("1280x720") and `fps` default to the first take's; `crossfade` in seconds (0 to 2,
    under half of every take)."""
    if not takes:
        raise StitchError("Give at least one take to stitch.")
    if len(takes) > MAX_TAKES:
        raise StitchError(f"{len(takes)} takes; a film stitches at most {MAX_TAKES}.")
    probed = [
        _probe(*((Path(t[0]), float(t[1])) if isinstance(t, tuple) else (Path(t), 0.0)))
        for t in takes
    ]
    width, height = _size(size) if size is not None else (probed[0].width, probed[0].height)
    rate = Fraction(fps).limit_denominator(1001) if fps is not None else probed[0].fps
    if not 1 <= rate <= MAX_FPS:
        raise StitchError(f"fps must be from 1 to {MAX_FPS}, got {float(rate):g}")
    if not 0 <= crossfade <= MAX_CROSSFADE:
        raise StitchError(f"crossfade must be from 0 to {MAX_CROSSFADE} s, got {crossfade}")
    counts = [max(1, round(t.seconds * rate)) for t in probed]
    fade = round(crossfade * rate) if len(probed) > 1 else 0
    short = [str(t.path) for t, n in zip(probed, counts, strict=True) if n <= 2 * fade]
    if short:
        raise StitchError(f"The crossfade is over half of {', '.join(short)}; make it shorter.")
    starts = [sum(counts[:i]) - i * fade for i in range(len(counts))]
    total = starts[-1] + counts[-1]
    sound = any(t.sound for t in probed)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent)
    os.close(fd)
    try:
        _write(Path(name), probed, counts, starts, (width, height), rate, fade, sound, preset, crf)
        os.replace(name, dest)
    finally:
        if os.path.exists(name):
            os.unlink(name)
    return Film(
        path=dest,
        width=width,
        height=height,
        fps=rate,
        frames=total,
        seconds=float(total / rate),
        joins=tuple(float(s / rate) for s in starts[1:]),
        sound=sound,
    )


def _size(size: str | tuple[int, int]) -> tuple[int, int]:
    if isinstance(size, str):
        m = re.fullmatch(r"([1-9]\d{1,4})x([1-9]\d{1,4})", size)
        if not m:
            raise StitchError(f"size must be WIDTHxHEIGHT such as 1280x720, got {size!r}")
        size = (int(m.group(1)), int(m.group(2)))
    w, h = size
    if w % 2 or h % 2 or w * h > MAX_PIXELS or min(w, h) < 16:
        raise StitchError(f"size must be even, 16 px or more and at most 3840x2160; got {w}x{h}")
    return w, h


def _probe(path: Path, start: float = 0.0) -> _Take:
    try:
        with av.open(str(path)) as box:
            video = next((s for s in box.streams if s.type == "video"), None)
            if video is None:
                raise StitchError(f"{path} has no pictures.")
            w, h = video.codec_context.width, video.codec_context.height
            if not w or not h or w * h > MAX_PIXELS:
                raise StitchError(f"{path} is {w}x{h}; takes are at most 3840x2160.")
            rate = Fraction(video.average_rate or video.guessed_rate or 24)
            if video.duration is not None and video.time_base is not None:
                seconds = float(video.duration * video.time_base)
            else:
                seconds = (box.duration or 0) / 1_000_000
            if not 0 < seconds <= MAX_TAKE_SECONDS:
                raise StitchError(f"{path} lasts {seconds:.1f} s; takes last up to 600 s.")
            if not 0 <= start < seconds:
                raise StitchError(f"{path} lasts {seconds:.1f} s; it cannot start at {start} s.")
            sound = any(s.type == "audio" for s in box.streams)
            rate = rate.limit_denominator(1001)
            return _Take(path, w, h, rate, seconds - start, sound, start)
    except (av.FFmpegError, OSError) as exc:
        raise StitchError(f"{path} cannot be read as a video: {exc}") from None


def _write(
    tmp: Path,
    takes: list[_Take],
    counts: list[int],
    starts: list[int],
    size: tuple[int, int],
    rate: Fraction,
    fade: int,
    sound: bool,
    preset: str,
    crf: int,
) -> None:
    with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        video = out.add_stream(
            "libx264",
            rate=rate,
            options={"preset": preset, "crf": str(crf), "g": str(max(1, round(rate)))},
        )
        video.width, video.height = size
        video.pix_fmt = "yuv420p"
        mixer = _Mixer(out) if sound else None
        added = 0
        frames = _film(takes, counts, size, rate, fade)
        for j, pic in enumerate(frames):
            while mixer and added < len(takes) and starts[added] <= j:
                samples = _take_sound(
                    takes[added],
                    _at(starts[added] + counts[added], rate) - _at(starts[added], rate),
                )
                fade_in = _at(fade, rate) if added else 0
                fade_out = _at(fade, rate) if added < len(takes) - 1 else 0
                mixer.add(_ramped(samples, fade_in, fade_out), _at(starts[added], rate))
                added += 1
            frame = av.VideoFrame.from_ndarray(pic, format="yuv420p")
            frame.pts, frame.time_base = j, 1 / rate
            out.mux(video.encode(frame))
            if mixer:
                limit = _at(starts[added], rate) if added < len(takes) else None
                upto = _at(j + 1, rate)
                mixer.flush(upto if limit is None else min(upto, limit))
        out.mux(video.encode(None))
        if mixer:
            mixer.close()


def _at(frame: int, rate: Fraction) -> int:
    """The film's sample at which video frame `frame` starts."""
    return round(frame * RATE / rate)


def _film(
    takes: list[_Take], counts: list[int], size: tuple[int, int], rate: Fraction, fade: int
) -> Iterator[np.ndarray]:
    """The film's frames (yuv420p arrays), takes in order, crossfaded over `fade` frames."""
    tail: Iterator[np.ndarray] | None = None
    for i, (take, count) in enumerate(zip(takes, counts, strict=True)):
        frames = _frames(take, count, size, rate)
        if tail is not None:
            for m, a in enumerate(tail):
                b = next(frames)
                w = (m + 1) / (fade + 1)
                yield (a * (1 - w) + b * w + 0.5).astype(np.uint8)
        body = count - (fade if i else 0) - (fade if i < len(takes) - 1 else 0)
        yield from islice(frames, body)
        tail = frames
    if tail is not None:
        yield from tail


def _frames(take: _Take, count: int, size: tuple[int, int], rate: Fraction) -> Iterator[np.ndarray]:
    """Exactly `count` frames of `take` at `size` and `rate`: each output frame shows the
    picture on screen at its time (repeating the last one if the take runs short)."""
    decoded, limit = 0, int(MAX_TAKE_SECONDS * MAX_FPS)
    current: np.ndarray | None = None
    held: av.VideoFrame | None = None
    j = 0
    try:
        with av.open(str(take.path)) as box:
            stream = box.streams.video[0]
            stream.thread_type = "AUTO"
            for frame in box.decode(stream):
                decoded += 1
                if decoded > limit or frame.width * frame.height > MAX_PIXELS:
                    raise StitchError(f"{take.path}: over {limit} frames, or over 3840x2160.")
                t = frame.time if frame.time is not None else (decoded - 1) / float(take.fps)
                t -= take.start  # frames before the start are held, never shown
                while held is not None and j < count and j / rate < t - 1e-6:
                    if current is None:
                        current = _fit(held, size)
                    yield current
                    j += 1
                if j >= count:
                    return
                held, current = frame, None
    except av.FFmpegError as exc:
        raise StitchError(f"{take.path} stopped decoding: {exc}") from None
    if held is None:
        raise StitchError(f"{take.path} has no pictures.")
    current = current if current is not None else _fit(held, size)
    for _ in range(count - j):
        yield current


def _fit(frame: av.VideoFrame, size: tuple[int, int]) -> np.ndarray:
    """`frame` as a yuv420p array at `size`: scaled, letterboxed if its shape differs."""
    w, h = size
    if frame.width * h == frame.height * w:
        return frame.reformat(width=w, height=h, format="yuv420p").to_ndarray()
    scale = min(w / frame.width, h / frame.height)
    fw, fh = max(2, int(frame.width * scale) // 2 * 2), max(2, int(frame.height * scale) // 2 * 2)
    inner = frame.reformat(width=fw, height=fh, format="yuv420p").to_ndarray()
    y, u, v = _planes(inner, fw, fh)
    canvas = [np.full((h, w), 16, np.uint8), np.full((h // 2, w // 2), 128, np.uint8)]
    canvas.append(canvas[1].copy())
    top, left = (h - fh) // 4 * 2, (w - fw) // 4 * 2
    canvas[0][top : top + fh, left : left + fw] = y
    for plane, src in zip(canvas[1:], (u, v), strict=True):
        plane[top // 2 : (top + fh) // 2, left // 2 : (left + fw) // 2] = src
    return np.concatenate([canvas[0].ravel(), canvas[1].ravel(), canvas[2].ravel()]).reshape(
        h * 3 // 2, w
    )


def _planes(arr: np.ndarray, w: int, h: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    flat = arr.ravel()
    q = (w // 2) * (h // 2)
    return (
        flat[: w * h].reshape(h, w),
        flat[w * h : w * h + q].reshape(h // 2, w // 2),
        flat[w * h + q : w * h + 2 * q].reshape(h // 2, w // 2),
    )


def _take_sound(take: _Take, count: int) -> np.ndarray:
    """`count` samples (2, count) float32 of the take's sound at 48 kHz: cut, or padded
    with silence, to its pictures' length."""
    out = np.zeros((2, count), np.float32)
    if not take.sound:
        return out
    filled, skip = 0, round(take.start * RATE)
    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=RATE)
    try:
        with av.open(str(take.path)) as box:
            for frame in box.decode(box.streams.audio[0]):
                for chunk in resampler.resample(frame):
                    block = chunk.to_ndarray()
                    if skip:
                        block, skip = block[:, skip:], max(0, skip - block.shape[1])
                    block = block[:, : count - filled]
                    out[:, filled : filled + block.shape[1]] = block
                    filled += block.shape[1]
                if filled >= count:
                    break
    except av.FFmpegError as exc:
        raise StitchError(f"{take.path}: its sound stopped decoding: {exc}") from None
    return out


def _ramped(samples: np.ndarray, fade_in: int, fade_out: int) -> np.ndarray:
    n = samples.shape[1]
    if fade_in:
        samples[:, :fade_in] *= np.linspace(0, 1, min(fade_in, n), dtype=np.float32)
    if fade_out:
        samples[:, n - fade_out :] *= np.linspace(1, 0, min(fade_out, n), dtype=np.float32)
    return samples


class _Mixer:
    """The film's sound: takes mixed in at their sample, encoded in order up to a point."""

    def __init__(self, out: av.container.OutputContainer) -> None:
        self.out = out
        self.stream = out.add_stream("aac", rate=RATE)
        self.stream.layout = "stereo"
        self.buffer = np.zeros((2, 0), np.float32)
        self.base = 0  # the film sample buffer[0] is

    def add(self, samples: np.ndarray, at: int) -> None:
        end = at - self.base + samples.shape[1]
        if end > self.buffer.shape[1]:
            grown = np.zeros((2, end), np.float32)
            grown[:, : self.buffer.shape[1]] = self.buffer
            self.buffer = grown
        self.buffer[:, at - self.base : end] += samples

    def flush(self, upto: int, *, last: bool = False) -> None:
        while self.base + _CHUNK <= upto or (last and self.buffer.shape[1]):
            block = np.ascontiguousarray(self.buffer[:, :_CHUNK])
            frame = av.AudioFrame.from_ndarray(block, format="fltp", layout="stereo")
            frame.sample_rate, frame.pts, frame.time_base = RATE, self.base, Fraction(1, RATE)
            self.out.mux(self.stream.encode(frame))
            self.buffer = self.buffer[:, _CHUNK:]
            self.base += block.shape[1]

    def close(self) -> None:
        self.flush(0, last=True)
        self.out.mux(self.stream.encode(None))
