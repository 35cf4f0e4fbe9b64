"""Job cards: one per generation, updated live from studio events.

A card shows the status, a progress bar, elapsed time and an estimate of the time left,
the failure reason with a hint, and the actions that make sense for the job's state.
Untrusted text (prompt, status, server messages) goes through `TextView` only.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import ipywidgets as w

from sora_notebook.widgets.player import PlayerView
from sora_notebook.widgets.text import TextView
from sora_notebook.widgets.visibility import set_hidden

__all__ = ["CardActions", "JobCard", "failure_hint", "format_duration", "time_left"]

ACTIVE = {"pending", "queued", "in_progress", "submitting"}
MediaPath = Callable[[Any, str], Path | None]
_RATINGS = [("rate", -1), ("★", 1), ("★★", 2), ("★★★", 3), ("★★★★", 4), ("★★★★★", 5)]


class CardActions(Protocol):
    """What the card's buttons ask of the panel."""

    def play(self, job: Any) -> None: ...
    def remix(self, job: Any) -> None: ...
    def edit(self, job: Any) -> None: ...
    def extend(self, job: Any) -> None: ...
    def reprompt(self, job: Any) -> None: ...
    def frame(self, job: Any, png: bytes, at: float) -> None: ...
    def delete(self, job: Any) -> None: ...
    def rate(self, job: Any, rating: int | None) -> None: ...
    def note(self, job: Any, text: str) -> None: ...


def format_duration(seconds: float | None) -> str:
    if seconds is None or seconds < 0:
        return "—"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def time_left(job: Any, now: float) -> float | None:
    """Seconds left, extrapolated from progress since the server accepted the job."""
    progress = int(job.progress or 0)
    start = job.created_at or job.submitted_at
    if job.status != "in_progress" or not start or progress <= 0 or progress >= 100:
        return None
    spent = max(now - start, 0.0)
    return spent * (100 - progress) / progress


def failure_hint(job: Any) -> str:
    """What to do about a failed, refused or expired job, from its code and message."""
    text = f"{job.error_code or ''} {job.error_message or ''}".lower()
    if getattr(job, "media_expired", False) or "expired" in text:
        return (
            "The server no longer keeps this video. Media is copied as soon as a job "
            "completes; this one finished while nothing was watching. Generate it again."
        )
    if "moderation" in text or "blocked" in text or "policy" in text:
        return (
            "Blocked by the server's moderation. Rephrase: no real people, copyrighted "
            "characters or music, nothing unsuitable for under-18s; reference images "
            "with people are refused."
        )
    if "size" in text or "width and height" in text or "dimension" in text:
        return (
            "The size was refused. Pick a size the model offers; a reference image must "
            "match it exactly (the form crops or pads it for you)."
        )
    if "seconds" in text or "duration" in text:
        return "The length was refused. Pick one of the model's lengths."
    if job.status == "rejected":
        return "The server refused the request; nothing was created or billed."
    return "Try again, or edit the prompt and use 'Again'."


def _key_class(key: str) -> str:
    return "sn-card-key-" + (re.sub(r"[^A-Za-z0-9_-]", "", key)[:64] or "x")


def _button(label: str, css: str, tooltip: str) -> w.Button:
    return w.Button(description=label, tooltip=tooltip, _dom_classes=(css,))


class JobCard:
    """The widgets for one job (`box`); `update(job)` redraws it."""

    def __init__(
        self,
        job: Any,
        *,
        actions: CardActions,
        media: MediaPath,
        backend: Any,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.job = job
        self._actions = actions
        self._media = media
        self._backend = backend
        self._clock = clock
        self._syncing = False
        self._confirm_delete = False
        self._media_key: tuple[Any, ...] = ()

        self.player = PlayerView(compact=True, _dom_classes=("sn-card-player",))
        self.player.on_frame(self._on_frame)
        # hidden in its place: see visibility.py
        self.player_box = w.Box([self.player], _dom_classes=("sn-card-player-box",))
        self.prompt = TextView(kind="prompt", _dom_classes=("sn-card-prompt",))
        self.meta = TextView(kind="muted", _dom_classes=("sn-card-meta",))
        self.status = TextView(kind="strong", _dom_classes=("sn-card-status",))
        self.progress = w.FloatProgress(
            min=0, max=100, layout=w.Layout(width="100%"), _dom_classes=("sn-progress",)
        )
        self.timing = TextView(kind="muted", _dom_classes=("sn-card-time",))
        self.error = TextView(kind="error", _dom_classes=("sn-card-error",))
        self.hint = TextView(kind="hint", _dom_classes=("sn-card-hint",))

        self.buttons = {
            "play": _button("Play", "sn-play", "Play in the main player"),
            "remix": _button("Remix", "sn-remix", "Remix this video with a new prompt"),
            "edit": _button("Edit", "sn-edit", "Edit this video as a prompt says"),
            "extend": _button("Extend", "sn-extend", "Continue this video"),
            "frame": _button("Frame", "sn-frame", "Pick a frame as the next reference"),
            "reprompt": _button("Again", "sn-reprompt", "New generation from an edited prompt"),
            "download": _button("Save", "sn-download", "Download the MP4"),
            "delete": _button("Delete", "sn-delete", "Delete locally and on the server"),
        }
        for name, button in self.buttons.items():
            button.on_click(lambda _b, name=name: self._on_button(name))
        self.rating = w.Dropdown(
            options=_RATINGS, value=-1, layout=w.Layout(width="90px"), _dom_classes=("sn-rate",)
        )
        self.rating.observe(self._on_rating, names="value")
        self.note = w.Text(placeholder="note", continuous_update=False, _dom_classes=("sn-note",))
        self.note.observe(self._on_note, names="value")
        self.actions_row = w.HBox(
            [*self.buttons.values(), self.rating], _dom_classes=("sn-card-actions",)
        )
        self.box = w.VBox(
            [
                self.player_box,
                self.status,
                self.progress,
                self.timing,
                self.prompt,
                self.meta,
                self.error,
                self.hint,
                self.actions_row,
                self.note,
            ],
            _dom_classes=("sn-card", _key_class(job.key)),  # set at creation: no messages
        )

        self._status_class = ""
        self.update(job)

    @property
    def active(self) -> bool:
        return self.job.status in ACTIVE

    def update(self, job: Any) -> None:
        """Redraw for the job's newest record."""
        self.job = job
        status = str(job.status)
        css = "sn-card-" + (re.sub(r"[^a-z_]", "", status.lower()) or "unknown")
        if css != self._status_class:
            if self._status_class:
                self.box.remove_class(self._status_class)
            self.box.add_class(css)
            self._status_class = css
        self.prompt.value = job.prompt or ""
        self.prompt.title = job.prompt or ""
        meta = [
            job.model or "server default",
            job.size,
            f"{job.seconds} s" if job.seconds else None,
        ]
        if job.edge_kind:
            meta.append(f"from a {job.edge_kind}")
        if job.cost is not None:
            meta.append(f"${job.cost:,.2f}")
        self.meta.value = " · ".join(str(m) for m in meta if m)
        self.progress.value = float(max(0, min(100, int(job.progress or 0))))
        self.progress.bar_style = (
            "success"
            if status == "completed"
            else "danger"
            if status in {"failed", "rejected"}
            else "info"
        )
        failed = status in {"failed", "rejected"} or bool(job.media_expired)
        self.error.value = (job.error_message or "") if failed else ""
        if failed and not self.error.value:
            self.error.value = "The video's media has expired." if job.media_expired else "Failed."
        self.hint.value = failure_hint(job) if failed else ""
        self._update_media(job)
        self._update_actions(job)
        self._syncing = True
        try:
            self.rating.value = job.rating if job.rating in range(1, 6) else -1
            if self.note.value != (job.notes or ""):
                self.note.value = job.notes or ""
        finally:
            self._syncing = False
        self.tick()

    def tick(self) -> None:
        """Refresh the status line and the elapsed / time-left text."""
        job, now = self.job, self._clock()
        status = str(job.status).replace("_", " ")
        if job.status == "in_progress":
            status += f" · {int(job.progress or 0)}%"
        self.status.value = status
        end = job.completed_at if not self.active else now
        elapsed = (end or now) - job.submitted_at if job.submitted_at else None
        parts = [
            f"{format_duration(elapsed)} elapsed"
            if self.active
            else f"took {format_duration(elapsed)}"
        ]
        left = time_left(job, now)
        if left is not None:
            parts.append(f"about {format_duration(left)} left")
        elif job.status in {"queued", "pending"}:
            parts.append("waiting for the server")
        self.timing.value = " · ".join(parts)

    def _update_media(self, job: Any) -> None:
        video = self._media(job, "video")
        thumb = self._media(job, "thumbnail")
        sprite = self._media(job, "spritesheet")
        key = (video, thumb, sprite)
        if key == self._media_key:
            return
        self._media_key = key
        self.player.set_media(
            video,
            thumbnail=thumb,
            spritesheet=sprite,
            size=job.size,
            seconds=job.seconds,
            label=job.prompt or "",
        )
        set_hidden(self.player_box, not (video or thumb))

    def _update_actions(self, job: Any) -> None:
        has_video = self._media(job, "video") is not None
        done = job.status == "completed"
        show = {
            "play": has_video,
            "remix": done and job.video_id is not None and self._backend.supports_remix,
            "edit": done and job.video_id is not None and self._backend.supports_edit,
            "extend": done and job.video_id is not None and self._backend.supports_extend,
            "frame": has_video,
            "reprompt": not self.active,
            "download": has_video,
            "delete": True,
        }
        for name, button in self.buttons.items():
            set_hidden(button, not show[name])
        self.buttons["delete"].description = "Cancel" if self.active else "Delete"

    # --- actions ------------------------------------------------------------------------

    def _on_button(self, name: str) -> None:
        job = self.job
        if name != "delete" and self._confirm_delete:
            self._reset_delete()
        if name == "play":
            self._actions.play(job)
        elif name == "remix":
            self._actions.remix(job)
        elif name == "edit":
            self._actions.edit(job)
        elif name == "extend":
            self._actions.extend(job)
        elif name == "reprompt":
            self._actions.reprompt(job)
        elif name == "frame":
            self.player.picking = not self.player.picking
            self.buttons["frame"].description = "Cancel frame" if self.player.picking else "Frame"
        elif name == "download":
            self.player.download()
        elif name == "delete":
            if not self._confirm_delete:
                self._confirm_delete = True
                self.buttons["delete"].description = "Confirm?"
                self.buttons["delete"].button_style = "danger"
                return
            self._reset_delete()
            self._actions.delete(job)

    def _reset_delete(self) -> None:
        self._confirm_delete = False
        self.buttons["delete"].button_style = ""
        self.buttons["delete"].description = "Cancel" if self.active else "Delete"

    def _on_frame(self, png: bytes, at: float) -> None:
        self.player.picking = False
        self.buttons["frame"].description = "Frame"
        self._actions.frame(self.job, png, at)

    def _on_rating(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._actions.rate(self.job, None if change["new"] < 0 else int(change["new"]))

    def _on_note(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._actions.note(self.job, str(change["new"]))

    def close(self) -> None:
        self.box.close()
        for child in (
            self.player,
            self.prompt,
            self.meta,
            self.status,
            self.timing,
            self.error,
            self.hint,
            self.progress,
            self.rating,
            self.note,
            self.actions_row,
            *self.buttons.values(),
        ):
            child.close()
