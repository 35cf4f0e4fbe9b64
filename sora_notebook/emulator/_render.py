"""Pixels and sound: the only module that imports the media libraries (house rule 8).

`render(spec, out_dir, reference=...)` writes `video.mp4` (H.264 + AAC, 24 fps, moov first),
`thumbnail.webp` and `spritesheet.jpg` into `out_dir`. Frames are drawn with numpy from
the `Look` of each segment's prompt; "draft" mode draws one flat picture per second and
encodes with the fastest preset. The output is bit-identical for identical inputs.
"""

from __future__ import annotations

import io
import math
import os
import tempfile
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from sora_notebook.emulator.look import Look, RenderSpec, Segment, look_for

__all__ = ["decode_image", "probe_video", "render"]

SAMPLE_RATE = 48_000
_MARGIN = 1.3  # the world canvas is this much larger than the frame, for camera moves
_FILES = ("video.mp4", "thumbnail.webp", "spritesheet.jpg")


def decode_image(data: bytes) -> tuple[int, int]:
    """(width, height) of an uploaded image; ValueError when it is not an image."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.verify()
            return im.size
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


def _mark(width: int, height: int) -> np.ndarray:
    size = max(12, min(width, height) // 22)
    font = _font(size)
    img = Image.new("RGB", (int(size * 6.2), int(size * 1.6)), (0, 0, 0))
    ImageDraw.Draw(img).text((size // 3, size // 4), "EMULATED", fill=(255, 220, 0), font=font)
    return np.asarray(img)


def _overlay(frame: np.ndarray, band: np.ndarray, x: int, y: int) -> None:
    """Darken the region to half and add half the band: readable text on any picture."""
    h, w = band.shape[:2]
    region = frame[y : y + h, x : x + w]
    band = band[: region.shape[0], : region.shape[1]]
    np.right_shift(region, 1, out=region)
    region += band >> 1


class _Painter:
    """Draws the frames of one segment in full mode."""

    def __init__(self, spec: RenderSpec, seg: Segment, look: Look, ref: np.ndarray | None):
        self.w, self.h = spec.width, spec.height
        self.look = look
        cw, ch = int(self.w * _MARGIN) // 2 * 2, int(self.h * _MARGIN) // 2 * 2
        self.cw, self.ch = cw, ch
        if ref is not None:
            px, py = (cw - self.w) // 2, (ch - self.h) // 2
            self.canvas = np.pad(
                ref, ((py, ch - self.h - py), (px, cw - self.w - px), (0, 0)), mode="reflect"
            )
        else:
            self.canvas = self._background(look, cw, ch)

    @staticmethod
    def _background(look: Look, cw: int, ch: int) -> np.ndarray:
        top, mid, bottom = (np.array(c, dtype=np.float32) for c in look.palette)
        t = np.linspace(0.0, 1.0, ch, dtype=np.float32)[:, None]
        column = np.where(
            t < 0.6,
            top * (1 - t / 0.6) + mid * (t / 0.6),
            mid * (1 - (t - 0.6) / 0.4) + bottom * ((t - 0.6) / 0.4),
        )
        canvas = np.repeat(column[:, None, :], cw, axis=1)
        # A horizon of soft hills so camera moves are visible.
        xs = np.arange(cw, dtype=np.float32)
        seed = sum(look.palette[0]) + 3 * sum(look.palette[2])
        ridge = ch * (0.62 + 0.05 * np.sin(xs / cw * 6.28 * 2 + seed) + 0.03 * np.sin(xs / 37.0))
        rows = np.arange(ch, dtype=np.float32)[:, None]
        hills = rows > ridge[None, :]
        canvas[hills] = canvas[hills] * 0.55
        return np.clip(canvas, 0, 255).astype(np.uint8)

    def frame(self, t: float) -> np.ndarray:
        cam = self.look.camera
        zoom = max(0.78, min(1.25, 1.0 + cam.zoom * t))
        vw, vh = int(self.w / zoom), int(self.h / zoom)
        vw, vh = min(vw, self.cw), min(vh, self.ch)
        cx = (self.cw - vw) / 2 + cam.pan_x * self.w * t
        cy = (self.ch - vh) / 2 + cam.pan_y * self.h * t
        x0 = int(max(0, min(self.cw - vw, cx)))
        y0 = int(max(0, min(self.ch - vh, cy)))
        view = self.canvas[y0 : y0 + vh, x0 : x0 + vw]
        if (vw, vh) != (self.w, self.h):
            img = Image.fromarray(view).resize((self.w, self.h), Image.Resampling.BILINEAR)
            out = np.array(img)
        else:
            out = view.copy()
        scale = self.w / vw
        for shape in self.look.shapes:
            self._shape(out, shape, t, x0, y0, scale)
        return out

    def _shape(self, out: np.ndarray, s, t: float, x0: int, y0: int, scale: float) -> None:
        tempo = self.look.tempo
        # World position bounces inside the canvas.
        wx = (s.x + s.vx * t * tempo) % 2.0
        wy = (s.y + s.vy * t * tempo) % 2.0
        wx = 2.0 - wx if wx > 1.0 else wx
        wy = 2.0 - wy if wy > 1.0 else wy
        px = (wx * self.cw - x0) * scale
        py = (wy * self.ch - y0) * scale
        r = s.radius * min(self.w, self.h) * (1 + 0.15 * math.sin(t * 3 * tempo + s.x * 9))
        xa, xb = int(max(0, px - r)), int(min(self.w, px + r))
        ya, yb = int(max(0, py - r)), int(min(self.h, py + r))
        if xa >= xb or ya >= yb:
            return
        region = out[ya:yb, xa:xb]
        if s.kind == "rect":
            region[:] = s.colour
            return
        yy = (np.arange(ya, yb, dtype=np.float32) - py)[:, None]
        xx = (np.arange(xa, xb, dtype=np.float32) - px)[None, :]
        region[(xx * xx + yy * yy) <= r * r] = s.colour


def _draft_picture(spec: RenderSpec, look: Look, second: int) -> np.ndarray:
    colour = look.palette[second % len(look.palette)]
    img = Image.new("RGB", (spec.width, spec.height), colour)
    bar = int(spec.width * (second + 1) / max(1, spec.seconds))
    ImageDraw.Draw(img).rectangle((0, spec.height - 8, bar, spec.height), fill=(255, 255, 255))
    return np.array(img)


def _soundtrack(spec: RenderSpec) -> np.ndarray:
    """Mono float32 samples: a little pentatonic tune per segment, from its prompt."""
    parts = []
    for seg in spec.segments:
        look = look_for(seg.look_prompt, seg.prompt)
        n = seg.seconds * SAMPLE_RATE
        note_len = int(SAMPLE_RATE * 0.5 / look.tempo)
        t = np.arange(n, dtype=np.float64)
        idx = (t // note_len).astype(np.int64) % len(look.notes)
        freq = 220.0 * np.power(2.0, np.asarray(look.notes, dtype=np.float64)[idx] / 12.0)
        phase = np.cumsum(2 * np.pi * freq / SAMPLE_RATE)
        env = np.exp(-3.0 * (t % note_len) / note_len)
        parts.append((0.2 * np.sin(phase) * env).astype(np.float32))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def _frames(spec: RenderSpec, ref: np.ndarray | None):
    """Yield (rgb ndarray, reusable) for each frame of the clip, in order."""
    offset = 0.0
    for i, seg in enumerate(spec.segments):
        look = look_for(seg.look_prompt, seg.prompt)
        caption = _text_band(seg.prompt, spec.width, max(24, spec.height // 12))
        mark = _mark(spec.width, spec.height)
        first_ref = ref if i == 0 else None
        if spec.mode == "draft":
            for sec in range(seg.seconds):
                pic = _draft_picture(spec, look, int(offset) + sec)
                _overlay(pic, caption, 0, spec.height - caption.shape[0] - 10)
                _overlay(pic, mark, 10, 10)
                for _ in range(spec.fps):
                    yield pic
        else:
            painter = _Painter(spec, seg, look, first_ref)
            for k in range(seg.seconds * spec.fps):
                t = offset + k / spec.fps
                pic = painter.frame(t - offset if first_ref is not None else t)
                _overlay(pic, caption, 0, spec.height - caption.shape[0] - 10)
                _overlay(pic, mark, 10, 10)
                yield pic
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


def _encode(spec: RenderSpec, ref: np.ndarray | None, path: Path) -> dict[int, np.ndarray]:
    """Encode the clip; return the frames kept for the thumbnail and spritesheet."""
    fps = spec.fps
    total = spec.seconds * fps
    keep = {total // 2} | {min(total - 1, s * fps + fps // 2) for s in range(spec.seconds)}
    kept: dict[int, np.ndarray] = {}
    draft = spec.mode == "draft"
    options = {"movflags": "+faststart"}
    with av.open(str(path), mode="w", format="mp4", options=options) as out:
        out.flags |= 0  # keep PyAV defaults; bitexact is set per stream below
        video = out.add_stream(
            "libx264",
            rate=fps,
            options={
                "preset": "ultrafast" if draft else "veryfast",
                "crf": "30" if draft else "23",
                "threads": "2",
                "g": str(fps),
                "keyint_min": str(fps),
                "sc_threshold": "0",
                "profile": "high" if not draft else "baseline",
            },
        )
        video.width, video.height = spec.width, spec.height
        video.pix_fmt = "yuv420p"
        video.codec_context.flags |= av.codec.context.Flags.bitexact
        audio = out.add_stream("aac", rate=SAMPLE_RATE)
        audio.layout = "mono"
        audio.codec_context.flags |= av.codec.context.Flags.bitexact
        last_src: np.ndarray | None = None
        last_yuv: np.ndarray | None = None
        for n, pic in enumerate(_frames(spec, ref)):
            if n in keep:
                kept[n] = pic.copy()
            if draft and pic is last_src and last_yuv is not None:
                frame = av.VideoFrame.from_ndarray(last_yuv, format="yuv420p")
            else:
                frame = av.VideoFrame.from_ndarray(pic, format="rgb24").reformat(format="yuv420p")
                if draft:
                    last_src, last_yuv = pic, frame.to_ndarray()
            frame.pts = n
            frame.time_base = Fraction(1, fps)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        samples = _soundtrack(spec)
        chunk = 1024
        for start in range(0, len(samples), chunk):
            block = samples[start : start + chunk]
            aframe = av.AudioFrame.from_ndarray(block[None, :], format="fltp", layout="mono")
            aframe.sample_rate = SAMPLE_RATE
            aframe.pts = start
            aframe.time_base = Fraction(1, SAMPLE_RATE)
            out.mux(audio.encode(aframe))
        out.mux(audio.encode(None))
    return kept


def _still_images(spec: RenderSpec, kept: dict[int, np.ndarray], folder: Path) -> None:
    total = spec.seconds * spec.fps
    Image.fromarray(kept[total // 2]).save(folder / "thumbnail.webp", format="WEBP", quality=80)
    tiles = [kept[k] for k in sorted(kept) if k != total // 2 or total // 2 in _tile_ids(spec)]
    tw = 160
    th = max(2, round(tw * spec.height / spec.width))
    cols = min(len(tiles), 5)
    rows = math.ceil(len(tiles) / cols)
    sheet = Image.new("RGB", (cols * tw, rows * th), (0, 0, 0))
    for i, arr in enumerate(tiles):
        tile = Image.fromarray(arr).resize((tw, th), Image.Resampling.BILINEAR)
        sheet.paste(tile, ((i % cols) * tw, (i // cols) * th))
    sheet.save(folder / "spritesheet.jpg", format="JPEG", quality=80)


def _tile_ids(spec: RenderSpec) -> set[int]:
    fps = spec.fps
    total = spec.seconds * fps
    return {min(total - 1, s * fps + fps // 2) for s in range(spec.seconds)}
