"""Every decode bounded (reliability review 2: F4, F5, F8, F10). Hostile files are made
here with PyAV and PIL at the shapes the review used, at a few frames each."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from PIL import Image

from sora_notebook.client.references import open_image
from sora_notebook.decoding import MAX_PIXELS, DecodeError, open_picture, video_frames
from sora_notebook.errors import SoraNotebookError, ValidationError
from sora_notebook.judge import measure
from sora_notebook.judge._clip import load_clip
from sora_notebook.studio.stills import make_stills
from sora_notebook.widgets.thumbs import sprite_grid_of, thumb_data_url

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.hostile import black_clip as _black_clip  # noqa: E402  (the files it measures)


def black_clip(path: Path, width: int, height: int, frames: int = 12, fps: int = 12) -> Path:
    return _black_clip(path, width, height, frames, fps)


def bomb_png(width: int = 20000, height: int = 10000) -> bytes:
    buf = io.BytesIO()
    Image.new("1", (width, height)).save(buf, format="PNG")
    return buf.getvalue()


def test_tall_video_is_measured_at_a_bounded_size(tmp_path):
    """F4: a 160x4096 clip was measured at full height (7.2 GB for 600 frames)."""
    clip = load_clip(black_clip(tmp_path / "tall.mp4", 160, 4096))
    assert clip.frames.shape[1] <= 320 and clip.frames.shape[2] <= 160
    assert (clip.width, clip.height) == (160, 4096)
    assert measure(tmp_path / "tall.mp4") is not None


def test_a_video_past_the_pixel_limit_is_a_clear_error(tmp_path):
    """F4/F5: a 4096x4096 MP4 took stills to 4.3 GB; now it is refused from its header."""
    big = black_clip(tmp_path / "big.mp4", 4096, 4096, frames=2)
    with pytest.raises(DecodeError, match="pixels"):
        next(video_frames(big, (160, 160)))
    with pytest.raises(SoraNotebookError, match="pixels"):
        load_clip(big)
    with pytest.raises(DecodeError, match="pixels"):
        make_stills(big, tmp_path / "t.webp", tmp_path / "s.jpg")


def test_stills_keep_only_small_pictures(tmp_path):
    """F5: every tile was kept at full size; now each is scaled as it is taken."""
    video = black_clip(tmp_path / "wide.mp4", 2560, 1440, frames=36)
    make_stills(video, tmp_path / "t.webp", tmp_path / "s.jpg")
    with Image.open(tmp_path / "t.webp") as poster, Image.open(tmp_path / "s.jpg") as sheet:
        assert max(poster.size) <= 1280
        assert sheet.size == (3 * 160, 90)


def test_frames_stop_at_the_frame_limit(tmp_path):
    video = black_clip(tmp_path / "long.mp4", 64, 64, frames=30)
    assert len(list(video_frames(video, (32, 32), max_frames=10))) == 10


def test_a_bomb_picture_is_refused_before_decoding():
    with pytest.raises(DecodeError, match=r"pixels|too large"):
        open_picture(bomb_png())
    with pytest.raises(DecodeError, match="pixels"):
        open_picture(bomb_png(5000, 5000))
    assert open_picture(bomb_png(400, 300)).size == (400, 300)


def test_a_big_jpeg_is_reduced_by_the_decoder():
    buf = io.BytesIO()
    Image.new("RGB", (8000, 6000)).save(buf, format="JPEG")
    assert MAX_PIXELS < 8000 * 6000
    picture = open_picture(buf.getvalue(), box=(1792, 1024))
    assert picture.size == (2000, 1500)
    assert open_picture(buf.getvalue()).width * open_picture(buf.getvalue()).height <= MAX_PIXELS
    assert open_image(buf.getvalue()).size == (2000, 1500)


def test_a_bomb_reference_is_a_validation_error():
    """F8: the reference raised DecompressionBombError, which nothing caught."""
    with pytest.raises(ValidationError, match=r"smaller file|too large"):
        open_image(bomb_png())


def test_a_thumbnail_bomb_leaves_the_card_blank(tmp_path):
    """F10: a bomb thumbnail broke static_html() and the whole media batch."""
    path = tmp_path / "bomb.png"
    path.write_bytes(bomb_png())
    assert thumb_data_url(path) == ""
    assert sprite_grid_of(path, "1280x720", 4) is None


async def test_stills_past_a_limit_say_so_on_the_card(tmp_path):
    """A video past the pixel limit keeps its card, with the reason on it."""
    from sora_notebook.library import Library
    from sora_notebook.studio.stills import make_local_stills

    with Library(tmp_path / "lib") as lib:
        job = lib.add_submission(backend="e", prompt="p")
        big = black_clip(tmp_path / "big.mp4", 4096, 4096, frames=2)
        job = lib.save_media(job.key, "video", big.read_bytes())
        job = await make_local_stills(lib, job)
        assert job.has_video and "thumbnail" not in job.media
        assert "No thumbnail" in job.error_message and "pixels" in job.error_message
