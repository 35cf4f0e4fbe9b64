"""TEMPORARY ADAPTER (remove at integration): the engine API of CONTRACT.md, or a stand-in.

The view calls the studio only through this module. Each function uses the contract's
method when the studio has it (`studio.plan`, `studio.progress`, `studio.spend`,
`studio.capabilities`, `studio.ranking`, ...) and otherwise degrades to what today's
studio offers. `DEGRADED` lists, at run time, which calls fell back. When the engine
branches (loop, judge, servers, harden) are merged, the fallbacks go and the view calls
the studio directly.
"""

from __future__ import annotations

import datetime
import itertools
import statistics
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sora_notebook import Job, ValidationError, fit_reference
from sora_notebook.protocol import MODELS, validate_create

if TYPE_CHECKING:
    from sora_notebook import Studio

__all__ = ["ACTIONS", "DEGRADED", "ViewPlan", "ViewProgress"]

#: Engine calls that fell back to a stand-in in this process (for the report and tests).
DEGRADED: set[str] = set()
ACTIONS = ("remix", "edit", "extend", "delete", "cancel", "list", "characters")
ACTIVE = frozenset({"pending", "queued", "in_progress", "submitting"})
NO_JUDGE = "Needs the judge module (variants issue), not in this build yet."


def _has(obj: object, name: str) -> bool:
    """True when the studio has the contract's `name`; else note the fallback."""
    if hasattr(obj, name):
        return True
    DEGRADED.add(name)
    return False


def _api(obj: object, name: str) -> Any:
    """The contract's member `name` (untyped here: it is not on every build's Studio yet)."""
    return getattr(obj, name)


@dataclass(frozen=True)
class ViewPlan:
    """What the form shows about a request before it is sent (`studio.plan` or a stand-in)."""

    ok: bool
    problems: dict[str, str]
    cost: float | None
    left: float | None
    reference: str = ""
    disabled: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ViewProgress:
    fraction: float
    seconds_left: float | None
    source: str
    as_of: float


# --- plan -------------------------------------------------------------------------------


def plan(studio: Studio, prompt: str, *, mode: str, parent: Job | None, **params: Any) -> ViewPlan:
    """The contract's `studio.plan(...)`, else validation + price + budget done here."""
    if _has(studio, "plan"):
        result = _api(studio, "plan")(prompt, mode=mode, parent=parent, **params)
        ref = getattr(result, "reference", None)
        return ViewPlan(
            ok=bool(result.ok),
            problems=dict(result.problems),
            cost=result.cost,
            left=result.left,
            reference=ref.describe() if ref is not None else "",
            disabled=dict(result.disabled),
        )
    return _plan_here(studio, prompt, mode=mode, parent=parent, **params)


def _plan_here(
    studio: Studio, prompt: str, *, mode: str, parent: Job | None, **params: Any
) -> ViewPlan:
    problems: dict[str, str] = {}
    model, size, seconds = params.get("model"), params.get("size"), params.get("seconds")
    n = int(params.get("n") or 1)
    reason = capability_reasons(studio).get(mode)
    if reason:
        problems["parent"] = reason
    if mode in {"remix", "edit", "extend"}:
        if parent is None:
            problems["parent"] = f"Choose the video to {mode} (its card's {mode.title()})."
        else:
            model, size = parent.model, parent.size
            seconds = seconds if mode == "extend" else parent.seconds
    open_model = not getattr(studio.backend, "check_models", True) or not model
    try:
        validate_create(
            prompt,
            None if open_model and not model else model,
            None if mode in {"remix", "edit"} else size,
            None if mode in {"remix", "edit"} else seconds,
        )
    except ValidationError as exc:
        problems[exc.param or "prompt"] = exc.message
    if not 1 <= n <= 4:
        problems["n"] = "Ask for 1 to 4 variants."
    try:
        cost = studio.estimate(model=model, size=size, seconds=seconds, n=n)
    except ValidationError:
        cost = None
    budget, spent = studio.budget, spend(studio)["committed"]
    left = None if budget is None else max(budget - spent, 0.0)
    if left is not None and cost is not None and cost > left + 1e-9:
        problems["budget"] = (
            f"This would cost ${cost:,.2f}, but only ${left:,.2f} of the ${budget:,.2f} "
            "budget is left. Ask for fewer or shorter videos, or raise the budget."
        )
    if left is not None and cost is None and not allow_unknown_cost(studio):
        problems["budget"] = (
            "The price of this request is unknown, so the budget cannot be checked. Set a "
            "price for the model, or allow unknown costs."
        )
    return ViewPlan(ok=not problems, problems=problems, cost=cost, left=left)


def describe_fit(source: tuple[int, int], target: str, fit: str) -> str:
    """ "1000x1000 -> cropped to 720x1280" (as `ReferenceFit.describe()`)."""
    width, height = source
    if f"{width}x{height}" == target:
        return f"{width}x{height}, already {target}"
    verb = "cropped" if fit == "crop" else "padded"
    return f"{width}x{height} -> {verb} to {target}"


def fit_image(data: bytes, size: str, fit: str) -> Any:
    """The reference fitted to `size` (a PIL image)."""
    return fit_reference(data, size, mode="pad" if fit == "pad" else "crop")


# --- progress ---------------------------------------------------------------------------


def progress(studio: Studio, job: Job, now: float | None = None) -> ViewProgress:
    """`studio.progress(job)`, else a prediction from the median of similar past jobs."""
    if _has(studio, "progress"):
        p = _api(studio, "progress")(job)
        return ViewProgress(p.fraction, p.seconds_left, p.source, p.as_of)
    now = time.time() if now is None else now
    if job.status == "completed":
        return ViewProgress(1.0, 0.0, "server", job.completed_at or 0.0)
    if job.status not in ACTIVE:
        return ViewProgress(min(job.progress / 100, 0.99), None, "server", job.updated_at)
    start = job.created_at or job.submitted_at or now
    typical = _typical_seconds(studio, job)
    elapsed = max(0.0, now - start)
    server = max(0, min(job.progress or 0, 99)) / 100
    predicted = min(0.95, elapsed / typical) if typical else 0.0
    fraction = max(server, predicted)
    left = max(1.0, typical - elapsed) if typical else None
    return ViewProgress(fraction, left, "predicted", now)


_durations: dict[tuple[str, Any, Any, Any], tuple[float, float]] = {}


def _typical_seconds(studio: Studio, job: Job) -> float:
    """Median duration of finished jobs like this one (cached for 5 s), else 5 s a second."""
    key = (str(id(studio)), job.model, job.size, job.endpoint)
    cached = _durations.get(key)
    now = time.monotonic()
    if cached is not None and now - cached[1] < 5:
        return cached[0]
    done = [
        j.completed_at - (j.created_at or j.submitted_at)
        for j in studio.jobs(status="completed")
        if j.completed_at and j.model == job.model and j.size == job.size
    ]
    done = [d for d in done if d > 0]
    try:
        fallback = 5.0 * float(job.seconds or 4)
    except ValueError:
        fallback = 20.0
    value = statistics.median(done[-20:]) if done else fallback
    _durations[key] = (value, now)
    return value


# --- money ------------------------------------------------------------------------------


def spend(studio: Studio) -> dict[str, float]:
    """Billed dollars (`studio.spend`: total, today, session) and `committed`, what the
    budget counts. Stand-in: sums of `billed` over the library, and `studio.spent`."""
    if _has(studio, "spend"):
        value = _api(studio, "spend")
        return {
            "total": value.total,
            "today": value.today,
            "session": value.session,
            "committed": value.session,
        }
    session = set(getattr(studio, "_session", ()))  # stand-in only: a private list
    midnight = datetime.datetime.combine(datetime.date.today(), datetime.time()).timestamp()
    out = {"total": 0.0, "today": 0.0, "session": 0.0}
    for job in studio.jobs():
        money = billed(job) or 0.0
        out["total"] += money
        out["today"] += money if job.submitted_at >= midnight else 0.0
        out["session"] += money if job.key in session else 0.0
    return {**{k: round(v, 4) for k, v in out.items()}, "committed": float(studio.spent or 0.0)}


def billed(job: Job) -> float | None:
    """`job.billed` (None unknown, 0.0 not billed), else: failed and refused jobs are 0."""
    if hasattr(job, "billed"):
        value: float | None = _api(job, "billed")
        return value
    DEGRADED.add("billed")
    if job.status in {"failed", "rejected"}:
        return 0.0
    return job.cost if job.status == "completed" else None


def set_budget(studio: Studio, value: float | None) -> None:
    if value is not None and value < 0:
        raise ValidationError("The budget must be 0 or more dollars.", param="budget")
    studio.budget = value


def allow_unknown_cost(studio: Studio) -> bool:
    return bool(getattr(studio, "allow_unknown_cost", False))


def set_allow_unknown_cost(studio: Studio, value: bool) -> None:
    if not hasattr(studio, "allow_unknown_cost"):
        DEGRADED.add("allow_unknown_cost")
    setattr(studio, "allow_unknown_cost", bool(value))  # noqa: B010 (not on Studio yet)


# --- capabilities -----------------------------------------------------------------------


def capability_reasons(studio: Studio) -> dict[str, str | None]:
    """Action -> why the server cannot (None: it can)."""
    caps = getattr(studio, "capabilities", None) if _has(studio, "capabilities") else None
    if caps is not None and hasattr(caps, "reason"):
        return {a: caps.reason(a) for a in ACTIONS}
    backend = studio.backend
    label = getattr(backend, "label", "This server")
    out: dict[str, str | None] = {}
    for action in ACTIONS:
        ok = getattr(backend, f"supports_{action}", action in {"delete", "list", "cancel"})
        out[action] = None if ok else f"{label} cannot {action} videos."
    return out  # the stand-in cancels by deleting on the server


def model_options(studio: Studio) -> dict[str, dict[str, list[str]]]:
    """Model -> its sizes and seconds (the price table's models; servers: `studio.models`)."""
    return {
        name: {"sizes": list(s.sizes), "seconds": list(s.seconds)} for name, s in MODELS.items()
    }


# --- variants (judge) -------------------------------------------------------------------

_prefs: dict[int, list[tuple[str, str, bool]]] = {}


def can_judge(studio: Studio) -> str | None:
    """None when the studio ranks and measures; else why not."""
    return None if _has(studio, "ranking") else NO_JUDGE


def prefer(studio: Studio, winner: Job, loser: Job, *, tie: bool = False) -> None:
    if _has(studio, "prefer"):
        _api(studio, "prefer")(winner, loser, tie=tie)
        return
    _prefs.setdefault(id(studio), []).append((winner.key, loser.key, tie))


def ranking(studio: Studio, jobs: list[Job]) -> list[dict[str, Any]]:
    """Rows of the leaderboard: key, score, sigma, wins, losses, ties."""
    if _has(studio, "ranking"):
        ranks = _api(studio, "ranking")(jobs)
        return [
            {
                "key": r.job.key,
                "score": r.score,
                "sigma": r.sigma,
                "wins": r.wins,
                "losses": r.losses,
                "ties": r.ties,
            }
            for r in ranks
        ]
    return _count_wins(_prefs.get(id(studio), []), [j.key for j in jobs])


def _count_wins(prefs: Iterable[tuple[str, str, bool]], keys: list[str]) -> list[dict[str, Any]]:
    """Wins, losses and ties per job; score = (wins + ties/2 + 1) / (games + 2)."""
    counts = {k: [0, 0, 0] for k in keys}
    for win, lose, tie in prefs:
        if win in counts and lose in counts:
            counts[win][2 if tie else 0] += 1
            counts[lose][2 if tie else 1] += 1
    rows = [
        {
            "key": k,
            "score": (w + 0.5 * ti + 1) / (w + lo + ti + 2),
            "sigma": None,
            "wins": w,
            "losses": lo,
            "ties": ti,
        }
        for k, (w, lo, ti) in counts.items()
    ]
    return sorted(rows, key=lambda r: -float(r["score"]))


def next_pair(studio: Studio, jobs: list[Job]) -> tuple[Job, Job] | None:
    if _has(studio, "next_pair"):
        return _api(studio, "next_pair")(jobs)
    if len(jobs) < 2:
        return None
    played: dict[frozenset[str], int] = {}
    for win, lose, _tie in _prefs.get(id(studio), []):
        pair = frozenset((win, lose))
        played[pair] = played.get(pair, 0) + 1
    pairs = list(itertools.combinations(jobs, 2))
    return min(pairs, key=lambda p: played.get(frozenset((p[0].key, p[1].key)), 0))


async def metrics(studio: Studio, job: Job) -> Mapping[str, float] | None:
    if not _has(studio, "metrics"):
        return None
    return await _api(studio, "metrics")(job)


async def difference(studio: Studio, a: Job, b: Job) -> list[float] | None:
    if not _has(studio, "difference"):
        return None
    return list(await _api(studio, "difference")(a, b))


# --- servers and hardening ----------------------------------------------------------------


async def server_models(studio: Studio) -> dict[str, dict[str, list[str]]] | None:
    """`await studio.models()` as {model: {sizes, seconds}}; None without a catalogue."""
    if not _has(studio, "models"):
        return None
    found = await _api(studio, "models")()
    out: dict[str, dict[str, list[str]]] = {}
    for item in found or []:
        name = str(getattr(item, "id", item))
        out[name] = {
            "sizes": [str(s) for s in getattr(item, "sizes", ()) or ()],
            "seconds": [str(s) for s in getattr(item, "seconds", ()) or ()],
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


async def import_remote(studio: Studio) -> str:
    """What `import_remote()` found, said in a sentence (an int before the hardening work)."""
    report = await studio.import_remote()
    if isinstance(report, int):
        DEGRADED.add("ImportReport")
        return f"Imported {report} video{'s' if report != 1 else ''} from the server."
    text = f"Imported {report.imported} video{'s' if report.imported != 1 else ''}"
    if report.skipped:
        reasons = "; ".join(f"{key}: {why}" for key, why in report.skipped[:3])
        text += f"; skipped {len(report.skipped)} ({reasons})"
    if report.truncated:
        text += "; the server's list was cut short, run it again for more"
    return text + "."
