"""`Panel`: the Studio panel a person works in (what `studio.panel()` returns).

Form, live job cards, the main player, the history tree and compare, wired to one
`Studio`. The panel subscribes to the studio's events, so cards move while no cell runs;
its work (submit, delete) runs as tasks on the kernel's event loop. Its output also
carries a static HTML snapshot for notebooks opened without a kernel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import ipywidgets as w

from sora_notebook.errors import SoraNotebookError, ValidationError
from sora_notebook.widgets.cards import ACTIVE, JobCard
from sora_notebook.widgets.compare import CompareView
from sora_notebook.widgets.fallback import static_html
from sora_notebook.widgets.form import Request, SubmitForm
from sora_notebook.widgets.home import HomeLoop
from sora_notebook.widgets.hotkeys import Hotkeys
from sora_notebook.widgets.player import PlayerView
from sora_notebook.widgets.snapshot import LiveSnapshot
from sora_notebook.widgets.text import TextView
from sora_notebook.widgets.tree import TreeView
from sora_notebook.widgets.visibility import set_hidden

__all__ = ["Panel"]

log = logging.getLogger(__name__)
CARDS_SHOWN = 12
TICK_SECONDS = 1.0
SAVED_KINDS = frozenset({"added", "completed", "failed", "media_ready", "removed"})
PLAIN_TEXT = "sora-notebook studio panel (run the notebook to use it)"


def _close_all(widget: w.Widget) -> None:
    for child in getattr(widget, "children", ()):
        _close_all(child)
    widget.close()


def _section(title: str) -> TextView:
    view = TextView(title, kind="strong")
    view.add_class("sn-section-title")
    return view


class Panel(w.VBox):
    """The live studio: generate, watch, play, remix, browse the tree, compare."""

    def __init__(
        self,
        studio: Any,
        *,
        cards: int = CARDS_SHOWN,
        clock: Callable[[], float] = time.time,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.add_class("sn-panel")
        self.studio = studio
        self._clock = clock
        self._limit = cards
        self._cards: dict[str, JobCard] = {}
        self.home = HomeLoop(studio)
        self._ticker: asyncio.TimerHandle | None = None
        self._busy = False
        self._compared: tuple[Any, ...] = ()

        backend = studio.backend
        self.badge = TextView(f"Backend: {backend.label}", kind="badge")
        self.badge.add_class("sn-badge")
        self.badge.add_class(f"sn-badge-{backend.name if backend.name.isalpha() else 'other'}")
        self.badge_note = TextView(
            "Emulated output: the built-in emulator draws these videos offline; no model runs."
            if backend.name == "emulator"
            else "",
            kind="hint",
        )
        self.summary = TextView(kind="muted")
        self.summary.add_class("sn-summary")
        self.message = TextView(kind="error")
        self.message.add_class("sn-panel-message")
        header = w.HBox([self.badge, self.summary, self.badge_note])
        header.add_class("sn-header")

        self.form = SubmitForm(studio)
        self.form.submit.on_click(lambda _b: self.submit())

        self.player = PlayerView()
        self.player.add_class("sn-main-player")
        self.now_playing = TextView(kind="muted")
        self.now_playing.add_class("sn-now-playing")
        self.player_box = w.VBox([self.player, self.now_playing])
        self.player_box.add_class("sn-hidden")

        self.cards_box = w.Box()
        self.cards_box.add_class("sn-cards")
        self.more = w.Button(description="Show more")
        self.more.add_class("sn-more")
        self.more.on_click(lambda _b: self._show_more())

        self.tree = TreeView(thumbnail=self._thumb_for_tree)
        self.tree.add_class("sn-tree-widget")
        self.tree.observe(lambda change: self.home.call(self._on_select, change), names="selected")
        self.compare = CompareView(media=self._media)
        self.compare.add_class("sn-compare-widget")
        self.compare_title = _section("Compare")
        self.compare_box = w.VBox([self.compare_title, self.compare])
        self.compare_box.add_class("sn-hidden")

        self.hotkeys = Hotkeys(submit=self.submit, cancel=self._cancel_mode)
        self.hotkeys.add_class("sn-hotkeys")

        self.children = [
            header,
            self.message,
            self.form.box,
            self.player_box,
            _section("Generations"),
            self.cards_box,
            self.more,
            _section("History (click to play; Ctrl/Shift+click 2-4 to compare)"),
            self.tree,
            self.compare_box,
            self.hotkeys,
        ]
        self.live_snapshot = LiveSnapshot(self.static_html, settled=self._settled, home=self.home)
        self._unsubscribe: Callable[[], None] | None = studio.subscribe(self._on_events)
        self.refresh()

    # --- media --------------------------------------------------------------------------

    def _media(self, job: Any, variant: str) -> Path | None:
        return self.studio.library.media_path(job, variant)

    def _thumb_for_tree(self, job: Any) -> Path | None:
        return self._media(job, "thumbnail") if job.media else None

    # --- live state ---------------------------------------------------------------------

    def _on_events(self, events: list[Any]) -> None:
        self.home.call(self._apply_events, events)

    def _apply_events(self, events: list[Any]) -> None:
        self._refresh_now()
        if any(e.kind in SAVED_KINDS for e in events):
            self.live_snapshot.changed()

    def refresh(self) -> None:
        """Redraw everything from the studio's records (on the studio's loop)."""
        self.home.call(self._refresh_now)

    def _refresh_now(self) -> None:
        jobs = self.studio.jobs()
        by_key = {j.key: j for j in jobs}
        self.tree.set_jobs(jobs)
        newest = sorted(jobs, key=lambda j: (j.submitted_at or 0, j.key), reverse=True)
        shown = newest[: self._limit]
        keys = [j.key for j in shown]
        for key in list(self._cards):
            if key not in by_key or key not in keys:
                self._cards.pop(key).close()
        for job in shown:
            card = self._cards.get(job.key)
            if card is None:
                self._cards[job.key] = JobCard(
                    job,
                    actions=self,
                    media=self._media,
                    backend=self.studio.backend,
                    clock=self._clock,
                )
            elif card.job != job:
                card.update(job)
        boxes = tuple(self._cards[k].box for k in keys)
        if self.cards_box.children != boxes:
            self.cards_box.children = boxes
        hidden = len(newest) - len(shown)
        self.more.description = f"Show {min(hidden, CARDS_SHOWN)} more of {hidden}"
        set_hidden(self.more, hidden <= 0)
        self._refresh_compare(by_key)
        self._refresh_money(len(jobs))
        self._schedule_tick()

    def _refresh_money(self, count: int) -> None:
        spent = float(self.studio.spent or 0.0)
        budget = self.studio.budget
        text = f"{count} video{'s' if count != 1 else ''} · session ${spent:,.2f}"
        if budget is not None:
            text += f" of ${budget:,.2f} budget"
        self.summary.value = text
        self.form.refresh_cost()

    def _settled(self) -> bool:
        return not any(j.status in ACTIVE for j in self.studio.jobs())

    def _show_more(self) -> None:
        self._limit += CARDS_SHOWN
        self.refresh()

    def _schedule_tick(self) -> None:
        if self._ticker is None and any(card.active for card in self._cards.values()):
            self._ticker = self.home.later(TICK_SECONDS, self.tick)

    def tick(self) -> None:
        """Advance the elapsed / time-left text of running jobs (no event needed)."""
        self._ticker = None
        for card in self._cards.values():
            if card.active:
                card.tick()
        self._schedule_tick()

    # --- selection: play one, compare several --------------------------------------------

    def _on_select(self, change: dict[str, Any]) -> None:
        keys = change["new"]
        if len(keys) == 1:
            with contextlib.suppress(SoraNotebookError):
                self.play(self.studio.get(keys[0]))
        self._refresh_compare({j.key: j for j in self.studio.jobs()})

    def _refresh_compare(self, by_key: dict[str, Any]) -> None:
        selected = [by_key[k] for k in self.tree.selected if k in by_key]
        if 2 <= len(selected) <= 4:
            state = tuple(
                (j.key, j.status, tuple(sorted(j.media.items())), j.rating) for j in selected
            )
            if state != self._compared:
                self._compared = state
                self.compare.set_jobs(selected)
                self.compare_title.value = f"Compare {len(selected)} videos"
            set_hidden(self.compare_box, False)
        else:
            self._compared = ()
            set_hidden(self.compare_box, True)

    # --- card actions (CardActions) -------------------------------------------------------

    def play(self, job: Any) -> None:
        video = self._media(job, "video")
        self.player.set_media(
            video,
            thumbnail=self._media(job, "thumbnail"),
            spritesheet=self._media(job, "spritesheet"),
            size=job.size,
            seconds=job.seconds,
            label=job.prompt or "",
            message="" if video else "This video has no local file (yet).",
        )
        self.now_playing.value = job.prompt or ""
        set_hidden(self.player_box, False)
        if video:
            self.player.play()

    def remix(self, job: Any) -> None:
        self.form.set_mode("remix", job)
        self.form.prompt.value = job.prompt or ""

    def edit(self, job: Any) -> None:
        self.form.set_mode("edit", job)
        self.form.prompt.value = job.prompt or ""

    def extend(self, job: Any) -> None:
        self.form.set_mode("extend", job)
        self.form.prompt.value = ""

    def reprompt(self, job: Any) -> None:
        self.form.set_mode("reprompt", job)
        self.form.prompt.value = job.prompt or ""

    def frame(self, job: Any, png: bytes, at: float) -> None:
        self.form.set_mode("frame", job)
        self.form.set_reference(png)
        self.form.status.value = f"Using the frame at {at:.2f} s as the reference image."

    def delete(self, job: Any) -> None:
        self._spawn(self._delete(job))

    async def _delete(self, job: Any) -> None:
        try:
            await self.studio.delete(job, remote=True)
        except SoraNotebookError as exc:
            self.message.value = f"Could not delete on the server: {exc}"
        else:
            self.message.value = ""

    def rate(self, job: Any, rating: int | None) -> None:
        self._annotate(job, rating=rating)

    def note(self, job: Any, text: str) -> None:
        self._annotate(job, notes=text)

    def _annotate(self, job: Any, **fields: Any) -> None:
        self.home.call(self._annotate_now, job, fields)

    def _annotate_now(self, job: Any, fields: dict[str, Any]) -> None:
        try:
            self.studio.annotate(job, **fields)
        except SoraNotebookError as exc:
            self.message.value = str(exc)

    def _cancel_mode(self) -> str | None:
        if self.form.mode == "new":
            return "Nothing to cancel."
        self.form.set_mode("new")
        return None

    # --- submitting -------------------------------------------------------------------------

    def submit(self) -> str | None:
        """Check the form and send it; returns why nothing was sent, or None."""
        if self._busy:
            return "Still sending the previous request."
        request = self.form.collect()
        if request is None:
            return "Nothing was sent: see the messages next to the fields."
        self._busy = True
        self.form.submit.disabled = True
        self.form.status.value = "Sending…"
        self._spawn(self._send_request(request))
        return None

    async def _send_request(self, r: Request) -> list[Any]:
        studio = self.studio
        jobs: list[Any] = []
        try:
            if r.mode == "remix":
                for _ in range(r.n):
                    jobs.append(await studio.remix(r.parent, r.prompt))
            elif r.mode == "edit":
                jobs.append(await studio.edit(r.parent, r.prompt))
            elif r.mode == "extend":
                jobs.append(await studio.extend(r.parent, r.prompt, r.seconds))
            else:
                params: dict[str, Any] = {
                    "model": r.model,
                    "size": r.size,
                    "seconds": r.seconds,
                    "input_reference": r.reference,
                }
                if r.mode in {"reprompt", "frame"}:
                    params.update(parent=r.parent, edge_kind=r.mode)
                if r.n == 1:
                    jobs.append(await studio.submit(r.prompt, **params))
                else:
                    jobs += await studio.variants(r.prompt, r.n, **params)
        except ValidationError as exc:
            self.form.show_error(exc.param or "submit", exc.message)
            self.form.status.value = "Nothing was sent."
        except SoraNotebookError as exc:
            self.form.show_error("submit", str(exc))
            self.form.status.value = "Not accepted." if not jobs else f"Sent {len(jobs)}."
        except Exception as exc:  # a bug must show, not vanish in a task
            log.exception("submitting from the panel failed")
            self.form.show_error("submit", f"Unexpected error: {exc!r}")
            self.form.status.value = ""
        else:
            self.form.status.value = (
                f"Sent {len(jobs)} request{'s' if len(jobs) != 1 else ''}; "
                "the cards below follow them."
            )
            if r.mode != "new":
                self.form.set_mode("new")
        finally:
            self._busy = False
            self.form.submit.disabled = False
            self._refresh_now()
        return jobs

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        self.home.spawn(coro, run=self.studio.run)

    async def drain(self) -> None:
        """Wait for the panel's own tasks (submissions, deletions) to finish."""
        while self.home.tasks:
            await asyncio.gather(*list(self.home.tasks), return_exceptions=True)

    # --- output ---------------------------------------------------------------------------

    def snapshot(self) -> Any:
        """The static snapshot as a display object (all text escaped), to keep in a
        notebook's outputs after the work is done: `display(studio.panel().snapshot())`."""
        from IPython.display import HTML

        return HTML(self.static_html())

    def static_html(self) -> str:
        """The snapshot shown where widgets cannot render (GitHub, nbviewer)."""
        return static_html(
            self.studio.jobs(),
            backend_label=str(self.studio.backend.label),
            thumbnail=lambda job: self._media(job, "thumbnail") if job.media else None,
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The widget view, with the snapshot as `text/html` for where widgets cannot run."""
        bundle = dict(super()._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = PLAIN_TEXT
        bundle["text/html"] = self.static_html()
        return bundle

    def _ipython_display_(self) -> None:
        """Show the panel, then a snapshot output kept current as jobs finish.

        The panel's own `text/html` is then one line pointing at the snapshot, so a saved
        notebook shows the work once, as it was when last saved.
        """
        from IPython.display import display

        bundle = dict(super()._repr_mimebundle_() or {})
        bundle["text/plain"] = PLAIN_TEXT
        bundle["text/html"] = f"<p><em>{PLAIN_TEXT}; its latest snapshot follows.</em></p>"
        display(bundle, raw=True)
        self.live_snapshot.show()

    def close(self) -> None:
        """Stop following the studio and close every widget of the panel."""
        unsubscribe, self._unsubscribe = getattr(self, "_unsubscribe", None), None
        if unsubscribe is not None:
            unsubscribe()
        snapshot = getattr(self, "live_snapshot", None)
        if snapshot is not None:
            snapshot.close()
        ticker, self._ticker = getattr(self, "_ticker", None), None
        if ticker is not None:
            ticker.cancel()
        cards = getattr(self, "_cards", {})
        for card in cards.values():
            card.close()
        cards.clear()
        for child in self.children:
            _close_all(child)
        super().close()
