"""errors.py: one root, one status mapping, messages that say what to do next."""

from __future__ import annotations

import re

import pytest

import sora_notebook.errors as errors_module
from sora_notebook.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BudgetExceeded,
    ConflictError,
    Expired,
    GoneError,
    NotFoundError,
    NotReadyError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    SoraNotebookError,
    UnprocessableEntityError,
    ValidationError,
    VideoFailed,
    WaitTimeout,
    error_for_status,
)
from sora_notebook.protocol import Video


def envelope(message: str = "m", **fields) -> dict:
    return {"error": {"message": message, **fields}}


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (410, GoneError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (599, ServerError),
        (408, APIError),
        (418, APIError),
    ],
)
def test_status_mapping(status, cls):
    error = error_for_status(status, envelope())
    assert type(error) is cls
    assert error.status_code == status and isinstance(error, SoraNotebookError)


def test_404_not_ready_is_its_own_class():
    error = error_for_status(404, envelope("Video is not ready yet"))
    assert type(error) is NotReadyError and isinstance(error, NotFoundError)
    assert "wait for it to complete" in str(error)


def test_envelope_fields_are_read():
    body = envelope("Invalid size", type="invalid_request_error", param="size", code="bad_size")
    error = error_for_status(400, body, {"x-request-id": "req_1"})
    assert (error.message, error.type, error.param, error.code) == (
        "Invalid size",
        "invalid_request_error",
        "size",
        "bad_size",
    )
    assert error.request_id == "req_1" and error.body == body
    assert str(error).startswith("400: Invalid size (")


def test_integer_code_and_odd_fields_are_tolerated():
    error = error_for_status(500, {"error": {"message": "x", "code": 500, "param": 3, "type": []}})
    assert error.code == 500 and error.param is None and error.type is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<html>Bad Gateway</html>", "<html>Bad Gateway</html>"),
        ("   ", "HTTP 502"),
        (None, "HTTP 502"),
        ({"detail": "Not Found"}, "Not Found"),  # FastAPI's shape (SGLang): its words
        ({"error": "a plain string"}, "a plain string"),  # OpenRouter's and SGLang's shape
        ({"error": {"message": ""}}, "HTTP 502"),
        ("x" * 2000, "x" * 500),
    ],
)
def test_bodies_without_an_envelope(body, message):
    error = error_for_status(502, body)
    assert error.message == message and type(error) is ServerError


def test_rate_limit_exposes_retry_after():
    error = error_for_status(429, envelope(), {"Retry-After-Ms": "1500"})
    assert error.retry_after == 1.5
    assert error_for_status(429, envelope()).retry_after is None


def test_every_api_error_says_what_to_do():
    statuses = [c for c in APIError.__subclasses__() if c is not APIConnectionError]
    for cls in (APIError, *statuses, NotReadyError):
        error = cls("m", status_code=400)
        assert error.hint and error.hint in str(error)
    assert "OPENAI_API_KEY" in str(error_for_status(401, envelope()))


def test_connection_errors():
    error = APIConnectionError(url="http://localhost:8000/v1/videos")
    assert "http://localhost:8000/v1/videos" in str(error) and "sora-notebook emulator" in str(
        error
    )
    assert issubclass(APITimeoutError, APIConnectionError)
    assert APITimeoutError("slow").url is None
    # as in openai-python: code written for `except APIError` catches no answer too
    assert isinstance(error, APIError) and error.status_code == 0 and error.request_id is None
    assert error.message == "Could not connect" and error.body is None
    try:
        raise APITimeoutError("No answer in time", url="http://x/v1/videos")
    except APIError as caught:
        assert "No answer in time to http://x/v1/videos" in str(caught)


def test_validation_error_is_a_value_error():
    error = ValidationError("bad", param="size")
    assert isinstance(error, ValueError) and error.param == "size" and error.message == "bad"


def test_video_failed_hints():
    blocked = Video.from_dict(
        {"id": "v", "status": "failed", "error": {"code": "moderation_blocked", "message": "m"}}
    )
    assert (
        "Rephrase" in str(VideoFailed(blocked))
        and VideoFailed(blocked).code == "moderation_blocked"
    )
    by_text = Video.from_dict(
        {"id": "v", "status": "failed", "error": {"message": "Blocked by our moderation system."}}
    )
    assert "Rephrase" in str(VideoFailed(by_text))
    other = Video.from_dict(
        {"id": "v", "status": "failed", "error": {"code": 500, "message": "OOM"}}
    )
    assert "Change the prompt" in str(VideoFailed(other)) and VideoFailed(other).code == 500
    silent = Video.from_dict({"id": "v", "status": "failed"})
    assert "no reason given" in str(VideoFailed(silent))


def test_other_errors_say_what_to_do():
    assert "local copy" in str(Expired("v", 5)) and Expired("v", 5).expires_at == 5
    timeout = WaitTimeout("v", 30, Video.from_dict({"id": "v", "status": "in_progress"}))
    assert isinstance(timeout, TimeoutError) and "in_progress" in str(timeout)
    assert "wait again" in str(timeout)
    assert "unknown" in str(WaitTimeout("v", 1.5))
    budget = BudgetExceeded(2.0, 9.5, 10.0)
    assert "$2.00" in str(budget) and "Raise the budget" in str(budget)


def test_the_docstring_tree_lists_every_class():
    drawn = set(re.findall(r"[─└├]── (\w+)", errors_module.__doc__ or ""))
    drawn.add("SoraNotebookError")
    classes = {
        name for name in errors_module.__all__ if isinstance(getattr(errors_module, name), type)
    }
    assert drawn == classes
    for name in classes:
        assert issubclass(getattr(errors_module, name), SoraNotebookError)
