"""An archive is untrusted input (reliability review 2: F1-F3, F6, F14 and the low
archive findings). Each test builds the hostile zip the review describes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import zipfile
from pathlib import Path
from typing import Any

import pytest

from sora_notebook.errors import ValidationError
from sora_notebook.export import import_archive
from sora_notebook.export.archive import ImportLimits, export_zip
from sora_notebook.export.untrusted import NOT_SENT
from sora_notebook.library import Library
from sora_notebook.library.ledger import BUDGET


def record(key: str = "k1", **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "key": key,
        "video_id": f"video_{key}",
        "backend": "emulator",
        "backend_url": "http://emulator/v1",
        "status": "completed",
        "progress": 100,
        "prompt": "p",
        "model": "sora-2",
        "size": "720x1280",
        "seconds": "4",
        "submitted_at": 1.0,
        "updated_at": 1.0,
        "media": {},
        "tags": [],
        "cost": 0.4,
        "billed": 0.4,
    }
    return {**base, **fields}


def make_zip(path: Path, records: list[Any], members: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("studio.json", json.dumps({"format": "sora-notebook/1", "jobs": records}))
        for name, data in (members or {}).items():
            zf.writestr(name, data)
    return path


@pytest.fixture
def lib(tmp_path):
    with Library(tmp_path / "lib") as library:
        yield library


def test_a_record_naming_the_database_is_refused(lib, tmp_path):
    """F1: `media.video = library.sqlite3` was restored; deleting the job deleted the DB."""
    for bad in (
        {"media": {"video": "library.sqlite3"}},
        {"params": {"input_reference": "library.sqlite3"}},
        {"media": {"video": "media/../library.sqlite3"}},
    ):
        archive = make_zip(tmp_path / "evil.zip", [record(**bad)])
        with pytest.raises(ValidationError, match="outside `media/`"):
            import_archive(lib, archive)
        assert lib.find_key("k1") is None


def test_a_record_already_naming_the_database_never_reaches_it(lib):
    """F1, library side: delete, media_path and export touch only files inside media/."""
    job = lib.add_submission(backend="e", prompt="p")
    lib.update(job.key, media={"video": "library.sqlite3"})
    assert lib.media_path(job.key) is None
    lib.remove(job.key)
    assert lib.path.is_file()
    assert lib.jobs() == []


def test_export_never_packs_the_database(lib, tmp_path):
    job = lib.add_submission(backend="e", prompt="p")
    job = lib.update(job.key, media={"video": "library.sqlite3"})
    with zipfile.ZipFile(export_zip(lib, [job], tmp_path / "out.zip")) as zf:
        assert zf.namelist() == ["studio.json"]


def test_import_never_overwrites_existing_media(lib, tmp_path):
    """F2: a new job naming a victim's file replaced it."""
    victim = lib.add_submission(backend="e", prompt="victim")
    victim = lib.save_media(victim.key, "video", b"victim bytes")
    rel = victim.media["video"]
    evil = b"attacker bytes"
    digest = hashlib.sha256(evil).hexdigest()
    archive = make_zip(
        tmp_path / "evil.zip",
        [record("k2", media={"video": rel}, params={"input_reference": rel})],
        {rel: evil},
    )
    assert import_archive(lib, archive) == 1
    assert lib.media_path(victim.key).read_bytes() == b"victim bytes"
    new = lib.get("k2")
    assert new.media["video"] != rel and lib.media_path(new).read_bytes() == evil
    assert new.params["input_reference"] == new.media["video"]
    assert new.sha256 == digest


def test_money_comes_in_as_it_was(lib, tmp_path):
    """F3 A: a negative quote on an open job raised what the budget left."""
    lib.set_setting(BUDGET, 1.0)
    for bad in (-1000, math.inf, "5"):
        rec = record(status="in_progress", billed=None, cost=bad)
        with pytest.raises(ValidationError, match="`cost`"):
            import_archive(lib, make_zip(tmp_path / "a.zip", [rec]))
    rec = record(status="in_progress", billed=None, cost=6.0)
    assert import_archive(lib, make_zip(tmp_path / "b.zip", [rec])) == 1
    assert lib.get("k1").billed == 0.0
    assert lib.reserved() == 0.0 and lib.budget_left() == pytest.approx(1.0)


def test_a_never_sent_job_is_never_sent(lib, tmp_path):
    """F3 B: an imported `pending` job was sent on the next start with no reservation."""
    rec = record(status="pending", video_id=None, owner=None, billed=None, cost=6.0)
    assert import_archive(lib, make_zip(tmp_path / "p.zip", [rec])) == 1
    job = lib.get("k1")
    assert job.status == "rejected" and job.error_message == NOT_SENT
    assert job.billed == 0.0 and job.is_final


@pytest.mark.parametrize(
    ("members", "match"),
    [
        ({"media/../../escaped.mp4": b"x"}, "outside"),
        ({"/abs.mp4": b"x"}, "outside"),
        ({"media\\..\\x.mp4": b"x"}, "outside"),
        ({"library.sqlite3": b"x"}, "outside"),
    ],
)
def test_bad_member_names_are_refused_not_skipped(lib, tmp_path, members, match):
    """Low: zip slip and absolute names were skipped while the record was restored."""
    archive = make_zip(tmp_path / "evil.zip", [record()], members)
    with pytest.raises(ValidationError, match=match):
        import_archive(lib, archive)
    assert lib.jobs() == [] and not (tmp_path / "escaped.mp4").exists()


def test_duplicate_entries_are_refused(lib, tmp_path):
    """Low: two studio.json entries, the last one won silently."""
    archive = tmp_path / "dup.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("studio.json", json.dumps({"format": "sora-notebook/1", "jobs": []}))
        with pytest.warns(UserWarning):
            payload = {"format": "sora-notebook/1", "jobs": [record()]}
            zf.writestr("studio.json", json.dumps(payload))
    with pytest.raises(ValidationError, match="twice"):
        import_archive(lib, archive)
    assert lib.jobs() == []


def test_a_hash_that_does_not_match_is_refused(lib, tmp_path):
    """Low: the manifest's sha256 was never checked."""
    rec = record(media={"video": "media/v.mp4"}, hashes={"video": "0" * 64}, sha256="0" * 64)
    archive = make_zip(tmp_path / "bad.zip", [rec], {"media/v.mp4": b"bytes"})
    with pytest.raises(ValidationError, match="sha256"):
        import_archive(lib, archive)
    assert lib.jobs() == [] and not (lib.media_dir / "v.mp4").exists()


def test_zip_bomb_member_is_refused_before_reading(lib, tmp_path):
    """F6 A: a 1.5 MB zip expanding 1028:1 was read whole into memory."""
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        rec = record(media={"video": "media/bomb.mp4"})
        zf.writestr("studio.json", json.dumps({"format": "sora-notebook/1", "jobs": [rec]}))
        with zf.open("media/bomb.mp4", "w") as fh:
            for _ in range(64):
                fh.write(bytes(1 << 20))
    with pytest.raises(ValidationError, match="zip bomb"):
        import_archive(lib, archive)
    assert lib.jobs() == [] and list(lib.media_dir.glob("*.mp4")) == []


def test_json_bomb_is_refused_past_its_cap(lib, tmp_path):
    """F6 B: an 800 MB studio.json was read whole."""
    archive = make_zip(tmp_path / "big.zip", [record(prompt="x" * 5000)])
    with pytest.raises(ValidationError, match=r"studio\.json"):
        import_archive(lib, archive, limits=ImportLimits(json_bytes=4096))
    deep = tmp_path / "deep.zip"
    with zipfile.ZipFile(deep, "w") as zf:
        zf.writestr("studio.json", "[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValidationError, match=r"studio\.json"):
        import_archive(lib, deep)


@pytest.mark.parametrize(
    ("payload", "match"),
    [
        ([record()], "object"),
        ({"format": "sora-notebook/1", "jobs": [{"status": "completed"}]}, "`key` is missing"),
        ({"format": "sora-notebook/1", "jobs": [record(submitted_at="yesterday")]}, "submitted"),
        ({"format": "sora-notebook/1", "jobs": [record(media=[["video", "x"]])]}, "`media`"),
        ({"format": "sora-notebook/1", "jobs": [record(tags="a,b")]}, "`tags`"),
        ({"format": "sora-notebook/1", "jobs": [record(progress=True)]}, "`progress`"),
        ({"format": "sora-notebook/1", "jobs": ["text"]}, "object"),
    ],
)
def test_poison_records_are_refused_with_the_reason(lib, tmp_path, payload, match):
    """F14: `submitted_at: "yesterday"` broke the whole library's view; a list of pairs
    broke the gallery; a list payload or a missing key gave raw Python errors."""
    archive = tmp_path / "poison.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("studio.json", json.dumps(payload))
    with pytest.raises(ValidationError, match=match):
        import_archive(lib, archive)
    assert lib.jobs() == []


def test_an_import_is_all_or_nothing(lib, tmp_path):
    """F14: a second job reusing an existing video_id left a partial import."""
    existing = lib.add_submission(backend="emulator", prompt="x", backend_url="http://emulator/v1")
    lib.update(existing.key, video_id="video_clash")
    records = [
        record("a", media={"video": "media/a.mp4"}),
        record("b", video_id="video_clash"),
    ]
    archive = make_zip(tmp_path / "clash.zip", records, {"media/a.mp4": b"aaa"})
    with pytest.raises(ValidationError, match="clashes"):
        import_archive(lib, archive)
    assert [j.key for j in lib.jobs()] == [existing.key]
    assert not (lib.media_dir / "a.mp4").exists()


def test_a_good_archive_round_trips(lib, tmp_path):
    job = lib.add_submission(backend="e", prompt="p", input_reference=b"\x89PNG\r\n\x1a\nxx")
    lib.update(job.key, status="completed", video_id="video_1", billed=0.4)
    job = lib.save_media(job.key, "video", b"video bytes")
    archive = export_zip(lib, [job], tmp_path / "ok.zip")
    with Library(tmp_path / "other") as other:
        assert import_archive(other, archive) == 1
        assert other.get(job.key) == job
        assert other.media_path(job.key).read_bytes() == b"video bytes"
        assert import_archive(other, archive) == 0


def test_a_link_in_media_to_the_database_is_not_media(lib):
    """Low: a symlink in media/ to library.sqlite3 was served to the page as a video."""
    job = lib.add_submission(backend="e", prompt="p")
    (lib.media_dir / "v.mp4").symlink_to(lib.path)
    job = lib.update(job.key, media={"video": "media/v.mp4"})
    assert lib.media_path(job) is None
    lib.remove(job.key)
    assert lib.path.is_file()


def test_a_media_folder_on_another_disk_still_holds_media(tmp_path):
    """Low: a media/ folder that is a link elsewhere made every saved video "missing"."""
    elsewhere = tmp_path / "disk" / "media"
    elsewhere.mkdir(parents=True)
    root = tmp_path / "lib"
    root.mkdir()
    (root / "media").symlink_to(elsewhere, target_is_directory=True)
    with Library(root) as lib:
        job = lib.save_media(lib.add_submission(backend="e", prompt="p").key, "video", b"v")
        assert lib.media_path(job).read_bytes() == b"v"


async def test_an_imported_never_sent_job_is_not_sent_on_start(tmp_path):
    """F3 B end to end: the studio starts with the imported job and sends nothing."""
    from sora_notebook.client.backend import Backend
    from sora_notebook.studio import Studio

    backend = Backend.emulator(render="draft", speed=200)
    studio = Studio(backend, tmp_path / "studio", max_rps=1000.0)
    try:
        rec = record(
            status="pending",
            video_id=None,
            owner=None,
            billed=None,
            cost=6.0,
            backend=backend.name,
            backend_url=backend.base_url,
            model="sora-2-pro",
            size="1792x1024",
            seconds="12",
        )
        assert import_archive(studio.library, make_zip(tmp_path / "p.zip", [rec])) == 1
        studio.start()
        await asyncio.sleep(0.5)
        assert backend.app.state.emulator.created == 0
        assert studio.get("k1").status == "rejected"
    finally:
        await studio.aclose()
        backend.app.state.emulator.close()


def test_damaged_members_and_folders_outside_media_are_refused(lib, tmp_path):
    archive = make_zip(tmp_path / "crc.zip", [record(media={"video": "media/v.mp4"})])
    with zipfile.ZipFile(archive, "a", zipfile.ZIP_STORED) as zf:
        zf.writestr("media/v.mp4", b"A" * 1000)
    data = bytearray(archive.read_bytes())
    at = data.rindex(b"A" * 1000)
    data[at : at + 10] = b"B" * 10  # the bytes no longer match their CRC
    archive.write_bytes(bytes(data))
    with pytest.raises(ValidationError, match="damaged"):
        import_archive(lib, archive)
    folder = tmp_path / "folder.zip"
    with zipfile.ZipFile(folder, "w") as zf:
        zf.writestr("studio.json", json.dumps({"format": "sora-notebook/1", "jobs": []}))
        zf.writestr(zipfile.ZipInfo("../up/"), b"")
    with pytest.raises(ValidationError, match="folder"):
        import_archive(lib, folder)
    assert lib.jobs() == [] and list(lib.media_dir.glob("*.mp4")) == []


def test_a_url_reference_and_poison_params(lib, tmp_path):
    rec = record(params={"input_reference": {"image_url": "https://example.com/a.png"}})
    assert import_archive(lib, make_zip(tmp_path / "url.zip", [rec])) == 1
    assert lib.get("k1").params["input_reference"] == {"image_url": "https://example.com/a.png"}
    bad = record("k2", params={"output_index": "first"})
    with pytest.raises(ValidationError, match="output_index"):
        import_archive(lib, make_zip(tmp_path / "bad.zip", [bad]))


def test_too_many_entries_are_refused_before_parsing(lib, tmp_path):
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("studio.json", json.dumps({"format": "sora-notebook/1", "jobs": []}))
        for i in range(50):
            zf.writestr(f"media/{i}.bin", b"")
    with pytest.raises(ValidationError, match="lists 51 entries"):
        import_archive(lib, archive, limits=ImportLimits(members=10))
