"""The cards' intents: play, annotate, delete, copy a prompt, media, budget and options.

Each is a request from the page with a job key; Python checks the key against the
library and answers with the result or the reason it did nothing.
"""

from __future__ import annotations

from typing import Any

from sora_notebook.errors import SoraNotebookError
from sora_notebook.library import Job
from sora_notebook.studio.importing import ImportReport
from sora_notebook.widgets.base import Part
from sora_notebook.widgets.player import png_frame
from sora_notebook.widgets.rpc import Handler, Reply
from sora_notebook.widgets.state import ACTIVE, capabilities

__all__ = ["Cards"]

MAX_NOTE, MAX_TAGS, MAX_TAG = 4000, 20, 40


def _tags(value: Any) -> list[str]:
    """At most MAX_TAGS distinct tags, in linear time: the text (or list) is cut to what
    that many tags could need before it is split, and the loop stops at MAX_TAGS."""
    if isinstance(value, str):
        items: list[Any] = value[: MAX_TAGS * MAX_TAG * 8].split(",")
    else:
        items = list(value[: MAX_TAGS * 8]) if isinstance(value, list | tuple) else []
    tags: dict[str, None] = {}
    for item in items:
        text = item if isinstance(item, str) else str(item)
        tag = " ".join(text[: MAX_TAG * 4].split())[:MAX_TAG]
        if tag:
            tags.setdefault(tag)
            if len(tags) >= MAX_TAGS:
                break
    return list(tags)


def _import_text(report: ImportReport) -> str:
    """What `import_remote` found, in a sentence."""
    text = f"Imported {report.imported} video{'s' if report.imported != 1 else ''}"
    if report.skipped:
        reasons = "; ".join(f"{key}: {why}" for key, why in report.skipped[:3])
        text += f"; skipped {len(report.skipped)} ({reasons})"
    if report.truncated:
        text += "; the server's list was cut short, run it again for more"
    return text + "."


class Cards(Part):
    """What the cards ask: play, annotate, delete, cancel, import, media and settings."""

    def handlers(self) -> dict[str, Handler]:
        return {
            "play": self.request_play,
            "annotate": self.request_annotate,
            "delete": self.request_delete,
            "cancel": self.request_cancel,
            "import": self.request_import,
            "prompt": self.request_prompt,
            "media": self.request_media,
            "frame": self.request_frame,
            "budget": self.request_budget,
            "allow_unknown": self.request_allow_unknown,
            "prefs": self.request_prefs,
        }

    def _job(self, args: dict[str, Any]) -> Job:
        job = self.view._find(str(args.get("key", "")))
        if job is None:
            raise LookupError("This video is no longer in the library.")
        return job

    def play(self, job: Job | str) -> None:
        """Open a job in the view's main player (from code)."""
        self.request_play({"key": job if isinstance(job, str) else job.key}, [])

    def request_play(self, args: dict[str, Any], _buffers: list[Any]) -> Reply:
        job = self._job(args)
        if "video" not in job.media:
            raise LookupError("This video has no local file (yet).")
        self.view.playing = job.key
        return {"key": job.key}, []

    def request_annotate(self, args: dict[str, Any], _buffers: list[Any]) -> Reply:
        """Set a rating (0-5 or None), a note and tags."""
        job = self._job(args)
        fields: dict[str, Any] = {}
        if "rating" in args:
            rating = args["rating"]
            fields["rating"] = None if rating in (None, "", 0) else int(rating)
        if "notes" in args:
            fields["notes"] = str(args["notes"])[:MAX_NOTE]
        if "tags" in args:
            fields["tags"] = _tags(args["tags"])
        updated = self.studio.annotate(job, **fields)
        self.view.flush()
        return {"rating": updated.rating, "notes": updated.notes, "tags": list(updated.tags)}, []

    def request_delete(self, args: dict[str, Any], _buffers: list[Any]) -> Any:
        """Delete here and on the server (the page asked the person to confirm first)."""
        job = self._job(args)
        reason = capabilities(self.studio).get("delete")
        return self._delete(job, remote=reason is None)

    async def _delete(self, job: Job, *, remote: bool) -> Reply:
        try:
            await self.studio.delete(job, remote=remote)
        except SoraNotebookError as exc:
            self.view.say(f"Could not delete on the server: {exc}", "error")
            raise
        finally:
            self.view.flush()
        reason = capabilities(self.studio).get("delete")
        self.view.say("Deleted." if remote else f"Deleted here only: {reason}")
        self.view.selected = [k for k in self.view.selected if k != job.key]
        if self.view.playing == job.key:
            self.view.playing = ""
        return {"deleted": job.key, "remote": remote}, []

    def request_cancel(self, args: dict[str, Any], _buffers: list[Any]) -> Any:
        """Stop a job in flight where the server can (refused with the reason elsewhere)."""
        job = self._job(args)
        if job.status not in ACTIVE:
            raise ValueError("Only a job in flight can be cancelled.")
        reason = capabilities(self.studio).get("cancel")
        if reason:
            raise ValueError(reason)
        return self._cancel(job)

    async def _cancel(self, job: Job) -> Reply:
        try:
            await self.studio.cancel(job)
        finally:
            self.view.flush()
        self.view.say("Cancelled.")
        return {"cancelled": job.key}, []

    def request_import(self, _args: dict[str, Any], _buffers: list[Any]) -> Any:
        """Bring in the server's videos this library does not have yet."""
        reason = capabilities(self.studio).get("list")
        if reason:
            raise ValueError(reason)
        return self._import()

    async def _import(self) -> Reply:
        self.view.say("Asking the server for its videos…")
        try:
            report = await self.studio.import_remote()
        except SoraNotebookError as exc:
            self.view.say(f"Could not import: {exc}", "error")
            raise
        finally:
            self.view.flush()
        text = _import_text(report)
        self.view.say(text)
        return {"text": text}, []

    def request_prompt(self, args: dict[str, Any], _buffers: list[Any]) -> Reply:
        """The whole prompt (the state carries a shortened one), e.g. to copy it."""
        return {"prompt": self._job(args).prompt}, []

    def request_media(self, args: dict[str, Any], _buffers: list[Any]) -> Reply:
        return self.view.media.batch(args.get("items") or [])

    def request_frame(self, args: dict[str, Any], buffers: list[Any]) -> Reply:
        """A frame the person picked becomes the reference of a new video from that job."""
        job = self._job(args)
        data = png_frame(buffers)
        self.view.set_mode("frame", job.key)
        self.view.set_reference(data, name=f"frame at {float(args.get('time') or 0):.2f} s")
        return {"reference": self.view.form["reference"]}, []

    def request_budget(self, args: dict[str, Any], _buffers: list[Any]) -> Reply:
        """Set (or clear, with None) the budget, or the daily budget with `daily`: kept in
        the library for every studio sharing it."""
        value = args.get("value")
        budget = None if value in (None, "") else float(value)
        daily = bool(args.get("daily"))
        before = self.studio.daily_budget if daily else self.studio.budget
        if daily:
            self.studio.daily_budget = budget
        else:
            self.studio.budget = budget
        if budget != before:  # the page sends both budgets: say only what changed
            name = "Daily budget" if daily else "Budget"
            self.view.say(f"{name} cleared." if budget is None else f"{name} ${budget:,.2f}.")
        self.view.flush()
        return {"budget": self.studio.budget, "daily_budget": self.studio.daily_budget}, []

    def request_allow_unknown(self, args: dict[str, Any], _buffers: list[Any]) -> Reply:
        self.studio.allow_unknown_cost = bool(args.get("value"))
        self.view.flush()
        return {"allow_unknown": self.studio.allow_unknown_cost}, []

    def request_prefs(self, args: dict[str, Any], _buffers: list[Any]) -> Reply:
        if "show_rejected" in args:
            self.view.prefs = {**self.view.prefs, "show_rejected": bool(args["show_rejected"])}
        self.view.flush()
        return dict(self.view.prefs), []
