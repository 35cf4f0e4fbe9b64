"""What the server can do, as the studio sees it: capabilities (the dialect's, less what
the server refused this session), its model catalogue, cancel, and deleting where the
server has no delete."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sora_notebook.client import AsyncSoraClient, Backend
from sora_notebook.client.dialects import Capabilities, ModelInfo
from sora_notebook.errors import APIError, ValidationError
from sora_notebook.library import Job, Library
from sora_notebook.protocol import FAILED
from sora_notebook.studio.capabilities import capabilities_of, refuses_the_action
from sora_notebook.studio.plans import Plan
from sora_notebook.studio.runner import Runner
from sora_notebook.studio.tracker import Tracker

__all__ = ["Serving"]

log = logging.getLogger("sora_notebook.studio")
JobRef = Job | str


class Serving:
    """Server-side methods of `Studio`."""

    backend: Backend
    client: AsyncSoraClient
    library: Library
    runner: Runner
    tracker: Tracker
    _clock: Callable[[], float]
    _on_change: Callable[[str, Job], None]
    _models: list[ModelInfo]
    _refusals: dict[str, str]

    if TYPE_CHECKING:  # from `Reading` and `Studio`

        def _resolve(self, job: JobRef) -> Job: ...

        def start(self) -> None: ...

        async def _send(self, plans: list[Plan], what: str) -> list[Job]: ...

    @property
    def capabilities(self) -> Capabilities:
        """What the backend offers (`capabilities.reason(action)` says why not), less what
        the server refused this session (a model behind a gateway that cannot remix)."""
        caps = capabilities_of(self.backend)
        if self._refusals:
            refused: dict[str, Any] = dict.fromkeys(self._refusals, False)
            caps = replace(caps, reasons={**caps.reasons, **self._refusals}, **refused)
        return caps

    async def models(self) -> list[ModelInfo]:
        """The server's models with their sizes and seconds where it has a catalogue
        (LiteLLM's `/v1/models`, OpenRouter's `/videos/models`), else the known ones.
        Once read, `plan` checks requests against it before anything is sent."""
        self._models = list(await self.client.models())
        return list(self._models)

    async def cancel(self, job: JobRef) -> Job:
        """Stop a running job where the server can (vLLM-Omni); refused with the reason
        (`ValidationError`) elsewhere. The record stays, marked failed "cancelled"."""
        record = self._resolve(job)
        reason = self.capabilities.reason("cancel")
        if reason is not None:
            raise ValidationError(reason, param="cancel")
        if record.video_id is None or record.is_final:
            raise ValidationError(
                f"Only a running job can be cancelled; this one is {record.status}."
            )
        self.start()
        await self.client.cancel(record.video_id)
        self.tracker.forget(record.key)
        cancelled = self.library.update(
            record.key,
            status=FAILED,
            error_code="cancelled",
            error_message="Cancelled.",
            completed_at=self._clock(),
        )
        self._on_change("failed", cancelled)
        return cancelled

    async def _derive(self, plan: Plan, action: str) -> Job:
        """Send a remix, edit or extension; a server's refusal of the action itself (no
        route, "not supported") disables it for this session, with the server's words."""
        try:
            return (await self._send([plan], action))[0]
        except APIError as exc:
            if refuses_the_action(exc):
                self._refusals[action] = f"The server refused {action}: {exc.message[:200]}"
            raise

    def _remote_delete_reason(self, record: Job) -> str | None:
        """Why the server's copy cannot be deleted (logged; the local record goes)."""
        reason = self.capabilities.reason("delete")
        if reason is not None and record.video_id is not None:
            log.info("%s Deleted %s here only.", reason, record.key)
        return reason
