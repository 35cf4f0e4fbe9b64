"""sora-notebook: a JupyterLab studio for AI video generation over the OpenAI Video API."""

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
    UnprocessableEntityError,
    ValidationError,
    VideoFailed,
    WaitTimeout,
)
from sora_notebook.protocol import Video, VideoError, VideoPage, estimate_cost

__version__ = "0.1.0"

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BudgetExceeded",
    "ConflictError",
    "DownloadError",
    "Expired",
    "GoneError",
    "NotFoundError",
    "NotReadyError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "SoraNotebookError",
    "UnprocessableEntityError",
    "ValidationError",
    "Video",
    "VideoError",
    "VideoFailed",
    "VideoPage",
    "WaitTimeout",
    "estimate_cost",
]
