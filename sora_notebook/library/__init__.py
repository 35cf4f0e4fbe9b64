"""The library layer: SQLite records, lineage and the media folder, versioned. No HTTP."""

from sora_notebook.library._library import Library, safe_backend_url
from sora_notebook.library.records import (
    DELETED_REMOTE,
    EDGE_KINDS,
    FINAL_STATUSES,
    PENDING,
    REJECTED,
    Job,
)

__all__ = [
    "DELETED_REMOTE",
    "EDGE_KINDS",
    "FINAL_STATUSES",
    "PENDING",
    "REJECTED",
    "Job",
    "Library",
    "safe_backend_url",
]
