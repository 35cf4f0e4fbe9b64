"""sora-notebook: a JupyterLab studio for AI video generation over the OpenAI Video API."""

from sora_notebook.client import AsyncSoraClient
from sora_notebook.client.backend import Backend
from sora_notebook.client.references import fit_reference
from sora_notebook.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BudgetExceeded,
    ConflictError,
    DownloadError,
    Expired,
    GoneError,
    NotFoundError,
    NotReadyError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    SoraNotebookError,
    SubmissionUnknown,
    UnprocessableEntityError,
    ValidationError,
    VideoFailed,
    WaitTimeout,
)
from sora_notebook.library import Job, Library
from sora_notebook.protocol import DeletedVideo, Video, VideoError, VideoPage, estimate_cost
from sora_notebook.studio import Studio, StudioEvent

__version__ = "0.1.0"


def _studio_view(studio: Studio) -> object:
    """The studio's panel: the view, imported on first use (the facade sits above it)."""
    from sora_notebook.widgets import StudioView

    return StudioView(studio)


Studio.show_with(_studio_view)

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncSoraClient",
    "AuthenticationError",
    "Backend",
    "BadRequestError",
    "BudgetExceeded",
    "ConflictError",
    "DeletedVideo",
    "DownloadError",
    "Expired",
    "GoneError",
    "Job",
    "Library",
    "NotFoundError",
    "NotReadyError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "SoraNotebookError",
    "Studio",
    "StudioEvent",
    "SubmissionUnknown",
    "UnprocessableEntityError",
    "ValidationError",
    "Video",
    "VideoError",
    "VideoFailed",
    "VideoPage",
    "WaitTimeout",
    "estimate_cost",
    "fit_reference",
]
