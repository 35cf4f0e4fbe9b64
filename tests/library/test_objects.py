"""Media in an S3-compatible object store (moto's server on 127.0.0.1): another person's
machine fetches what one person saved, checked against its record."""

from __future__ import annotations

import hashlib

import boto3
import pytest

from sora_notebook.errors import SoraNotebookError
from sora_notebook.library import Library

from .conftest import BUCKET, Place, new_place

pytestmark = pytest.mark.store
MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40


@pytest.fixture
def team(request, tmp_path) -> Place:
    return new_place("postgresql+s3", tmp_path, request)


def objects(place: Place) -> dict[str, bytes]:
    prefix = str(place.media).removeprefix(f"s3://{BUCKET}/") + "/"
    s3 = boto3.client("s3")
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return {
        o["Key"][len(prefix) :]: s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read()
        for o in listed
    }


def saved_job(lib: Library) -> str:
    key = lib.add_submission(backend="emulator", prompt="a fox", model="sora-2").key
    lib.update(key, video_id="video_1", status="completed")
    lib.save_media(key, "video", MP4)
    return key


def test_a_saved_video_reaches_another_machine_through_the_store(team: Place, tmp_path):
    with team.open(person="ana") as ana:
        key = saved_job(ana)
        rel = ana.get(key).media["video"]
        assert objects(team) == {rel: MP4}
    fresh = Place(team.kind, team.location, team.media, tmp_path / "ben-laptop")
    with fresh.open(person="ben") as ben:
        path = ben.media_path(key)
        assert path is not None and path.is_relative_to(tmp_path / "ben-laptop")
        assert path.read_bytes() == MP4
        assert hashlib.sha256(path.read_bytes()).hexdigest() == ben.get(key).sha256


def test_an_object_whose_bytes_differ_from_the_record_is_not_used(team: Place, tmp_path):
    with team.open() as lib:
        key = saved_job(lib)
        rel = lib.get(key).media["video"]
    prefix = str(team.media).removeprefix(f"s3://{BUCKET}/")
    boto3.client("s3").put_object(Bucket=BUCKET, Key=f"{prefix}/{rel}", Body=b"not it")
    fresh = Place(team.kind, team.location, team.media, tmp_path / "other")
    with fresh.open() as lib:
        assert lib.media_path(key) is None
        assert not list((tmp_path / "other" / "media").glob("*.mp4"))


def test_removing_a_job_deletes_its_objects(team: Place, tmp_path):
    with team.open() as lib:
        key = saved_job(lib)
        ref = lib.add_submission(
            backend="emulator", prompt="a frame", input_reference=b"\x89PNG\r\n\x1a\n" + b"0" * 9
        )
        assert len(objects(team)) == 2
        lib.remove(key)
        lib.remove(ref.key)
        assert objects(team) == {}


def test_a_missing_bucket_is_a_clear_error_and_no_secret_reaches_the_repr(team: Place, s3):
    with pytest.raises(SoraNotebookError, match=r"no-such-bucket.*AWS_ENDPOINT_URL_S3"):
        Library(team.location, media="s3://no-such-bucket/x", cache=team.cache)
    with team.open() as lib:
        text = repr(lib)
        assert str(team.media) in text and s3.secret_key not in text
        assert "postgres@127.0.0.1" in text and lib.store.url.split("@")[0] not in text
