"""The library on a temp folder: records, media files, filters, lineage data."""

from __future__ import annotations

import hashlib
import os
import sqlite3

import pytest

from sora_notebook.errors import ValidationError
from sora_notebook.library import PENDING, REJECTED, Job, Library, safe_backend_url
from sora_notebook.protocol import Video

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def video(vid: str, status: str = "queued", **extra) -> Video:
    return Video.from_dict({"id": vid, "status": status, "object": "video", **extra})


def submit(lib: Library, prompt: str = "a fox", **kw) -> str:
    return lib.add_submission(backend="emulator", prompt=prompt, model="sora-2", **kw).key


def test_layout_and_wal(tmp_path):
    with Library(tmp_path / "s") as lib:
        assert (tmp_path / "s" / "library.sqlite3").is_file()
        assert (tmp_path / "s" / "media").is_dir()
        mode = sqlite3.connect(lib.path).execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"
        assert lib.check() == "ok"


def test_submission_is_pending_before_the_server_answers(lib):
    job = lib.add_submission(
        backend="emulator",
        backend_url="http://emulator/v1",
        prompt="a fox",
        model="sora-2",
        size="1280x720",
        seconds="4",
        params={"prompt": "a fox", "seed": 3},
        cost=0.4,
    )
    assert job.status == PENDING and job.is_pending and job.video_id is None
    assert job.params == {"prompt": "a fox", "seed": 3}
    assert job.cost == 0.4 and job.submitted_at > 0


def test_record_video_stores_fields_and_snapshots_on_status_change(lib):
    key = submit(lib)
    lib.record_video(key, video("video_1", "queued", created_at=100, extra_field=1))
    lib.record_video(key, video("video_1", "in_progress", progress=30, created_at=100))
    lib.record_video(key, video("video_1", "in_progress", progress=60, created_at=100))
    done = lib.record_video(
        key,
        video(
            "video_1", "completed", progress=100, created_at=100, completed_at=130, expires_at=3700
        ),
    )
    assert done.video_id == "video_1" and done.status == "completed" and done.is_final
    assert (done.created_at, done.completed_at, done.expires_at) == (100, 130, 3700)
    snaps = lib.snapshots(key)
    assert [s["status"] for s in snaps] == ["queued", "in_progress", "completed"]
    assert snaps[0]["body"]["extra_field"] == 1
    assert lib.find("video_1").key == key


def test_failed_job_keeps_error(lib):
    key = submit(lib)
    job = lib.record_video(
        key, video("v2", "failed", error={"code": "moderation_blocked", "message": "blocked"})
    )
    assert job.error_code == "moderation_blocked" and job.error_message == "blocked"
    int_code = lib.record_video(
        submit(lib), video("v3", "failed", error={"code": 7, "message": "x"})
    )
    assert int_code.error_code == "7"


def test_reject_is_final_and_not_spent(lib):
    a = submit(lib, cost=0.4)
    b = submit(lib, cost=1.0)
    lib.reject(b, "bad size", "invalid_size")
    assert lib.get(b).status == REJECTED and lib.get(b).is_final
    assert lib.get(b).billed == 0.0 and lib.get(a).billed is None
    assert lib.reserved() == pytest.approx(0.4)  # a is still open; b never cost anything
    assert lib.billed_total() == 0


def test_reference_image_is_copied(lib, tmp_path):
    src = tmp_path / "frame.png"
    src.write_bytes(PNG)
    job = lib.add_submission(backend="emulator", prompt="p", input_reference=src)
    rel = job.params["input_reference"]
    assert rel.startswith("media/refs/") and rel.endswith(".png")
    assert (lib.root / rel).read_bytes() == PNG
    src.unlink()
    assert (lib.root / rel).is_file()
    from_bytes = lib.add_submission(backend="emulator", prompt="p", input_reference=PNG)
    assert (lib.root / from_bytes.params["input_reference"]).read_bytes() == PNG


def test_save_media_is_atomic_and_checksummed(lib):
    key = submit(lib)
    lib.record_video(key, video("video_abc", "completed"))
    tmp = lib.temp_path(".mp4")
    tmp.write_bytes(b"movie-bytes")
    job = lib.save_media(key, "video", tmp)
    assert not tmp.exists()
    (rel,) = job.media.values()
    assert rel.startswith("media/video_abc.") and rel.endswith(".mp4")
    assert job.sha256 == hashlib.sha256(b"movie-bytes").hexdigest()
    assert job.hashes == {"video": job.sha256}
    assert lib.media_path(job) == lib.root / rel
    job = lib.save_media(key, "thumbnail", b"webp")
    assert lib.media_path(job, "thumbnail").read_bytes() == b"webp"
    assert lib.media_path(job, "spritesheet") is None
    assert job.sha256 == hashlib.sha256(b"movie-bytes").hexdigest()


def test_two_backends_with_one_id_never_share_a_file(lib):
    jobs = []
    for url, data in (("http://a.test/v1", b"bytes of A"), ("http://b.test/v1", b"bytes of B")):
        key = lib.add_submission(backend="b", backend_url=url, prompt="same").key
        lib.record_video(key, video("video_1", "completed"))
        jobs.append(lib.save_media(key, "video", data))
    a, b = (lib.get(j.key) for j in jobs)
    assert lib.media_path(a) != lib.media_path(b)
    for job in (a, b):
        assert hashlib.sha256(lib.media_path(job).read_bytes()).hexdigest() == job.sha256


def test_several_outputs_of_one_job_have_their_own_files_and_hashes(lib):
    key = submit(lib)
    lib.record_video(key, video("video_n", "completed"))
    lib.save_media(key, "video", b"first")
    job = lib.save_media(key, "video", b"second", output=1)
    job = lib.save_media(key, "thumbnail", b"thumb-2", output=1)
    assert set(job.media) == {"video", "video.1", "thumbnail.1"}
    assert lib.media_path(job, output=1).read_bytes() == b"second"
    assert lib.media_path(job, "thumbnail", output=1).read_bytes() == b"thumb-2"
    assert job.hashes["video.1"] == hashlib.sha256(b"second").hexdigest()
    assert job.sha256 == hashlib.sha256(b"first").hexdigest()
    assert lib.media_path(job, output=2) is None


def test_untrusted_ids_cannot_escape_the_media_folder(lib):
    key = submit(lib)
    lib.record_video(key, video("../../etc/passwd", "completed"))
    job = lib.save_media(key, "video", b"x")
    path = lib.media_path(job)
    assert path.parent == lib.media_dir and path.name.startswith("id-")


def test_sweep_removes_dead_temp_files_only(tmp_path):
    root = tmp_path / "s"
    Library(root).close()
    tmp_dir = root / "media" / ".tmp"
    tmp_dir.mkdir(exist_ok=True)
    dead = tmp_dir / f"999999999-{'0' * 32}.mp4.partial"
    live = tmp_dir / f"{os.getpid()}-{'1' * 32}.mp4"
    stray = root / "media" / "x.mp4.partial"
    for p in (dead, live, stray):
        p.write_bytes(b"half")
    Library(root).close()
    assert not dead.exists() and not stray.exists() and live.exists()


def test_filters(lib):
    a = submit(lib, "a red fox 100%")
    b = submit(lib, "a blue whale")
    c = lib.add_submission(backend="other", prompt="red car", model="sora-2-pro").key
    lib.record_video(a, video("va", "completed"))
    lib.record_video(b, video("vb", "in_progress"))
    lib.annotate(a, tags=["fav", " fav ", "red"], rating=5, notes="best")
    keys = lambda jobs: [j.key for j in jobs]  # noqa: E731
    assert keys(lib.jobs()) == [a, b, c]
    assert keys(lib.jobs(newest_first=True)) == [c, b, a]
    assert keys(lib.jobs(status="completed")) == [a]
    assert keys(lib.jobs(status=["completed", "in_progress"])) == [a, b]
    assert keys(lib.jobs(unfinished=True)) == [b, c]
    assert keys(lib.jobs(unfinished=False)) == [a]
    assert keys(lib.jobs(backend="other")) == [c]
    assert keys(lib.jobs(model="sora-2-pro")) == [c]
    assert keys(lib.jobs(search="red")) == [a, c]
    assert keys(lib.jobs(search="100%")) == [a]
    assert keys(lib.jobs(search="%")) == [a]
    assert keys(lib.jobs(tag="fav")) == [a]
    assert keys(lib.jobs(min_rating=4)) == [a]
    assert keys(lib.jobs(limit=1)) == [a]
    job = lib.get(a)
    assert job.tags == ("fav", "red") and job.rating == 5 and job.notes == "best"


def test_annotate_validates(lib):
    key = submit(lib)
    with pytest.raises(ValidationError):
        lib.annotate(key, rating=9)
    assert lib.annotate(key, rating=None).rating is None
    assert lib.annotate(key, rating=3).rating == 3
    assert lib.annotate(key, notes="n").rating == 3


def test_parent_edges_and_children(lib):
    root = submit(lib)
    kid = submit(lib, parent_key=root, edge_kind="remix")
    submit(lib, parent_key=root, edge_kind="extend")
    kids = lib.children(root)
    assert len(kids) == 2 and kids[0].key == kid
    assert lib.get(kid).edge_kind == "remix"
    with pytest.raises(ValidationError):
        submit(lib, parent_key=root, edge_kind="sideways")


def test_durations_learned_per_shape(lib):
    for vid, secs in (("a", 30), ("b", 50)):
        key = lib.add_submission(
            backend="emulator", prompt="p", model="sora-2", size="720x1280", seconds="4"
        ).key
        lib.record_video(key, video(vid, "completed", created_at=1000, completed_at=1000 + secs))
    other = lib.add_submission(
        backend="emulator", prompt="p", model="sora-2", size="720x1280", seconds="8"
    ).key
    lib.record_video(other, video("c", "completed", created_at=1000, completed_at=1900))
    got = lib.durations(backend="emulator", model="sora-2", size="720x1280", seconds="4")
    assert sorted(got) == [30, 50]


def test_import_video_is_idempotent(lib):
    v = video(
        "remote_1", "completed", prompt="imported", model="sora-2", size="1280x720", seconds="8"
    )
    job, new = lib.import_video(v, backend="emulator", backend_url="http://e/v1")
    again, new2 = lib.import_video(v, backend="emulator", backend_url="http://e/v1/")
    assert new and not new2 and again.key == job.key
    assert job.prompt == "imported" and job.seconds == "8" and job.endpoint == "import"
    other, new3 = lib.import_video(v, backend="compatible", backend_url="http://other/v1")
    assert new3 and other.key != job.key


def test_remove_deletes_files(lib):
    key = lib.add_submission(backend="emulator", prompt="p", input_reference=PNG).key
    lib.record_video(key, video("vid", "completed"))
    job = lib.save_media(key, "video", b"data")
    path, ref = lib.media_path(job), lib.root / job.params["input_reference"]
    assert lib.remove(key).key == key
    assert not path.exists() and not ref.exists()
    assert lib.find_key(key) is None and lib.snapshots(key) == []
    assert lib.remove(key) is None
    with pytest.raises(KeyError):
        lib.get(key)


def test_update_refuses_unknown_fields(lib):
    key = submit(lib)
    with pytest.raises(TypeError):
        lib.update(key, nonsense=1)
    with pytest.raises(KeyError):
        lib.update("missing", status="queued")
    assert lib.update(key, media_expired=True).media_expired is True


def test_backend_url_never_keeps_credentials():
    assert safe_backend_url("https://user:sk-secret@h.example:8443/v1/?api-key=sk-x") == (
        "https://h.example:8443/v1"
    )
    assert safe_backend_url("") == ""


def test_job_to_dict_is_plain(lib):
    job = lib.annotate(submit(lib), tags=["a"])
    data = job.to_dict()
    assert data["tags"] == ["a"] and data["key"] == job.key


def test_the_tree_walk_is_depth_first_and_takes_any_depth():
    from sora_notebook.library.lineage import build_tree

    def job(key: str, parent: str | None, at: float) -> Job:
        kind = "remix" if parent else None
        return Job(key=key, video_id=None, backend="e", status="completed", prompt=key,
                   progress=100, model=None, size=None, seconds=None,
                   submitted_at=at, parent_key=parent, edge_kind=kind)  # fmt: skip

    jobs = [job("a", None, 1), job("b", "a", 2), job("c", None, 3), job("d", "a", 4)]
    assert [(d, j.key) for d, j in build_tree(jobs).walk()] == [
        (0, "a"), (1, "b"), (1, "d"), (0, "c"),
    ]  # fmt: skip
    chain = [job("n0", None, 0)] + [job(f"n{i}", f"n{i - 1}", i) for i in range(1, 5000)]
    walk = build_tree(chain).walk()
    assert len(walk) == 5000 and walk[-1] == (4999, chain[-1])
