"""Storyboards in the library (schema step 6) on both stores: boards, rounds of takes
written as slots before sending, claims after a crash, stale marks, films, and moving
boards between libraries in one transaction."""

from __future__ import annotations

import pytest

from sora_notebook.library import Library
from sora_notebook.library.boards import FilmRecord, ShotRecord
from sora_notebook.library.schema import SCHEMA_VERSION

URL = "http://emulator.test/v1"


def _job(lib: Library, prompt: str, url: str = URL):
    return lib.add_submission(backend="emulator", backend_url=url, prompt=prompt)


def test_a_board_and_its_rounds_are_kept(place):
    with place.open() as lib:
        boards = lib.boards
        boards.save("b1", {"title": "fox", "shots": []}, takes=2, fit="crop")
        slots = boards.begin("b1", "shot-1", 2, None, 0.0)
        assert [s.key for s in slots] == [None, None] and slots[0].round == 1
        first = _job(lib, "a fox")
        boards.fill(slots[0], first.key)
    with place.open() as lib:  # another process, later
        boards = lib.boards
        kept = boards.get("b1")
        assert kept is not None and (kept.title, kept.takes, kept.fit) == ("fox", 2, "crop")
        assert [s.key for s in boards.open_round("b1", "shot-1")] == [first.key, None]
        boards.settle("b1", "shot-1", 1, ShotRecord(chosen=first.key))
        assert boards.open_round("b1", "shot-1") == []  # settled: the next make begins anew
        again = boards.begin("b1", "shot-1", 1, None, 0.0)
        assert again[0].round == 2
        boards.set_chosen("b1", "shot-2", ShotRecord(chosen="k2", made_from=first.key, skip=4.0))
        shots = boards.get("b1").shots
        assert shots["shot-1"].chosen == first.key and shots["shot-1"].settled == 1
        assert shots["shot-2"] == ShotRecord("k2", first.key, 4.0, 0, 0)
        assert boards.ids() == ["b1"]


def test_a_slot_claims_only_the_job_sent_for_it(place):
    with place.open() as lib:
        boards = lib.boards
        boards.save("b1", {"shots": []}, takes=3, fit="crop")
        older = _job(lib, "a fox")  # recorded before the round began: not this round's
        a, b, c = boards.begin("b1", "shot-1", 3, None, 0.0)
        refused = _job(lib, "a fox")
        lib.reject(refused.key, "moderation")  # never made: may be sent again
        elsewhere = _job(lib, "a fox", "http://other.test/v1")
        with place.open(person="someone-else") as theirs:
            not_mine = _job(theirs, "a fox")  # another person's notebook on the same store
        sent = _job(lib, "a fox")
        assert boards.claim(a, "a fox", URL) == sent.key
        assert boards.claim(b, "a fox", URL) is None  # the only match is taken
        assert boards.claim(c, "a harbour", URL) is None
        keys = [s.key for s in boards.open_round("b1", "shot-1")]
        assert keys == [sent.key, None, None]
        assert {older.key, refused.key, elsewhere.key, not_mine.key}.isdisjoint(keys)


def test_films_and_boards_move_in_one_transaction(place, tmp_path):
    with place.open() as lib:
        boards = lib.boards
        boards.save("b1", {"title": "t", "shots": [{"prompt": "x"}]}, takes=1, fit="pad")
        (slot,) = boards.begin("b1", "shot-1", 1, None, 0.0)
        boards.fill(slot, "k1")
        boards.settle("b1", "shot-1", 1, ShotRecord(chosen="k1"))
        film = FilmRecord(
            id="film-1",
            board="b1",
            path="media/films/film-1.mp4",
            sha256="ab" * 32,
            seconds=4.0,
            takes=("k1",),
            joins=(),
            person=lib.person,
            made_at=1.0,
        )
        boards.add_film(film)
        assert boards.films("b1") == [film] and boards.films("b2") == []
        dumped = boards.dump(["b1", "missing"])
    assert len(dumped) == 1
    with Library(tmp_path / "other") as other:
        with pytest.raises(RuntimeError), other.store.write() as db:
            assert other.boards.restore(db, dumped) == 1
            raise RuntimeError("the rest of the import failed")
        assert other.boards.get("b1") is None  # rolled back with it
        with other.store.write() as db:
            assert other.boards.restore(db, dumped) == 1
        with other.store.write() as db:
            assert other.boards.restore(db, dumped) == 0  # already there: skipped
        kept = other.boards.get("b1")
        assert kept.shots["shot-1"].chosen == "k1" and [s.key for s in kept.slots] == ["k1"]
        assert other.boards.films() == [film]


def test_an_old_library_gains_the_tables(tmp_path):
    import sqlite3

    root = tmp_path / "old"
    with Library(root):
        pass
    db = sqlite3.connect(root / "library.sqlite3")
    for table in ("storyboards", "board_shots", "board_takes", "films"):
        db.execute(f"DROP TABLE {table}")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    db.commit()
    db.close()
    with Library(root) as lib:
        lib.boards.save("b", {"shots": []}, takes=1, fit="crop")
        assert lib.boards.ids() == ["b"]
