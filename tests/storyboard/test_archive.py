"""Storyboards travel in the archive: board, takes, chosen takes, cast images and films
restored in another library (one transaction, files placed under fresh names inside
`media/`), and a poisoned board refused with its reason, nothing imported."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from sora_notebook.errors import ValidationError
from sora_notebook.export import import_archive
from sora_notebook.library import Library
from sora_notebook.storyboard import CastMember, Production, Shot, Storyboard
from sora_notebook.studio import Studio

from .conftest import FAST_POLL

pytestmark = pytest.mark.slow


@pytest.fixture
async def exported(studio, tmp_path):
    """A two-shot board with a cast image, made, filmed and exported: (zip, production)."""
    fox = tmp_path / "fox.png"
    Image.new("RGB", (320, 240), (200, 90, 30)).save(fox)
    board = Storyboard(
        shots=(
            Shot("a red fox in snow", seconds=4, cast=("fox",)),
            Shot("the fox looks up", seconds=4, join="continue"),
        ),
        cast=(CastMember("fox", str(fox)),),
    )
    made = Production(studio, board, takes=2)
    await made.run()
    made.film()
    return studio.export(tmp_path / "board.zip"), made


def _rewrite(src: Path, dest: Path, change) -> Path:
    """A copy of the archive `src` whose studio.json `change(payload)` altered."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "studio.json":
                payload = json.loads(data)
                change(payload)
                data = json.dumps(payload).encode()
            zout.writestr(info, data)
    return dest


async def test_a_board_travels_whole(exported, place):
    archive, made = exported
    with place.open() as other:  # a folder, or PostgreSQL with a media folder
        assert import_archive(other, archive) == 4
        kept = other.boards.get(made.id)
        assert kept is not None and len([s for s in kept.slots if s.key]) == 4
        (film,) = other.boards.films(made.id)
        assert film.takes == tuple(made.state[s.id].chosen for s in made.board.shots)
        assert (other.root / film.path).is_file() and film.path.startswith("media/films/")
        image = Path(kept.body["cast"][0]["image"])
        assert image.is_relative_to(other.media_dir) and image.is_file()
        assert import_archive(other, archive) == 0  # again: nothing new, nothing overwritten
        assert len(other.boards.films(made.id)) == 1
    library = place.open()
    studio = Studio(made.studio.backend, library, max_rps=1000.0, poll=FAST_POLL)
    try:
        again = Production.open(studio, made.id)
        assert again.state == made.state and again.unmade() == []
        assert again.film().seconds == pytest.approx(8, abs=0.1)  # from the imported takes
    finally:
        await studio.aclose()
        library.close()


def _board_of(payload):
    return payload["boards"][0]


POISONS = {
    "a film outside media": (
        lambda p: _board_of(p)["films"][0].update(path="../outside.mp4"),
        "lies outside `media/`",
    ),
    "a cast image anywhere on disk": (
        lambda p: _board_of(p)["board"].update(
            body=json.dumps({"shots": [], "cast": [{"name": "x", "image": "/etc/hostname"}]})
        ),
        "cast image '/etc/hostname' lies outside `media/`",
    ),
    "a take of a job nobody has": (
        lambda p: _board_of(p)["takes"][0].update(key="someone-elses-job"),
        "names job 'someone-elses-job', which neither the archive nor this library holds",
    ),
    "a skip of NaN seconds": (
        lambda p: _board_of(p)["shots"][0].update(skip=float("nan")),
        "`skip` must be a finite number",
    ),
    "takes per shot out of range": (
        lambda p: _board_of(p)["board"].update(takes=10**9),
        "`board.takes` must be a whole number 1-8",
    ),
    "a film whose bytes do not match": (
        lambda p: _board_of(p)["films"][0].update(sha256="0" * 64),
        "the archive is damaged",
    ),
}


@pytest.mark.parametrize("poison", POISONS)
async def test_a_poisoned_board_is_refused_with_its_reason(exported, tmp_path, poison):
    archive, _ = exported
    change, reason = POISONS[poison]
    bad = _rewrite(archive, tmp_path / "bad.zip", change)
    with Library(tmp_path / "other") as other:
        with pytest.raises(ValidationError) as refused:
            import_archive(other, bad)
        assert reason in str(refused.value)
        assert other.jobs() == [] and other.boards.ids() == []  # nothing imported
        placed = [p for p in other.media_dir.rglob("*") if p.is_file() and ".tmp" not in p.parts]
        assert placed == []  # and no file left behind


async def test_the_gallery_lists_the_film_with_its_takes(exported, tmp_path):
    from dataclasses import replace

    _, made = exported
    made.edit(replace(made.board, title="<script>alert(1)</script> fox"))
    page = made.studio.export(tmp_path / "gallery.html").read_text()
    films = page[page.index("<h2>Films</h2>") :]
    assert "film of storyboard " + made.id in films and "8.0s · 2 shots" in films
    for shot in made.board.shots:  # its lineage: the take each shot used, in order
        assert made.state[shot.id].chosen in films
    assert films.index(made.state["shot-1"].chosen) < films.index(made.state["shot-2"].chosen)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; fox" in films and "<script>" not in page
    assert 'src="data:video/mp4;base64,' in films
