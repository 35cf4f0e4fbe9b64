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
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from benchmarks.render_v4.look import Look, RenderSpec, look_for

__all__ = ["decode_image", "probe_video", "render"]

#: Soundtrack sample rate by mode (a draft halves the AAC encoder's work).
SAMPLE_RATES = {"full": 48_000, "draft": 24_000}
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


def _mark(width: int, height: int, text: str = "EMULATED") -> np.ndarray:
    """The visible mark, yellow on a dark box, so nobody mistakes it for real output."""
    size = max(12, min(width, height) // 22)
    font = _font(size)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    box_w = min(width - 20, int(probe.textlength(text, font=font)) + size)
    img = Image.new("RGB", (box_w, int(size * 1.6)), (0, 0, 0))
    ImageDraw.Draw(img).text((size // 2, size // 4), text, fill=(255, 220, 0), font=font)
    return np.asarray(img)


def _rgb_to_yuv(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BT.601 limited-range Y (full size) and U, V (half size) planes of an even-sized image."""
    f = rgb.astype(np.float32)
    r, g, b = f[..., 0], f[..., 1], f[..., 2]
    y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255
    h, w = rgb.shape[:2]
    sub = (f[0:h:2, 0:w:2] + f[1:h:2, 0:w:2] + f[0:h:2, 1:w:2] + f[1:h:2, 1:w:2]) * 0.25
    r, g, b = sub[..., 0], sub[..., 1], sub[..., 2]
    u = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255
    v = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255
    return tuple(np.clip(np.rint(p), 0, 255).astype(np.uint8) for p in (y, u, v))  # type: ignore[return-value]


def _yuv_colour(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    y, u, v = _rgb_to_yuv(np.array([[rgb, rgb], [rgb, rgb]], dtype=np.uint8))
    return int(y[0, 0]), int(u[0, 0]), int(v[0, 0])


class _Frame:
    """One reusable yuv420p frame buffer with Y, U and V plane views."""

    def __init__(self, width: int, height: int) -> None:
        self.w, self.h = width, height
        n = width * height
        self.flat = np.zeros(n * 3 // 2, dtype=np.uint8)
        self.y = self.flat[:n].reshape(height, width)
        self.u = self.flat[n : n + n // 4].reshape(height // 2, width // 2)
        self.v = self.flat[n + n // 4 :].reshape(height // 2, width // 2)

    @property
    def array(self) -> np.ndarray:
        return self.flat.reshape(self.h * 3 // 2, self.w)

    def planes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.y, self.u, self.v


class _Band:
    """A caption or mark, pre-converted to YUV, blended at half strength (readable anywhere)."""

    def __init__(self, rgb: np.ndarray) -> None:
        h, w = rgb.shape[0] // 2 * 2, rgb.shape[1] // 2 * 2
        self.planes = tuple(p >> 1 for p in _rgb_to_yuv(rgb[:h, :w]))

    def draw(self, frame: _Frame, x: int, y: int) -> None:
        x, y = x // 2 * 2, y // 2 * 2
        for i, (plane, band) in enumerate(zip(frame.planes(), self.planes, strict=True)):
            d = 1 if i == 0 else 2
            region = plane[y // d : y // d + band.shape[0], x // d : x // d + band.shape[1]]
            np.right_shift(region, 1, out=region)
            region += band[: region.shape[0], : region.shape[1]]


_DISKS: dict[int, np.ndarray] = {}


def _disk_mask(r: int) -> np.ndarray:
    mask = _DISKS.get(r)
    if mask is None:
        yy, xx = np.ogrid[-r : r + 1, -r : r + 1]
        mask = _DISKS[r] = (xx * xx + yy * yy) <= r * r
    return mask


def _fill(plane: np.ndarray, cx: int, cy: int, r: int, value: int, disk: bool) -> None:
    h, w = plane.shape
    xa, xb, ya, yb = max(0, cx - r), min(w, cx + r + 1), max(0, cy - r), min(h, cy + r + 1)
    if xa >= xb or ya >= yb or r <= 0:
        return
    region = plane[ya:yb, xa:xb]
    if not disk:
        region[:] = value
        return
    mask = _disk_mask(r)[ya - (cy - r) : yb - (cy - r), xa - (cx - r) : xb - (cx - r)]
    region[mask] = value


class _Painter:
    """Draws the frames of one segment in full mode, straight into YUV planes."""

    def __init__(self, spec: RenderSpec, look: Look, ref: np.ndarray | None):
        self.w, self.h = spec.width, spec.height
        self.look = look
        cw, ch = int(self.w * _MARGIN) // 2 * 2, int(self.h * _MARGIN) // 2 * 2
        self.cw, self.ch = cw, ch
        if ref is not None:
            px, py = (cw - self.w) // 4 * 2, (ch - self.h) // 4 * 2
            canvas = np.pad(
                ref, ((py, ch - self.h - py), (px, cw - self.w - px), (0, 0)), mode="reflect"
            )
        else:
            canvas = self._background(look, cw, ch)
        self.canvas = _rgb_to_yuv(canvas)
        self.colours = [_yuv_colour(s.colour) for s in look.shapes]

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

    def paint(self, frame: _Frame, t: float) -> None:
        cam = self.look.camera
        zoom = max(0.78, min(1.25, 1.0 + cam.zoom * t))
        vw = min(int(self.w / zoom) // 2 * 2, self.cw)
        vh = min(int(self.h / zoom) // 2 * 2, self.ch)
        cx = (self.cw - vw) / 2 + cam.pan_x * self.w * t
        cy = (self.ch - vh) / 2 + cam.pan_y * self.h * t
        x0 = int(max(0, min(self.cw - vw, cx))) // 2 * 2
        y0 = int(max(0, min(self.ch - vh, cy))) // 2 * 2
        for i, (plane, canvas) in enumerate(zip(frame.planes(), self.canvas, strict=True)):
            d = 1 if i == 0 else 2
            view = canvas[y0 // d : (y0 + vh) // d, x0 // d : (x0 + vw) // d]
            if view.shape == plane.shape:
                plane[:] = view
            else:
                size = (plane.shape[1], plane.shape[0])
                plane[:] = np.asarray(Image.fromarray(view).resize(size, Image.Resampling.NEAREST))
        scale = self.w / vw
        tempo = self.look.tempo
        for s, colour in zip(self.look.shapes, self.colours, strict=True):
            # World position bounces inside the canvas.
            wx = (s.x + s.vx * t * tempo) % 2.0
            wy = (s.y + s.vy * t * tempo) % 2.0
            wx = 2.0 - wx if wx > 1.0 else wx
            wy = 2.0 - wy if wy > 1.0 else wy
            px = int((wx * self.cw - x0) * scale) // 2 * 2
            py = int((wy * self.ch - y0) * scale) // 2 * 2
            r = s.radius * min(self.w, self.h) * (1 + 0.15 * math.sin(t * 3 * tempo + s.x * 9))
            r = int(r) // 2 * 2
            disk = s.kind == "circle"
            _fill(frame.y, px, py, r, colour[0], disk)
            _fill(frame.u, px // 2, py // 2, r // 2, colour[1], disk)
            _fill(frame.v, px // 2, py // 2, r // 2, colour[2], disk)


def _draft_picture(frame: _Frame, spec: RenderSpec, look: Look, second: int) -> None:
    """A flat palette colour per second with a progress bar, written straight as YUV."""
    y, u, v = _yuv_colour(look.palette[second % len(look.palette)])
    frame.y[:], frame.u[:], frame.v[:] = y, u, v
    bar = int(spec.width * (second + 1) / max(1, spec.seconds)) // 2 * 2
    frame.y[spec.height - 8 :, :bar] = 235
    frame.u[(spec.height - 8) // 2 :, : bar // 2] = 128
    frame.v[(spec.height - 8) // 2 :, : bar // 2] = 128


def _soundtrack(spec: RenderSpec) -> np.ndarray:
    """Mono float32 samples: a little pentatonic tune per segment, from its prompt."""
    rate = SAMPLE_RATES[spec.mode]
    parts = []
    for seg in spec.segments:
        look = look_for(seg.look_prompt, seg.prompt)
        n = seg.seconds * rate
        note_len = int(rate * 0.5 / look.tempo)
        t = np.arange(n, dtype=np.float64)
        idx = (t // note_len).astype(np.int64) % len(look.notes)
        freq = 220.0 * np.power(2.0, np.asarray(look.notes, dtype=np.float64)[idx] / 12.0)
        phase = np.cumsum(2 * np.pi * freq / rate)
        env = np.exp(-3.0 * (t % note_len) / note_len)
        parts.append((0.2 * np.sin(phase) * env).astype(np.float32))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def _frames(spec: RenderSpec, ref: np.ndarray | None) -> Iterator[np.ndarray]:
    """Yield each frame of the clip as a yuv420p array (a reused buffer: copy to keep)."""
    frame = _Frame(spec.width, spec.height)
    mark = _Band(
        _mark(spec.width, spec.height, "EMULATED" + (" · draft" if spec.mode == "draft" else ""))
    )
    offset = 0
    for i, seg in enumerate(spec.segments):
        look = look_for(seg.look_prompt, seg.prompt)
        caption = _Band(_text_band(seg.prompt, spec.width, max(24, spec.height // 12)))
        cap_y = spec.height - caption.planes[0].shape[0] - 10
        if spec.mode == "draft":
            for sec in range(seg.seconds):
                _draft_picture(frame, spec, look, offset + sec)
                caption.draw(frame, 0, cap_y)
                mark.draw(frame, 10, 10)
                for _ in range(spec.fps):
                    yield frame.array
        else:
            first_ref = ref if i == 0 else None
            painter = _Painter(spec, look, first_ref)
            for k in range(seg.seconds * spec.fps):
                # The reference image is the first frame; later segments continue the motion.
                t = k / spec.fps if first_ref is not None else offset + k / spec.fps
                painter.paint(frame, t)
                caption.draw(frame, 0, cap_y)
                mark.draw(frame, 10, 10)
                yield frame.array
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
    samples, rate = _soundtrack(spec), SAMPLE_RATES[spec.mode]
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
