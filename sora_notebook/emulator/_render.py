"""Pixels and sound: the only module that imports the media libraries (house rule 8).

`render(spec, out_dir, reference=...)` writes `video.mp4` (H.264 + AAC, 24 fps, moov first),
`thumbnail.webp` and `spritesheet.jpg` into `out_dir`. Frames come from `_paint` (the
`Look` of each segment's prompt), sound from `_sound`; "draft" mode draws one picture per
second and encodes with the fastest preset. The output is bit-identical for identical inputs.
"""

from __future__ import annotations

import io
import math
import os
import tempfile
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from sora_notebook.emulator._paint import Painter
from sora_notebook.emulator._sound import SAMPLE_RATES, soundtrack
from sora_notebook.emulator._yuv import Band, Frame
from sora_notebook.emulator.look import RenderSpec, look_for

__all__ = ["GRADES", "decode_image", "probe_video", "render"]

_FILES = ("video.mp4", "thumbnail.webp", "spritesheet.jpg")


def decode_image(data: bytes) -> tuple[int, int]:
    """(width, height) of an uploaded image; ValueError when it is not an image."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.verify()
            width, height = im.size
            return int(width), int(height)
    except Exception as exc:  # PIL raises many types for junk input
        raise ValueError("The input_reference is not a readable JPEG, PNG or WebP image.") from exc


def probe_video(data: bytes) -> tuple[int, int, int, bytes]:
    """(width, height, whole seconds, first frame as PNG) of an uploaded video."""
    try:
        with av.open(io.BytesIO(data)) as container:
            stream = container.streams.video[0]
            first = next(container.decode(stream)).to_image()
            duration = float(container.duration or 0) / av.time_base
    except Exception as exc:
        raise ValueError("The uploaded video could not be decoded.") from exc
    buf = io.BytesIO()
    first.save(buf, format="PNG")
    return first.width, first.height, max(1, round(duration)), buf.getvalue()


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _text_band(text: str, width: int, height: int) -> np.ndarray:
    """A white-on-black caption strip (uint8 RGB), text wrapped to at most two lines."""
    img = Image.new("RGB", (width, height), (0, 0, 0))
    draw = ImageDraw.Draw(img)
    size = max(10, height // 3)
    font = _font(size)
    words, lines, line = text.split(), [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=font) > width - 2 * size and line:
            lines.append(line)
            line = word
            if len(lines) == 2:
                break
        else:
            line = trial
    if len(lines) < 2 and line:
        lines.append(line)
    if len(lines) == 2 and len(" ".join(lines)) < len(" ".join(words)):
        lines[1] = lines[1][: max(0, len(lines[1]) - 1)] + "…"
    for i, ln in enumerate(lines[:2]):
        draw.text((size, size // 3 + i * int(size * 1.2)), ln, fill=(255, 255, 255), font=font)
    return np.asarray(img)


def _mark(width: int, height: int, text: str = "EMULATED") -> np.ndarray:
    """The visible mark, yellow on a dark box, so nobody mistakes it for real output."""
    size = max(12, min(width, height) // 22)
    font = _font(size)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    box_w = min(width - 20, int(probe.textlength(text, font=font)) + size)
    img = Image.new("RGB", (box_w, int(size * 1.6)), (0, 0, 0))
    ImageDraw.Draw(img).text((size // 2, size // 4), text, fill=(255, 220, 0), font=font)
    return np.asarray(img)


#: Colour grades (a model's look), applied to the limited-range YUV planes after painting:
#: (luma contrast around mid-grey, luma lift, blue-difference shift, red-difference shift,
#: chroma saturation).
GRADES: dict[str, tuple[float, int, int, int, float]] = {
    "plain": (1.0, 0, 0, 0, 1.0),
    "warm": (1.0, 6, -14, 12, 1.1),
    "cool": (0.95, -4, 14, -10, 0.9),
    "noir": (1.35, -8, 0, 0, 0.25),
}


def _grade_tables(grade: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Lookup tables (Y, U, V) for a grade; None for the plain look."""
    contrast, lift, du, dv, sat = GRADES[grade]
    if grade == "plain":
        return None
    v = np.arange(256, dtype=np.float64)
    y = np.clip((v - 126) * contrast + 126 + lift, 16, 235)
    u = np.clip((v - 128) * sat + 128 + du, 16, 240)
    r = np.clip((v - 128) * sat + 128 + dv, 16, 240)
    return y.astype(np.uint8), u.astype(np.uint8), r.astype(np.uint8)


def _frames(spec: RenderSpec, ref: np.ndarray | None) -> Iterator[np.ndarray]:
    """Yield each frame of the clip as a yuv420p array (a reused buffer: copy to keep)."""
    frame = Frame(spec.width, spec.height)
    mark = Band(
        _mark(spec.width, spec.height, "EMULATED" + (" · draft" if spec.mode == "draft" else "")),
        opaque=True,
    )
    tables = _grade_tables(spec.grade)
    offset, view = 0, None
    for i, seg in enumerate(spec.segments):
        look = look_for(seg.look_prompt, seg.prompt, spec.seed)
        caption = None
        if spec.caption:
            caption = Band(_text_band(seg.prompt, spec.width, max(24, spec.height // 12)))
        # The reference image is the first frame; later segments continue the motion.
        first_ref = ref if i == 0 else None
        t0 = 0.0 if first_ref is not None else float(offset)
        painter = Painter(spec.width, spec.height, look, first_ref, view)
        step = spec.fps if spec.mode == "draft" else 1  # a draft draws one picture a second
        for k in range(seg.seconds * spec.fps):
            if k % step == 0:
                painter.paint(frame, t0 + k / spec.fps, t0)
                if tables is not None:
                    for plane, table in zip(frame.planes(), tables, strict=True):
                        np.take(table, plane, out=plane)
                if caption is not None:
                    caption.draw(frame, 0, spec.height - caption.planes[0].shape[0] - 10)
                mark.draw(frame, 10, 10)
            yield frame.array
        view = painter.end(t0 + seg.seconds, t0)
        offset += seg.seconds


def render(spec: RenderSpec, out_dir: Path, *, reference: bytes | None = None) -> None:
    """Render `spec` into `out_dir` (created; written via a temp folder, then renamed)."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".render-", dir=out_dir.parent))
    try:
        ref = None
        if reference is not None:
            with Image.open(io.BytesIO(reference)) as im:
                ref = np.array(im.convert("RGB").resize((spec.width, spec.height)))
        thumbs = _encode(spec, ref, tmp / "video.mp4")
        _still_images(spec, thumbs, tmp)
        try:
            os.replace(tmp, out_dir)
        except OSError:
            if not all((out_dir / f).exists() for f in _FILES):
                raise
    finally:
        if tmp.exists():
            for f in tmp.iterdir():
                f.unlink()
            tmp.rmdir()


#: mode -> x264 preset and crf. ultrafast keeps full renders above 4x real time at 720p on
#: 2 cores (superfast: about 2x slower to encode for 30% smaller files).
_X264 = {"full": ("ultrafast", "22"), "draft": ("ultrafast", "30")}


def _tile_frames(spec: RenderSpec) -> list[int]:
    """Spritesheet frames: the middle of each second."""
    total = spec.seconds * spec.fps
    return [min(total - 1, s * spec.fps + spec.fps // 2) for s in range(spec.seconds)]


def _encode(spec: RenderSpec, ref: np.ndarray | None, path: Path) -> dict[int, np.ndarray]:
    """Encode the clip; return the frames (RGB) kept for the thumbnail and spritesheet."""
    fps = spec.fps
    total = spec.seconds * fps
    keep = {total // 2, *_tile_frames(spec)}
    kept: dict[int, np.ndarray] = {}
    preset, crf = _X264[spec.mode]
    samples, rate = soundtrack(spec), SAMPLE_RATES[spec.mode]
    chunk, next_sample = 1024, 0
    with av.open(str(path), mode="w", format="mp4", options={"movflags": "+faststart"}) as out:
        video = out.add_stream(
            "libx264",
            rate=fps,
            options={
                "preset": preset,
                "crf": crf,
                # Fixed per mode: x264's output depends on its thread count. Draft renders
                # are cheap and often run side by side, so one thread each.
                "threads": "1" if spec.mode == "draft" else "2",
                "g": str(fps),
                "keyint_min": str(fps),
                "sc_threshold": "0",
            },
        )
        video.width, video.height = spec.width, spec.height
        video.pix_fmt = "yuv420p"
        video.codec_context.flags |= av.codec.context.Flags.bitexact
        audio = out.add_stream("aac", rate=rate)
        audio.layout = "mono"
        audio.codec_context.flags |= av.codec.context.Flags.bitexact
        for n, pic in enumerate(_frames(spec, ref)):
            frame = av.VideoFrame.from_ndarray(pic, format="yuv420p")
            if n in keep:
                kept[n] = frame.to_ndarray(format="rgb24")
            frame.pts = n
            frame.time_base = Fraction(1, fps)
            out.mux(video.encode(frame))
            # Interleave the soundtrack up to this frame's time.
            upto = min(len(samples), (n + 1) * rate // fps)
            while next_sample + chunk <= upto or (upto == len(samples) and next_sample < upto):
                out.mux(audio.encode(_audio_frame(samples, next_sample, chunk, rate)))
                next_sample += chunk
        out.mux(video.encode(None))
        out.mux(audio.encode(None))
    return kept


def _audio_frame(samples: np.ndarray, start: int, chunk: int, rate: int) -> av.AudioFrame:
    block = samples[start : start + chunk]
    frame = av.AudioFrame.from_ndarray(
        np.ascontiguousarray(block[None, :]), format="fltp", layout="mono"
    )
    frame.sample_rate = rate
    frame.pts = start
    frame.time_base = Fraction(1, rate)
    return frame


def _still_images(spec: RenderSpec, kept: dict[int, np.ndarray], folder: Path) -> None:
    """thumbnail.webp (the middle frame) and spritesheet.jpg (one tile per second)."""
    total = spec.seconds * spec.fps
    Image.fromarray(kept[total // 2]).save(
        folder / "thumbnail.webp",
        format="WEBP",
        quality=80,
        method=0 if spec.mode == "draft" else 4,
    )
    tiles = [kept[k] for k in _tile_frames(spec)]
    tw = 160
    th = max(2, round(tw * spec.height / spec.width))
    cols = min(len(tiles), 5)
    rows = math.ceil(len(tiles) / cols)
    sheet = Image.new("RGB", (cols * tw, rows * th), (0, 0, 0))
    for i, arr in enumerate(tiles):
        tile = Image.fromarray(arr).resize((tw, th), Image.Resampling.BILINEAR)
        sheet.paste(tile, ((i % cols) * tw, (i // cols) * th))
    sheet.save(folder / "spritesheet.jpg", format="JPEG", quality=80)
