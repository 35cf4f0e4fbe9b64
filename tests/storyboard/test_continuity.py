import numpy as np
import pytest

from sora_notebook.judge.continuity import Continuity, continuity, histogram_distance, join
from sora_notebook.storyboard.frames import edge_frames, png
from sora_notebook.storyboard.stitch import StitchError
from tests.storyboard.clips import make_clip

RNG = np.random.default_rng(7)


def _scene(h=180, w=320):
    """A smooth picture with structure: gradients and a few blocks."""
    y, x = np.mgrid[0:h, 0:w]
    pic = np.stack([x * 255 // w, y * 255 // h, (x + y) * 255 // (w + h)], axis=-1).astype(np.uint8)
    for _ in range(6):
        r, c = RNG.integers(0, h - 40), RNG.integers(0, w - 40)
        pic[r : r + 40, c : c + 40] = RNG.integers(0, 255, 3)
    return pic


def test_a_picture_continued_scores_better_than_a_cut():
    a = _scene()
    moved = np.roll(a, 3, axis=1)  # the next shot picks up, the camera a little on
    other = _scene()[::-1, ::-1].copy()
    same, near, cut = join(a, a), join(a, moved), join(a, other)
    assert same.ssim == pytest.approx(1.0) and same.histogram == pytest.approx(0.0, abs=1e-9)
    assert near.ssim > 0.7 > cut.ssim
    assert near.histogram < 0.1 < cut.histogram
    # compared at one size: a frame at another resolution is the same picture
    big = np.repeat(np.repeat(a, 2, axis=0), 2, axis=1)
    assert join(a, big).ssim > 0.95 and histogram_distance(a, big) < 0.1


def test_a_films_joins_and_their_means():
    a, b, c = _scene(), _scene(), _scene()
    film = continuity([(a, a), (a, b), (b, c)])
    assert len(film.joins) == 3
    assert film.ssim == pytest.approx(np.mean([j.ssim for j in film.joins]))
    assert film.to_dict()["joins"][0] == {
        "ssim": pytest.approx(1.0),
        "histogram": pytest.approx(0.0, abs=1e-9),
    }
    assert np.isnan(Continuity(()).ssim)


def test_frames_are_checked():
    with pytest.raises(ValueError, match="RGB uint8"):
        join(np.zeros((10, 10), np.uint8), np.zeros((10, 10, 3), np.uint8))
    with pytest.raises(ValueError, match="RGB uint8"):
        join(np.zeros((10, 10, 3), np.float32), np.zeros((10, 10, 3), np.uint8))
    with pytest.raises(ValueError, match="3840x2160"):
        join(np.zeros((1, 10, 3), np.uint8), np.zeros((10, 10, 3), np.uint8))


def test_edge_frames_of_a_take(tmp_path):
    clip = make_clip(tmp_path / "a.mp4", seconds=1, colour=(200, 40, 40))
    first, last = edge_frames(clip)
    assert first.shape == last.shape == (180, 320, 3)
    assert last[:, 100:, 0].mean() > first[:, 100:, 0].mean() + 60  # it brightens
    assert png(last)[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(StitchError, match="cannot be read"):
        edge_frames(tmp_path / "missing.mp4")


@pytest.mark.slow
async def test_the_emulator_continues_from_the_frame_it_is_given(studio):
    """Image to video starts from the picture sent: a continuation from the last frame of
    a take joins far better than a cut to an unrelated shot."""
    shot = dict(size="1280x720", seconds=4)
    first = await studio.generate("a red fox trots through fresh snow", **shot)
    _, last = edge_frames(studio.media_path(first))
    onward = await studio.generate("the fox stops and looks up", input_reference=png(last), **shot)
    cut = await studio.generate("a neon city street at night in the rain", **shot)
    scores = {
        name: join(last, edge_frames(studio.media_path(job))[0])
        for name, job in (("continue", onward), ("cut", cut))
    }
    assert scores["continue"].ssim > 0.8 > scores["cut"].ssim + 0.3
    assert scores["continue"].histogram + 0.3 < scores["cut"].histogram
