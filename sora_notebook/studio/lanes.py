"""One studio, several backends: a `Lane` is one backend's services, a target one lane's model.

Each lane has its own client (its key goes to its own host only), rate limit, capabilities,
planner, runner, tracker and dispatcher; all lanes share the studio's library, so they share
its budget, ledger, judging and events. A job belongs to the lane whose runner owns it
(backend kind and address, as the library records them), and everything done to a job
(tracking, resume, cancel, delete, remix) goes through that lane.

A target is written `"name:model"`, `"name"` (the backend's default model), `"model"`
(the first backend) or `(name, model)`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from sora_notebook.client import AsyncSoraClient, Backend
from sora_notebook.client.dialects import ModelInfo
from sora_notebook.errors import SoraNotebookError, ValidationError
from sora_notebook.library import Job, Library, safe_backend_url
from sora_notebook.studio.capabilities import CapabilityBook
from sora_notebook.studio.dispatch import Dispatcher
from sora_notebook.studio.jobs import OnChange
from sora_notebook.studio.money import Quote, Wallet
from sora_notebook.studio.plans import Planner
from sora_notebook.studio.polling import PollPolicy
from sora_notebook.studio.progress import ProgressBook
from sora_notebook.studio.ratelimit import RateLimiter
from sora_notebook.studio.runner import Runner
from sora_notebook.studio.tracker import Tracker

__all__ = ["Lane", "LaneSettings", "Target", "parse_target"]

Target = str | tuple[str, str | None]
log = logging.getLogger(__name__)
#: How long a first request waits for a binding catalogue before it goes unchecked.
CATALOGUE_SECONDS = 10.0


@dataclass(frozen=True)
class LaneSettings:
    """What every lane of one studio shares."""

    library: Library
    owner: str
    clock: Callable[[], float]
    sleep: Callable[[float], Awaitable[object]]
    max_rps: float
    poll: PollPolicy
    downloads: int
    progress: ProgressBook
    on_change: OnChange
    start: Callable[[], None]


class Lane:
    """One backend's services within a studio."""

    def __init__(
        self,
        name: str,
        backend: Backend,
        shared: LaneSettings,
        *,
        client: AsyncSoraClient | None = None,
        prices: Mapping[str, float] | None = None,
        allow_unknown_cost: bool = False,
        on_cost: Callable[[Quote], object] | None = None,
    ) -> None:
        self.name = name
        self.owns_client = client is None
        self.http: httpx.AsyncClient | None = None
        create_client = client
        if client is None:
            client, create_client, self.http = make_clients(
                backend, clock=shared.clock, sleep=shared.sleep
            )
        self.client = client
        self.wallet = Wallet(
            shared.library,
            backend,
            owner=shared.owner,
            clock=shared.clock,
            prices=prices,
            allow_unknown_cost=allow_unknown_cost,
        )
        self.book = CapabilityBook(backend)
        self.planner = Planner(backend, self.wallet, self.book)
        self.catalogue_read = False
        self.runner = Runner(
            *(client, shared.library, backend),
            capabilities=self.book,
            wallet=self.wallet,
            progress=shared.progress,
            on_change=shared.on_change,
            limiter=RateLimiter(shared.max_rps, clock=shared.clock, sleep=shared.sleep),
            policy=shared.poll,
            clock=shared.clock,
            owner=shared.owner,
            create_client=create_client,
        )
        self.tracker = Tracker(
            self.runner, clock=shared.clock, sleep=shared.sleep, concurrency=shared.downloads
        )
        self.dispatcher = Dispatcher(
            *(shared.library, self.wallet, self.book, self.runner, self.tracker),
            on_change=shared.on_change,
            start=shared.start,
            on_cost=on_cost,
        )

    def __repr__(self) -> str:
        return f"Lane({self.name!r}, {self.backend.label}, {self.address})"

    async def models(self) -> list[ModelInfo]:
        """The server's catalogue, read now; `plan` checks requests against it."""
        self.planner.models = list(await self.client.models())
        self.catalogue_read = True
        return list(self.planner.models)

    async def know_catalogue(self) -> None:
        """Read a binding catalogue once before the first request (bounded in time); a
        catalogue that cannot be read leaves the server's own checks, said in the log."""
        if self.catalogue_read or not self.backend.dialect.catalogue_binds:
            return
        self.catalogue_read = True
        try:
            await asyncio.wait_for(self.models(), CATALOGUE_SECONDS)
        except (SoraNotebookError, TimeoutError) as exc:
            log.warning("%s: its catalogue could not be read (%s); sending unchecked", self, exc)

    @property
    def backend(self) -> Backend:
        return self.wallet.backend

    @backend.setter
    def backend(self, backend: Backend) -> None:
        """The same server declared anew (`with_quirks`): its jobs stay this lane's."""
        self.wallet.backend = self.book.backend = self.planner.backend = backend

    @property
    def address(self) -> str:
        """The backend's address as the library records it (credentials removed)."""
        return safe_backend_url(self.backend.base_url)

    def owns(self, job: Job) -> bool:
        return self.runner.owns(job)

    async def aclose(self) -> None:
        await self.tracker.stop()
        if self.owns_client:
            await self.client.aclose()
            await self.runner.create_client.aclose()
            if self.http is not None:
                await self.http.aclose()


def make_clients(
    backend: Backend, *, clock: Callable[[], float], sleep: Callable[[float], Awaitable[object]]
) -> tuple[AsyncSoraClient, AsyncSoraClient, httpx.AsyncClient]:
    """Two clients on one connection pool: one that retries, for reading and
    downloading, and one that never re-sends a create on its own. A create whose answer
    is lost stays `pending` and is reconciled by the studio, which sends it again only
    after the server's job list shows it is not there."""
    http = httpx.AsyncClient(**backend.http_options(), timeout=60.0)
    reader = AsyncSoraClient(backend, http_client=http, sleep=sleep, wall_clock=clock)
    creator = AsyncSoraClient(
        backend, http_client=http, max_retries=0, sleep=sleep, wall_clock=clock
    )
    return reader, creator, http


def check_lane_name(name: object, taken: Sequence[str]) -> str:
    """A lane's name: a short word without `:` (targets are written `name:model`)."""
    if not isinstance(name, str) or not name.strip() or ":" in name or len(name) > 64:
        raise ValidationError(
            f"A backend's name must be a word of up to 64 characters without ':', "
            f"not {name!r} (targets are written 'name:model').",
            param="backend",
        )
    if name in taken:
        raise ValidationError(f"There is already a backend named {name!r}.", param="backend")
    return name


def parse_target(target: Any, names: Sequence[str]) -> tuple[str, str | None]:
    """`(lane name, model or None)` for `target` (see the module's docstring).

    `"x:y"` names lane `x` when `x` is one of `names`; otherwise the whole text is a model
    of the first lane (model names may hold a colon)."""
    if isinstance(target, tuple) and len(target) == 2:
        name, model = target
        if name not in names:
            raise _unknown(name, names)
        if model is not None and (not isinstance(model, str) or not model.strip()):
            raise ValidationError(f"A target's model must be text, not {model!r}.", param="model")
        return name, model
    if not isinstance(target, str) or not target.strip():
        raise ValidationError(
            f"A target is 'name:model', 'name', 'model' or (name, model), not {target!r}.",
            param="targets",
        )
    head, sep, tail = target.partition(":")
    if sep and head in names:
        return head, tail or None
    if target in names:
        return target, None
    return names[0], target


def _unknown(name: object, names: Sequence[str]) -> ValidationError:
    known = ", ".join(repr(n) for n in names)
    return ValidationError(
        f"No backend named {name!r} in this studio (it has {known}); add it with "
        f"studio.add_backend(name, backend).",
        param="targets",
    )
