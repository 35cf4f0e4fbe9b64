"""The studio's hands: send a recorded submission, reconcile it, poll, download media.

`Runner` is assembled from its halves, each in its own module over one shared core
(`jobs.RunnerCore`: one `JobState` per job, ownership, what to do next, recording):
`sending` (create, reconcile), `refresh` (poll, list, delete), `media` (downloads).
"""

from __future__ import annotations

from sora_notebook.studio.jobs import FOREIGN_GRACE, JobState, new_owner
from sora_notebook.studio.media import EXPIRED_MESSAGE, Fetching
from sora_notebook.studio.refresh import LOST_MESSAGE, Refreshing
from sora_notebook.studio.sending import Sending, is_definitive

__all__ = [
    "EXPIRED_MESSAGE",
    "FOREIGN_GRACE",
    "LOST_MESSAGE",
    "JobState",
    "Runner",
    "is_definitive",
    "new_owner",
]


class Runner(Sending, Refreshing, Fetching):
    """Requests for the studio's jobs, with every answer recorded in the library."""
