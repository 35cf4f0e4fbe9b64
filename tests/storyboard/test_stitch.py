import av
import numpy as np
import pytest

from sora_notebook.storyboard.stitch import StitchError, stitch
from tests.storyboard.clips import make_clip


def _read(path):
    """(RGB frames at 80x45, mono sound at 48 kHz, fps) of a film."""
    with av.open(str(path)) as box:
        fps = box.streams.video[0].average_rate
        frames = [f.to_ndarray(width=80, height=45, format="rgb24") for f in box.decode(video=0)]
    with av.open(str(path)) as box:
        sound = np.concatenate([f.to_ndarray()[0] for f in box.decode(audio=0)])
    return np.stack(frames), sound, fps


@pytest.fixture
def takes(tmp_path):
    return [
        make_clip(tmp_path / "red.mp4", seconds=2, colour=(200, 40, 40)),
        # upright, 30 fps, silent: letterboxed, its frames dropped to 24 fps
        make_clip(
            tmp_path / "green.mp4",
            seconds=1.5,
            size=(180, 320),
            fps=30,
            colour=(40, 200, 40),
            tone=None,
        ),
        make_clip(
            tmp_path / "blue.mp4",
            seconds=2,
            size=(640, 360),
            fps=25,
            colour=(40, 40, 200),
            rate=44_100,
        ),
    ]


def test_takes_become_one_film_in_one_size_rate_and_sound(takes, tmp_path):
    film = stitch(takes, tmp_path / "out" / "film.mp4")
    assert (film.width, film.height, film.fps, film.frames) == (320, 180, 24, 132)
    assert film.joins == (2.0, 3.5)
    frames, sound, fps = _read(film.path)
    assert (len(frames), fps) == (132, 24)
    assert abs(len(sound) / 48_000 - film.seconds) < 0.05
    middle = frames[:, 10:35, 30:50].mean(axis=(1, 2))  # (n, 3): the centre's colour
    assert (
        np.argmax(middle[24]) == 0
        and np.argmax(middle[48 + 18]) == 1
        and np.argmax(middle[110]) == 2
    )
    assert frames[66, :, :15].mean() < 20  # the upright take is letterboxed in black
    # sound in step: the tone, silence while the silent take plays, the tone again
    loud = [
        np.sqrt(np.mean(sound[int(s * 48_000) : int(s * 48_000) + 4800] ** 2))
        for s in (1.0, 2.7, 4.5)
    ]
    assert loud[0] > 0.1 and loud[1] < 0.01 and loud[2] > 0.1


def test_crossfade_blends_pictures_and_sound(takes, tmp_path):
    film = stitch(takes[:2], tmp_path / "film.mp4", crossfade=0.5, size="640x360", fps=25)
    assert (film.width, film.height, film.fps) == (640, 360, 25)
    assert film.frames == 50 + 38 - 12 and film.joins == (38 / 25,)
    frames, sound, _ = _read(film.path)
    centre = frames[:, 10:35, 30:50].mean(axis=(1, 2))
    red, mixed, green = centre[30], centre[44], centre[60]
    assert red[0] > 2 * red[1] and green[1] > 2 * green[0]
    assert mixed[0] > 50 and mixed[1] > 50  # halfway through the fade: both colours
    fade = sound[int(1.52 * 48_000) : int(2.0 * 48_000)]
    assert 0 < np.sqrt(np.mean(fade**2)) < 0.2  # the tone fading out


def test_written_whole_or_not_at_all(takes, tmp_path):
    dest = tmp_path / "film.mp4"
    dest.write_bytes(b"the old film")
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 1000)
    with pytest.raises(StitchError, match=r"bad\.mp4"):
        stitch([takes[0], bad], dest)
    assert dest.read_bytes() == b"the old film"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bad.mp4",
        "blue.mp4",
        "film.mp4",
        "green.mp4",
        "red.mp4",
    ]


def test_bad_requests_say_what_to_do(takes, tmp_path):
    dest = tmp_path / "film.mp4"
    with pytest.raises(StitchError, match="at least one take"):
        stitch([], dest)
    with pytest.raises(StitchError, match="over half of"):
        stitch(takes, dest, crossfade=1.0)
    with pytest.raises(StitchError, match="crossfade must be from 0 to 2"):
        stitch(takes, dest, crossfade=5)
    with pytest.raises(StitchError, match="size must be"):
        stitch(takes, dest, size="1281x720")
    with pytest.raises(StitchError, match="size must be WIDTHxHEIGHT"):
        stitch(takes, dest, size="big")
    with pytest.raises(StitchError, match="fps must be"):
        stitch(takes, dest, fps=500)
    with pytest.raises(StitchError, match="cannot be read"):
        stitch([tmp_path / "missing.mp4"], dest)
    assert not dest.exists()


def test_oversized_takes_are_refused_before_decoding(tmp_path):
    from sora_notebook.storyboard.frames import edge_frames

    huge = make_clip(tmp_path / "huge.mp4", seconds=1 / 24, size=(4096, 2304), tone=None)
    with pytest.raises(StitchError, match="at most 3840x2160"):
        stitch([huge], tmp_path / "film.mp4")
    with pytest.raises(StitchError, match="at most 3840x2160"):
        edge_frames(huge)
    assert not (tmp_path / "film.mp4").exists()


def test_a_take_from_a_start_time(takes, tmp_path):
    """An extension holds the take before it: only its own part goes into the film."""
    film = stitch([takes[0], (takes[2], 1.0)], tmp_path / "film.mp4")
    assert film.frames == 48 + 24 and film.joins == (2.0,)
    frames, sound, _ = _read(film.path)
    assert len(frames) == 72 and abs(len(sound) / 48_000 - 3.0) < 0.05
    blue = frames[48:, 10:35, 30:50].mean(axis=(1, 2))
    assert blue[0, 2] > 130  # from its second half: brighter than its first frame (100)
    with pytest.raises(StitchError, match="cannot start at 5"):
        stitch([(takes[0], 5.0)], tmp_path / "film.mp4")
