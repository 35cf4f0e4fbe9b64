"""What the view syncs about jobs: compact dicts computed in Python (house rule 5).

No media bytes or pictures here: a job names the variants it has (`media`) and, where
JupyterLab serves the library, their `files/...` URLs; the page fetches anything else
on demand over the widget channel.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sora_notebook.client.dialects import ACTIONS, ModelInfo
from sora_notebook.library import Job
from sora_notebook.protocol import MODELS
from sora_notebook.widgets.media_url import files_url
from sora_notebook.widgets.thumbs import sprite_grid_of

if TYPE_CHECKING:
    from sora_notebook.widgets.port import StudioPort

__all__ = [
    "ACTIVE",
    "PROMPT_CHARS",
    "capabilities",
    "failure_hint",
    "job_state",
    "model_options",
    "people_state",
    "status_word",
]

PROMPT_CHARS = 1200
ACTIVE = frozenset({"pending", "queued", "in_progress"})
Choices = dict[str, dict[str, list[str]]]
VARIANTS = ("video", "thumbnail", "spritesheet")
EDGE_WORDS = {
    "remix": "from a remix",
    "edit": "from an edit",
    "extend": "from an extension",
    "reprompt": "from a retry with changes",
    "frame": "from a frame",
}
_STATUS = re.compile(r"[^a-z_]")
MediaPath = Callable[[Job, str], Path | None]


def capabilities(studio: StudioPort) -> dict[str, str | None]:
    """Action -> why the server cannot (None: it can), as `studio.capabilities` says."""
    caps = studio.capabilities
    return {action: caps.reason(action) for action in ACTIONS}


def model_options(models: Iterable[ModelInfo] = ()) -> Choices:
    """Model -> its sizes and seconds: the server's catalogue (`await studio.models()`),
    else the price table's models; a catalogue entry without sizes takes the table's."""
    known = {n: {"sizes": list(s.sizes), "seconds": list(s.seconds)} for n, s in MODELS.items()}
    every = {k: sorted({v for m in known.values() for v in m[k]}) for k in ("sizes", "seconds")}
    out: Choices = {}
    for item in models:
        spec = known.get(item.id, every)
        out[item.id] = {
            "sizes": [str(v) for v in item.sizes] or spec["sizes"],
            "seconds": [str(v) for v in item.seconds] or spec["seconds"],
        }
    return out or known


def status_word(status: str | None) -> str:
    """A CSS-safe status word (`in_progress`, `failed`, ...; anything odd -> `unknown`)."""
    return _STATUS.sub("", str(status or "").lower()) or "unknown"


def failure_hint(job: Job) -> str:
    """What to do about a failed, refused or expired job, from its code and message."""
    text = f"{job.error_code or ''} {job.error_message or ''}".lower()
    if job.media_expired or "expired" in text:
        return (
            "The server no longer keeps this video; it finished while nothing was "
            "watching. Retry with changes to make it again."
        )
    if "moderation" in text or "blocked" in text or "policy" in text:
        return (
            "Blocked by the server's moderation. Rephrase: no real people, copyrighted "
            "characters or music, nothing unsuitable for under-18s."
        )
    if "disk" in text or "no space" in text:
        return "Free some disk space where the library lives, then retry."
    if "size" in text or "width and height" in text or "dimension" in text:
        return "The size was refused. Pick a size the model offers."
    if "seconds" in text or "duration" in text:
        return "The length was refused. Pick one of the model's lengths."
    if job.status == "rejected":
        return "The server refused the request; nothing was created or billed."
    return "Retry with changes, or edit the prompt and generate again."


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@functools.lru_cache(maxsize=4096)
def _grid(path: str, size: str | None, seconds: str | None) -> tuple[int, int, int] | None:
    """A spritesheet's grid (library media files are written once, so cached by path)."""
    return sprite_grid_of(path, size, seconds)


def _media(job: Job, path_of: MediaPath, root: Path | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for variant in VARIANTS:
        path = path_of(job, variant) if variant in job.media else None
        if path is not None:
            out[variant] = files_url(path, root)  # "" -> ask for the bytes
    sheet = path_of(job, "spritesheet") if "spritesheet" in out else None
    grid = _grid(str(sheet), job.size, job.seconds) if sheet else None
    if grid:
        out["grid"] = list(grid)
    return out


def job_state(
    studio: StudioPort, job: Job, *, path_of: MediaPath, root: Path | None, children: int = 0
) -> dict[str, Any]:
    """One job as the page draws it (a card, a tree node, a compare column); `children`:
    how many videos were made from it (said before it is deleted)."""
    status = status_word(job.status)
    p = studio.progress(job)
    failed = status in {"failed", "rejected"} or job.media_expired
    state: dict[str, Any] = {
        "key": job.key,
        "status": status,
        "p": [round(p.fraction, 4), p.seconds_left, round(p.as_of, 3), p.source],
        "prompt": _short(job.prompt or "", PROMPT_CHARS),
        "model": job.model or "",
        "target": studio.target_of(job),
        "size": job.size or "",
        "seconds": job.seconds or "",
        "parent": job.parent_key,
        "edge": job.edge_kind or "",
        "from": EDGE_WORDS.get(job.edge_kind or "", ""),
        "cost": job.cost,
        "billed": job.billed,
        "submitted": job.submitted_at,
        "done": job.completed_at,
        "rating": job.rating,
        "notes": job.notes or "",
        "tags": list(job.tags),
        "person": job.person,
        "media": _media(job, path_of, root),
        "ref": "input_reference" in job.params,
        "kids": children,
    }
    if failed or job.error_message:
        state["error"] = _short(
            job.error_message or ("Media expired." if job.media_expired else "Failed."), 600
        )
        state["hint"] = failure_hint(job)
    return state


def people_state(jobs: Iterable[Job], me: str | None) -> list[dict[str, Any]]:
    """Who made the jobs, as the person filter offers them: this studio's person first
    (even with no job yet), then the most jobs first; `person` None for jobs made before
    the library kept people. A job's card carries its maker as `person`."""
    counts = Counter(job.person for job in jobs)
    counts.setdefault(me, 0)
    order = sorted(counts.items(), key=lambda kv: (kv[0] != me, -kv[1], kv[0] or ""))
    return [{"person": person, "jobs": n, "me": person == me} for person, n in order]


def job_params(job: Job) -> dict[str, Any]:
    """The parameters compare's table shows beyond model, size and seconds."""
    shown = {"prompt", "model", "size", "seconds", "video", "input_reference"}
    return {k: v for k, v in (job.params or {}).items() if k not in shown}
