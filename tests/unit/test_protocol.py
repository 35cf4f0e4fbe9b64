"""protocol.py: tolerant parsing (spec examples and real-server quirks), tables, ids, hints."""

from __future__ import annotations

import email.utils
import json
from pathlib import Path

import pytest
import yaml

from sora_notebook._headers import parse_retry_after
from sora_notebook.errors import ValidationError
from sora_notebook.protocol import (
    MODELS,
    DeletedVideo,
    Video,
    VideoPage,
    check_video_id,
    estimate_cost,
    id_file_stem,
    id_path_segment,
    normalize_seconds,
    parse_size,
    validate_create,
)

#: A copy of ../shared/spec/openai-videos.openapi.yaml (the official spec's /videos subset).
SPEC = Path(__file__).with_name("spec") / "openai-videos.openapi.yaml"


def spec_examples() -> list[tuple[str, object]]:
    """Every non-empty example response body in the spec, as (operationId, parsed JSON)."""
    spec = yaml.safe_load(SPEC.read_text("utf-8"))
    found = []
    for path_item in spec["paths"].values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            examples = operation.get("x-oaiMeta", {}).get("examples") or {}
            body = examples.get("response") if isinstance(examples, dict) else None
            if body and body.strip():
                found.append((operation["operationId"], json.loads(body)))
    return found


def full_resource_example() -> dict:
    """A Video with every field the spec's VideoResource requires, from its schema."""
    spec = yaml.safe_load(SPEC.read_text("utf-8"))
    required = spec["components"]["schemas"]["VideoResource"]["required"]
    values = {
        "id": "video_123",
        "object": "video",
        "model": "sora-2",
        "status": "failed",
        "progress": 100,
        "created_at": 1712697600,
        "completed_at": 1712697700,
        "expires_at": 1712701300,
        "prompt": "p",
        "size": "720x1280",
        "seconds": "8",
        "remixed_from_video_id": None,
        "error": {"code": "moderation_blocked", "message": "blocked"},
    }
    assert set(required) == set(values)
    return values


def test_every_spec_example_parses():
    examples = spec_examples()
    assert {op for op, _ in examples} >= {"createVideo", "ListVideos", "CreateVideoRemix"}
    for operation, body in examples:
        if body.get("object") == "list":
            page = VideoPage.from_dict(body)
            assert len(page.data) == len(body["data"])
            assert page.has_more is None  # the example omits it: "stop on a short page"
            for item, video in zip(body["data"], page.data, strict=True):
                assert video.id == item["id"] and video.status == item["status"]
        else:
            video = Video.from_dict(body)
            assert video.id == body["id"] and video.status == body["status"], operation
            assert video.seconds == body["seconds"] and video.size == body["size"]
            assert video.raw == body  # unknown fields such as `quality` kept
    remix = dict(examples)["CreateVideoRemix"]
    assert Video.from_dict(remix).remixed_from_video_id == "video_123"


def test_full_resource_parses():
    body = full_resource_example()
    video = Video.from_dict(body)
    assert video.is_failed and video.is_terminal and not video.is_completed
    assert video.error.code == "moderation_blocked"
    assert (video.completed_at, video.expires_at) == (1712697700, 1712701300)
    assert Video.from_dict(video.to_dict()) == video


def test_quirk_integer_error_code():
    video = Video.from_dict(
        {"id": "video_gen_ab12", "status": "failed", "error": {"code": 500, "message": "OOM"}}
    )
    assert video.error.code == 500 and video.error.message == "OOM"


def test_quirk_missing_error_code_and_string_error():
    assert (
        Video.from_dict({"id": "a", "status": "failed", "error": {"message": "m"}}).error.code
        is None
    )
    assert Video.from_dict({"id": "a", "status": "failed", "error": "boom"}).error.message == "boom"
    assert Video.from_dict({"id": "a", "status": "failed", "error": {}}).error is None


def test_quirk_unknown_status_and_extra_fields_are_kept():
    body = {"id": "a", "status": "processing", "inference_time_s": 3.2, "usage": {"s": 4}}
    video = Video.from_dict(body)
    assert video.status == "processing" and not video.is_terminal
    assert video.raw["inference_time_s"] == 3.2 and video.to_dict() == body


def test_quirk_loose_types():
    video = Video.from_dict(
        {"id": 7, "status": None, "progress": "55.0", "seconds": 8, "created_at": 1.7e9}
    )
    assert (video.id, video.status, video.progress, video.seconds) == ("7", "unknown", 55, "8")
    assert video.created_at == 1_700_000_000
    assert Video.from_dict({"id": "a", "progress": True}).progress == 0


@pytest.mark.parametrize("body", [{}, {"status": "queued"}, [], "text", None])
def test_not_a_video(body):
    with pytest.raises(ValueError, match="not a video"):
        Video.from_dict(body)


def test_quirk_list_without_has_more_or_cursors():
    page = VideoPage.from_dict({"data": [{"id": "a", "status": "queued"}, "junk", {"x": 1}]})
    assert [v.id for v in page.data] == ["a"]  # items that are not jobs are skipped
    assert page.has_more is None and page.first_id is None and page.last_id is None


def test_list_page_fields():
    page = VideoPage.from_dict(
        {
            "data": [{"id": "a", "status": "queued"}],
            "has_more": True,
            "first_id": "a",
            "last_id": "a",
        }
    )
    assert page.has_more is True and page.last_id == "a"
    assert VideoPage.from_dict({"data": [], "has_more": "yes"}).has_more is None


def test_deleted_shapes():
    official = DeletedVideo.from_dict({"id": "v", "object": "video.deleted", "deleted": False}, "v")
    assert official == DeletedVideo("v", False)
    sglang = DeletedVideo.from_dict({"id": "v", "object": "video", "status": "completed"}, "v")
    assert sglang.deleted
    assert DeletedVideo.from_dict({}, "v") == DeletedVideo("v", True)


def test_is_expired():
    video = Video.from_dict({"id": "a", "status": "completed", "expires_at": 100})
    assert video.is_expired(now=100) and not video.is_expired(now=99)
    assert not Video.from_dict({"id": "a", "status": "completed"}).is_expired(now=1e12)


# --- tables -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "size", "seconds", "cost"),
    [
        ("sora-2", "720x1280", "4", 0.40),
        ("sora-2", "1280x720", 12, 1.20),
        ("sora-2-pro", "1280x720", "8", 2.40),
        ("sora-2-pro", "1024x1792", "12", 6.00),
        ("sora-2-pro", "1792x1024", "4", 2.00),
        ("sora-2-pro", "1080x1920", "4", 2.80),
        ("sora-2-pro", "1920x1080", "20", 14.00),
        (None, None, None, 0.40),  # defaults: sora-2, 720x1280, 4 s
        ("sora-2-2025-10-06", "720x1280", "8", 0.80),
        ("sora-2", "1792x1024", "4", None),  # size the model does not make
        ("wan-2.2", "832x480", "5", None),  # unknown model: unknown price
        ("sora-2", "720x1280", "abc", None),
    ],
)
def test_cost_table(model, size, seconds, cost):
    result = estimate_cost(model, size, seconds)
    assert result == (pytest.approx(cost) if cost is not None else None)


def test_every_known_model_prices_every_size():
    assert len(MODELS) >= 2
    for name, spec in MODELS.items():
        assert set(spec.price_per_second) == set(spec.sizes), name


@pytest.mark.parametrize(
    ("args", "param", "match"),
    [
        (("", None, None, None), "prompt", "empty"),
        (("x" * 32_001, None, None, None), "prompt", "32,000"),
        (("p", None, "1792x1024", None), "size", "sora-2-pro"),
        (("p", "sora-2-pro", "640x480", None), "size", "choose one of"),
        (("p", None, None, "5"), "seconds", "4, 8, 12"),
        (("p", None, None, -4), "seconds", "positive"),
        (("p", None, None, "2.5"), "seconds", "whole"),
        (("p", None, None, True), "seconds", "whole"),
        (("p", None, "1280*720", None), "size", "WIDTHxHEIGHT"),
        (("p", None, "10x10", None), "size", "too small"),
    ],
)
def test_validation_errors_name_the_param_and_the_fix(args, param, match):
    with pytest.raises(ValidationError, match=match) as info:
        validate_create(*args)
    assert info.value.param == param


def test_validation_normalizes_and_stays_open_for_unknown_models():
    assert validate_create("p", None, " 1280x720 ", 8) == (None, "1280x720", "8")
    assert validate_create("x" * 32_000, "sora-2-pro", "1080x1920", "20")[2] == "20"
    assert validate_create("p", "ltx-2", "832x480", "7") == ("ltx-2", "832x480", "7")


def test_parse_size_and_seconds():
    assert parse_size("720x1280") == (720, 1280)
    assert normalize_seconds(8) == "8" and normalize_seconds(" 012 ") == "12"
    with pytest.raises(ValidationError):
        normalize_seconds(0)


# --- Retry-After ---------------------------------------------------------------------

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"Retry-After-Ms": "20", "Retry-After": "9"}, 0.02),  # ms wins, any case
        ({"retry-after-ms": "junk", "retry-after": "9"}, 9.0),  # bad ms falls through
        ({"retry-after-ms": "-1", "retry-after": "2"}, 2.0),
        ({"retry-after-ms": "nan", "retry-after": "2"}, 2.0),
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": " 2.5 "}, 2.5),
        ({"retry-after": email.utils.formatdate(NOW + 30, usegmt=True)}, 30.0),
        ({"retry-after": email.utils.formatdate(NOW - 30, usegmt=True)}, 0.0),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),
        ({"retry-after": "-3"}, None),
        ({"retry-after": "nan"}, None),
        ({"retry-after": "tomorrow"}, None),
        ({"retry-after": ""}, None),
        ({}, None),
    ],
)
def test_retry_after_table(headers, seconds):
    result = parse_retry_after(headers, now=NOW)
    assert result == (pytest.approx(seconds) if seconds is not None else None)


# --- ids -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("video_id", "segment"),
    [
        ("video_123", "video_123"),
        ("../x", "..%2Fx"),
        ("/abs", "%2Fabs"),
        ("a b?c#d%", "a%20b%3Fc%23d%25"),
        ("dmlkZW8=/+", "dmlkZW8%3D%2F%2B"),  # LiteLLM's base64 ids
    ],
)
def test_id_is_one_path_segment(video_id, segment):
    assert id_path_segment(video_id) == segment
    assert "/" not in id_path_segment(video_id)


@pytest.mark.parametrize("video_id", ["", ".", "..", "a\x00b", "a\rb", "\x7f", "x" * 4097])
def test_unusable_ids_are_refused(video_id):
    with pytest.raises(ValidationError):
        id_path_segment(video_id)


def test_check_video_id():
    assert check_video_id("x" * 256) == "x" * 256
    long_proxy_id = "video_" + "bGl0ZWxsbTpjdXN0b21fbGxtX3Byb3ZpZGVyOm9wZW5haTs/+" * 6
    assert check_video_id(long_proxy_id) == long_proxy_id  # LiteLLM's are 240+ characters
    assert "/" not in id_path_segment(long_proxy_id)
    with pytest.raises(ValidationError):
        check_video_id(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("video_id", ["../x", "/abs", "a/b", "x" * 200, ".hidden", "a..b"])
def test_unsafe_ids_become_hashed_file_stems(video_id):
    stem = id_file_stem(video_id)
    assert stem.startswith("id-") and len(stem) == 35 and stem == id_file_stem(video_id)
    assert "/" not in stem and "." not in stem


def test_safe_ids_are_their_own_stem():
    assert id_file_stem("video_gen_ab12") == "video_gen_ab12"
    assert id_file_stem("video-1.v2") == "video-1.v2"
    assert id_file_stem("a/b") != id_file_stem("a_b")


@pytest.mark.parametrize(
    ("sent", "kept"), [(-5, 0), (1e9, 100), ("inf", 0), ("nan", 0), ("abc", 0), ({}, 0), (42, 42)]
)
def test_progress_is_clamped_to_0_100_when_parsed(sent, kept):
    assert Video.from_dict({"id": "a", "status": "in_progress", "progress": sent}).progress == kept
