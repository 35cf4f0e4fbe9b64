"""TEMPORARY ADAPTER (remove at integration): the servers part of CONTRACT.md, or a stand-in.

The view calls `studio.plan`, `studio.progress`, `studio.spend`, `studio.budget`,
`job.billed` and the judging methods directly (merged). What the `servers` work adds is
reached through here until it lands: `studio.capabilities` (action -> why not) and
`await studio.models()`; `studio.cancel(job)` too. Each function uses the studio's member
when it has one and otherwise degrades to what today's backend says; `DEGRADED` lists,
at run time, which calls fell back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sora_notebook import Job
from sora_notebook.protocol import MODELS

if TYPE_CHECKING:
    from sora_notebook import Studio

__all__ = ["ACTIONS", "ACTIVE", "DEGRADED", "capability_reasons", "model_options"]

#: Engine calls that fell back to a stand-in in this process (for the report and tests).
DEGRADED: set[str] = set()
ACTIONS = ("remix", "edit", "extend", "delete", "cancel", "list", "characters")
ACTIVE = frozenset({"pending", "queued", "in_progress", "submitting"})


def _has(obj: object, name: str) -> bool:
    """True when the studio has the contract's `name`; else note the fallback."""
    if hasattr(obj, name):
        return True
    DEGRADED.add(name)
    return False


def _api(obj: object, name: str) -> Any:
    """The contract's member `name` (untyped here: it is not on every build's Studio yet)."""
    return getattr(obj, name)


def capability_reasons(studio: Studio) -> dict[str, str | None]:
    """Action -> why the server cannot (None: it can)."""
    if _has(studio, "capabilities"):
        caps = _api(studio, "capabilities")
        return {a: caps.reason(a) for a in ACTIONS}
    backend = studio.backend
    label = getattr(backend, "label", "This server")
    out: dict[str, str | None] = {}
    for action in ACTIONS:
        ok = getattr(backend, f"supports_{action}", action in {"delete", "list", "cancel"})
        out[action] = None if ok else f"{label} cannot {action} videos."
    return out  # the stand-in cancels by deleting on the server


def model_options(studio: Studio) -> dict[str, dict[str, list[str]]]:
    """Model -> its sizes and seconds (the price table's models until the catalogue)."""
    return {
        name: {"sizes": list(s.sizes), "seconds": list(s.seconds)} for name, s in MODELS.items()
    }


async def server_models(studio: Studio) -> dict[str, dict[str, list[str]]] | None:
    """`await studio.models()` as {model: {sizes, seconds}}; None without a catalogue."""
    if not _has(studio, "models"):
        return None
    found = await _api(studio, "models")()
    known = model_options(studio)
    every = {k: sorted({v for m in known.values() for v in m[k]}) for k in ("sizes", "seconds")}
    out: dict[str, dict[str, list[str]]] = {}
    for item in found or []:
        name = str(getattr(item, "id", item))
        spec = known.get(name, every)  # a catalogue without sizes: what the table knows
        out[name] = {
            key: [str(v) for v in getattr(item, key, ()) or ()] or list(spec[key])
            for key in ("sizes", "seconds")
        }
    return out or None


def has_cancel(studio: Studio) -> bool:
    return _has(studio, "cancel")


async def cancel(studio: Studio, job: Job) -> str:
    """`studio.cancel(job)`; stand-in: delete it here and on the server."""
    if _has(studio, "cancel"):
        await _api(studio, "cancel")(job)
        return "Cancelled."
    await studio.delete(job, remote=True)
    return "Stopped following it and deleted it on the server."
