"""`StudioView`: the whole studio as one anywidget (what `studio.panel()` returns).

Python owns the state as traits; the ESM (`static/*.js`, assembled by `assets.py`) only
draws it and sends intents as id-carrying requests (`intents.py`, `judging.py`). One
widget model (plus its layout) whatever the number of jobs; no media in the state.
Studio events are coalesced into at most one state message per `flush_interval`
(`urgent_interval` when a job is added, fails or completes); jobs travel as patches of
what changed (`patches.py`); progress travels as the parameters of the Progress formula,
and the page animates between messages.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import traitlets as t

from sora_notebook.errors import SoraNotebookError
from sora_notebook.library import Job
from sora_notebook.widgets.actions import Cards
from sora_notebook.widgets.assets import CSS, ESM
from sora_notebook.widgets.base import ViewBase
from sora_notebook.widgets.board import Boards
from sora_notebook.widgets.fallback import static_html
from sora_notebook.widgets.home import HomeLoop
from sora_notebook.widgets.intents import Form
from sora_notebook.widgets.judging import Judging
from sora_notebook.widgets.media_url import server_root
from sora_notebook.widgets.patches import JobPatches
from sora_notebook.widgets.player import MediaServer
from sora_notebook.widgets.snapshot import LiveSnapshot
from sora_notebook.widgets.state import ACTIVE, job_state, model_options, people_state
from sora_notebook.widgets.tree import tree_state

if TYPE_CHECKING:
    from sora_notebook.storyboard import Production
    from sora_notebook.studio import StudioEvent
    from sora_notebook.widgets.port import StudioPort

__all__ = ["StudioView"]

PLAIN_TEXT = "sora-notebook studio (run the notebook to use it)"
URGENT = frozenset({"added", "failed", "completed", "removed", "media_ready"})
SAVED = frozenset({"added", "completed", "failed", "media_ready", "removed"})
EMULATED_NOTE = "Emulated output: the built-in emulator draws these videos offline; no model runs."


class StudioView(ViewBase):
    """The live studio: generate, watch, play, remix, browse the tree, compare, duel.

    Its parts answer the page's requests: `form_part` (the form, Generate, the
    reference), `cards` (play, annotate, delete, media, money settings) and `judging`
    (selection, compare, the blind duel)."""

    _esm = ESM
    _css = CSS

    def __init__(
        self,
        studio: StudioPort,
        *,
        clock: Callable[[], float] | None = None,
        root: Path | bool | None = True,
        flush_interval: float = 0.5,
        urgent_interval: float = 0.2,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.studio = studio
        # The studio's clock: progress is stamped with it (`Progress.as_of`).
        self._clock: Callable[[], float] = clock or studio.now
        self._root = server_root() if root is True else (root or None)
        self._intervals = (flush_interval, urgent_interval)
        self._flush_handle: asyncio.TimerHandle | None = None
        self._last_flush = self._due = 0.0
        self._structure: tuple[Any, ...] = ()
        self._init_requests(HomeLoop(studio))
        self.patches = JobPatches(self)
        self.media = MediaServer(self._find, self._path_of)
        self.cards = Cards(self)
        self.form_part = Form(self)
        self.judging = Judging(self)
        self.boards = Boards(self)
        backend = studio.backend
        self.backend = {
            "label": str(getattr(backend, "label", "Server")),
            "name": str(getattr(backend, "name", "")),
            "note": EMULATED_NOTE if getattr(backend, "name", "") == "emulator" else "",
        }
        self.live_snapshot = LiveSnapshot(self.static_html, settled=self._settled, home=self.home)
        self._unsubscribe: Callable[[], None] | None = studio.subscribe(self._on_events)
        self.flush()
        self.spawn(self._load_models())

    async def _load_models(self) -> None:
        """Models from the server's catalogue where it has one (else the price table's)."""
        try:
            models = model_options(await self.studio.models())
        except SoraNotebookError:
            return
        if models != self.options.get("models"):
            self.options = {**self.options, "models": models}

    # --- lookups --------------------------------------------------------------------------

    def _settled(self) -> bool:
        return not any(j.status in ACTIVE for j in self.studio.jobs())

    # --- live state -----------------------------------------------------------------------

    def _on_events(self, events: list[StudioEvent]) -> None:
        self.home.call(self._changed, events)

    def _changed(self, events: list[StudioEvent]) -> None:
        urgent = any(e.kind in URGENT for e in events)
        if any(e.kind in SAVED for e in events):
            self.live_snapshot.changed()
        self.schedule(urgent=urgent)

    def schedule(self, *, urgent: bool = False) -> None:
        """Flush soon: within `urgent_interval` when urgent, else `flush_interval`."""
        interval = self._intervals[1] if urgent else self._intervals[0]
        wait = max(0.0, self._last_flush + interval - time.monotonic())
        due = time.monotonic() + wait
        if self._flush_handle is not None:
            if not urgent or self._due <= due:
                return
            self._flush_handle.cancel()
        self._due = due
        self._flush_handle = self.home.later(wait, self.flush)
        if self._flush_handle is None:
            self.flush()

    def flush(self) -> None:
        """Recompute every derived trait from the studio; unchanged traits send nothing."""
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        self._last_flush = time.monotonic()
        jobs = self.studio.jobs()
        now = self._clock()
        with self.hold_sync():
            self.clock = round(now, 3)
            several = len(self.studio.backends) > 1  # a backend added since: cards say which
            if self.backend.get("several") != several:
                self.backend = {**self.backend, "several": several}
            kids = Counter(j.parent_key for j in jobs if j.parent_key)
            self.patches.update(
                [
                    job_state(
                        self.studio, j, path_of=self._path_of, root=self._root, children=kids[j.key]
                    )
                    for j in jobs
                ]
            )
            self._flush_tree(jobs)
            self._flush_money()
            self.people = people_state(jobs, self.money.get("person"))
            self.judging.update(jobs)

    def _flush_tree(self, jobs: list[Job]) -> None:
        show = bool(self.prefs.get("show_rejected"))
        structure = (show, *((j.key, j.parent_key, j.prompt, j.status == "rejected") for j in jobs))
        if structure != self._structure:
            self._structure = structure
            self.tree = tree_state(jobs, show_rejected=show)

    def _flush_money(self) -> None:
        spend, studio = self.studio.spend, self.studio
        self.money = {
            "total": spend.total,
            "today": spend.today,
            "session": spend.session,
            "unknown": spend.unknown,
            "day": spend.day,
            "person": spend.person,
            "people": [
                {"person": p.person, "total": p.total, "today": p.today} for p in spend.people
            ],
            "budget": studio.budget,
            "daily_budget": studio.daily_budget,
            "left": studio.left,
            "allow_unknown": studio.allow_unknown_cost,
        }
        self.replan()

    # --- what the parts (and code) ask of each other ---------------------------------------

    @t.validate("form")
    def _valid_form(self, proposal: Any) -> dict[str, Any]:
        part = getattr(self, "form_part", None)  # None while the form is being made
        return dict(proposal["value"]) if part is None else part.valid(proposal["value"])

    def replan(self) -> None:
        """The form's plan, again if anything it depends on changed."""
        self.form_part.replan()

    def set_mode(self, mode: str, key: Any = None) -> None:
        """Switch the form to `mode` for the job `key` (remix, edit, extend...)."""
        self.form_part.set_mode(mode, key)

    def set_reference(self, data: bytes, *, name: str = "image") -> None:
        """Use `data` (an image) as the form's reference, fitted at once."""
        self.form_part.set_reference(data, name=name)

    def play(self, job: Job | str) -> None:
        """Open a job in the view's main player (from code)."""
        self.cards.play(job)

    def show_board(self, made: Production) -> None:
        """Open a storyboard's production in the view's strip (shots, takes, joins, film)."""
        self.boards.show(made)

    def select(self, *jobs: Job | str) -> None:
        """Select jobs from code (as Ctrl+click in the tree): one plays, 2-4 open compare."""
        self.judging.select(*jobs)

    # --- output ---------------------------------------------------------------------------

    def static_html(self) -> str:
        """The snapshot shown where widgets cannot render (GitHub, nbviewer): escaped text."""
        return static_html(
            self.studio.jobs(),
            backend_label=self.backend.get("label", ""),
            thumbnail=lambda job: self._path_of(job, "thumbnail") if job.media else None,
        )

    def _widget_bundle(self) -> tuple[dict[str, Any], dict[str, Any]]:
        answer = super()._repr_mimebundle_()
        data, metadata = answer if answer is not None else ({}, {})
        return {**data, "text/plain": PLAIN_TEXT}, metadata

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """The widget view, with the snapshot as `text/html` for where widgets cannot run."""
        data, metadata = self._widget_bundle()
        return {**data, "text/html": self.static_html()}, metadata

    def _ipython_display_(self) -> None:
        """Show the view, then a snapshot output kept current as jobs finish (saved files)."""
        from IPython import display as ipython

        display: Callable[..., object] = ipython.display
        data, metadata = self._widget_bundle()
        data["text/html"] = f"<p><em>{PLAIN_TEXT}; its latest snapshot follows.</em></p>"
        display(data, metadata=metadata, raw=True)
        self.live_snapshot.show()

    def close(self) -> None:
        """Stop following the studio and close the widget."""
        unsubscribe, self._unsubscribe = getattr(self, "_unsubscribe", None), None
        if unsubscribe is not None:
            unsubscribe()
        if getattr(self, "live_snapshot", None) is not None:
            self.live_snapshot.close()
        handle, self._flush_handle = getattr(self, "_flush_handle", None), None
        if handle is not None:
            handle.cancel()
        super().close()
