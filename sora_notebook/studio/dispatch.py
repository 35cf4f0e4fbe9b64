"""From plans to requests: quote, record with the quote reserved, send, track.

A batch is recorded whole or not at all, in the library's transaction that reserves its
quote against the budget; then each submission is sent (`Runner.send`) and handed to
the tracker. A server's refusal of an action itself (remix, edit, extend) is learned by
the `CapabilityBook`, so the panel and the next plan disable it with the server's words.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from sora_notebook.errors import APIError
from sora_notebook.library import Job, Library
from sora_notebook.library.ledger import Reservation
from sora_notebook.studio.capabilities import CapabilityBook
from sora_notebook.studio.jobs import OnChange
from sora_notebook.studio.money import Purse, Quote, Wallet
from sora_notebook.studio.plans import Plan, Submission
from sora_notebook.studio.runner import Runner
from sora_notebook.studio.tracker import Tracker

__all__ = ["Dispatcher"]

log = logging.getLogger("sora_notebook.studio")


class Dispatcher:
    """Sends what plans hold, for one studio."""

    def __init__(
        self,
        library: Library,
        wallet: Wallet,
        capabilities: CapabilityBook,
        runner: Runner,
        tracker: Tracker,
        *,
        on_change: OnChange,
        start: Callable[[], None],
        on_cost: Callable[[Quote], object] | None = None,
    ) -> None:
        self.library = library
        self.wallet = wallet
        self.capabilities = capabilities
        self.runner = runner
        self.tracker = tracker
        self.on_change = on_change
        self.start = start
        self.on_cost = on_cost

    async def send(self, plans: list[Plan], what: str, purse: Purse) -> list[Job]:
        """Record every submission of `plans` with their total quote reserved against the
        budget (all or none), then send them; raises the first problem of any plan.
        `purse`: the budget's state the plans were made with (read once)."""
        for plan in plans:
            plan.raise_first()
        subs = [s for plan in plans for s in plan.submissions]
        costs = [plan.cost for plan in plans]
        cost = None if None in costs else round(sum(c or 0.0 for c in costs), 4)
        self.start()
        quote = self.wallet.quote(what, len(subs), cost, purse)
        log.info("%s", quote)
        if self.on_cost is not None:
            self.on_cost(quote)
        jobs = self.library.add_submissions(
            [self._row(s) for s in subs],
            reserve=Reservation(cost, allow_unknown=self.wallet.allow_unknown_cost),
        )
        for job in jobs:
            self.on_change("added", job)
        if len(jobs) == 1:  # no task of its own: the caller's await sends it
            return [await self._dispatch(jobs[0])]
        return list(await asyncio.gather(*(self._dispatch(job) for job in jobs)))

    async def derive(self, plan: Plan, action: str, purse: Purse) -> Job:
        """Send a remix, edit or extension; a server's refusal of the action itself (no
        route, "not supported") disables it for this session, with the server's words."""
        try:
            return (await self.send([plan], action, purse))[0]
        except APIError as exc:
            self.capabilities.learn(action, exc)
            raise

    def _row(self, sub: Submission) -> dict[str, Any]:
        backend = self.runner.ctx.backend
        return {
            "backend": backend.name,
            "backend_url": backend.base_url,
            "endpoint": sub.endpoint,
            "prompt": sub.prompt,
            "model": sub.model,
            "size": sub.size,
            "seconds": sub.seconds,
            "params": sub.params,
            "parent_key": sub.parent_key,
            "edge_kind": sub.edge_kind,
            "cost": sub.cost,
            "input_reference": sub.reference,
            "owner": self.runner.ctx.owner,
        }

    async def _dispatch(self, job: Job) -> Job:
        job = await self.runner.send(job)
        self.tracker.schedule(job)
        return job
