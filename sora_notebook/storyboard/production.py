"""A storyboard made in a studio, over the studio's public API only (`plan`, `submit`,
`wait`, `media_path`).

```python
made = Production(studio, board, takes=2)
quote = made.quote()        # the whole film priced, checked against the budget; nothing sent
await made.run()            # shots in dependency order, `takes` takes each, one chosen
made.choose("shot-2", job)  # another take: the shots continuing from it become stale
await made.run(made.stale())
film = made.film("film.mp4", crossfade=0.25); made.continuity()
```

A cut starts a chain; the shots continuing from it follow one by one, each sent the last
frame of the take chosen before it as its reference image. Chains run side by side. A
continued shot records which take it was made from, so it is stale once that shot's chosen
take changes (re-run it, or `keep` it). "extend" uses the server's extension where it has
one (`studio.extend`; the film and the join skip the part that repeats the take before,
and it is priced as a new clip of its seconds), else a continuation. A cut shot naming
cast members is sent the first one's image, fitted as `fit` says (crop by default).
`state` is plain data (`to_dict` / `from_dict`).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sora_notebook.errors import BudgetExceeded, SoraNotebookError, ValidationError
from sora_notebook.judge.continuity import Continuity, continuity
from sora_notebook.storyboard.board import Shot, Storyboard, split_target
from sora_notebook.storyboard.frames import edge_frames, png
from sora_notebook.storyboard.stitch import Film, stitch

if TYPE_CHECKING:
    from sora_notebook.library import Job
    from sora_notebook.studio import Studio

__all__ = ["MAX_TAKES", "FilmQuote", "Made", "Production"]

MAX_TAKES = 8
#: (takes of one shot, in the order they finished) -> the one to use
Chooser = Callable[[Sequence["Job"]], "Job"]


@dataclass(frozen=True)
class FilmQuote:
    """The whole film priced before anything is sent: dollars per shot (None: unknown)."""

    shots: dict[str, float | None]
    total: float | None
    left: float | None  # what the budget leaves (None: no budget)

    def __str__(self) -> str:
        cost = "price unknown" if self.total is None else f"${self.total:.2f}"
        left = "" if self.left is None else f" (${self.left:.2f} left in the budget)"
        return f"{len(self.shots)} shots: {cost}{left}"


@dataclass
class Made:
    """What was made for one shot: its takes (job keys), the chosen one, the take of the
    shot before that it continued from, and (for an extension, which holds the shot before
    it) where its own part starts."""

    takes: list[str] = field(default_factory=list)
    chosen: str | None = None
    made_from: str | None = None
    skip: float = 0.0  # seconds at the start of each take that repeat the shot before


class Production:
    """`board` made in `studio`, `takes` takes per shot, one chosen by `choose` (default:
    the first that finished); `timeout` bounds each take's wait (`WaitTimeout`)."""

    def __init__(
        self,
        studio: Studio,
        board: Storyboard,
        *,
        takes: int = 1,
        choose: Chooser | None = None,
        fit: str = "crop",
        state: dict[str, Made] | None = None,
        timeout: float | None = None,
    ) -> None:
        if not 1 <= takes <= MAX_TAKES:
            raise ValidationError(f"takes must be from 1 to {MAX_TAKES}, got {takes!r}")
        self.studio, self.board, self.takes, self.fit = studio, board, takes, fit
        self.timeout = timeout  # seconds to wait for each take (None: as long as it takes)
        self.chooser: Chooser = choose or (lambda finished: finished[0])
        self.state: dict[str, Made] = state or {}
        for shot in board.shots:
            self.state.setdefault(shot.id, Made())

    # --- before anything is sent --------------------------------------------------------

    def _model(self, shot: Shot) -> str | None:
        name, model = split_target(shot.target)
        if name and name != self.studio.backend.name:
            raise ValidationError(
                f"{shot.id}: its target {shot.target!r} names another backend; this studio "
                f"runs {self.studio.backend.name!r}: use '{self.studio.backend.name}:MODEL'"
            )
        return model or None

    def quote(self, shots: Sequence[str] | None = None) -> FilmQuote:
        """Price `shots` (default all) x takes; raise `ValidationError` naming every shot a
        server would refuse, `BudgetExceeded` when the film does not fit the budget (or its
        price is unknown under a budget, unless the studio allows unknown costs)."""
        wanted = [self.board.shots[self.board.index(i)] for i in shots or self._ids()]
        prices: dict[str, float | None] = {}
        problems, left = [], None
        for shot in wanted:
            plan = self.studio.plan(
                shot.prompt, model=self._model(shot), size=shot.size, seconds=shot.seconds
            )
            wrong = {k: v for k, v in plan.problems.items() if k != "budget"}
            problems += [f"{shot.id}: {field}: {why}" for field, why in wrong.items()]
            prices[shot.id] = None if plan.cost is None else plan.cost * self.takes
            left = plan.left
        if problems:
            raise ValidationError("Shots a server would refuse:\n- " + "\n- ".join(problems))
        known = [p for p in prices.values() if p is not None]
        total = None if len(known) < len(prices) else sum(known)
        if left is not None:
            if total is None and not self.studio.allow_unknown_cost:
                unknown = [k for k, v in prices.items() if v is None]
                raise ValidationError(
                    f"The price of {', '.join(unknown)} is unknown and a budget is set: set "
                    "studio.prices, or studio.allow_unknown_cost = True."
                )
            if total is not None and total > left + 1e-9:
                spent = self.studio.spent
                raise BudgetExceeded(total, spent, spent + left)
        return FilmQuote(shots=prices, total=total, left=left)

    def _ids(self) -> list[str]:
        return [s.id for s in self.board.shots]

    # --- making -------------------------------------------------------------------------

    async def run(self, shots: Sequence[str] | None = None) -> dict[str, Made]:
        """Make `shots` (default all), quoted whole first; chains side by side, shots in a
        chain in order. A shot whose takes all fail stops its chain (raised at the end)."""
        wanted = set(shots or self._ids())
        self.quote([i for i in self._ids() if i in wanted])
        chains: list[list[Shot]] = []
        for shot in self.board.shots:
            if not shot.continues or not chains:
                chains.append([])
            chains[-1].append(shot)
        results = await asyncio.gather(
            *(self._chain([s for s in c if s.id in wanted]) for c in chains),
            return_exceptions=True,
        )
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            raise failed[0]
        return self.state

    async def _chain(self, shots: list[Shot]) -> None:
        for shot in shots:
            await self.make(shot.id)

    async def make(self, shot_id: str) -> Job:
        """Make one shot's takes now and choose one; its continuation needs the shot
        before it made (else `ValidationError`)."""
        index = self.board.index(shot_id)
        shot = self.board.shots[index]
        request: dict[str, Any] = {
            "model": self._model(shot),
            "size": shot.size,
            "seconds": shot.seconds,
        }
        made_from, skip = None, 0.0
        extend = shot.join == "extend" and self.studio.capabilities.extend
        if shot.continues:
            before = self.state[self.board.shots[index - 1].id].chosen
            if before is None:
                raise ValidationError(f"{shot_id} continues a shot not made yet; make that first")
            made_from = before
            if extend:  # the server's extension holds the take before it, then the new part
                skip = float(self.studio.get(before).seconds or 0)
            else:
                _, last = edge_frames(self._path(before))
                request.update(input_reference=png(last), fit=self.fit)
        elif shot.cast:
            member = next(c for c in self.board.cast if c.name == shot.cast[0])
            request.update(input_reference=Path(member.image), fit=self.fit)
        made = self.state[shot_id]
        jobs = []
        for _ in range(self.takes):  # each recorded as soon as it is sent
            if extend and made_from is not None:
                job = await self.studio.extend(made_from, shot.prompt, shot.seconds)
            else:
                job = await self.studio.submit(shot.prompt, **request)
            jobs.append(job)
            made.takes.append(job.key)
        finished: list[Job] = []
        errors: list[SoraNotebookError] = []
        waits = [self.studio.wait(j, timeout=self.timeout) for j in jobs]
        for next_done in asyncio.as_completed(waits):
            try:
                finished.append(await next_done)
            except SoraNotebookError as exc:
                errors.append(exc)
        if not finished:
            raise errors[0]
        made.chosen, made.made_from, made.skip = self.chooser(finished).key, made_from, skip
        return self.studio.get(made.chosen)

    def choose(self, shot_id: str, job: Job | str) -> list[str]:
        """Use `job` (one of the shot's takes) for `shot_id`; returns the shots now stale."""
        key = job if isinstance(job, str) else job.key
        made = self.state[shot_id]
        if key not in made.takes:
            raise ValidationError(f"{key} is not a take of {shot_id}; its takes: {made.takes}")
        made.chosen = key
        return self.stale()

    def keep(self, shot_id: str) -> None:
        """Keep a stale shot as it is: it counts as made from the current take before it."""
        index = self.board.index(shot_id)
        if index:
            self.state[shot_id].made_from = self.state[self.board.shots[index - 1].id].chosen

    def stale(self) -> list[str]:
        """Shots made from a take that is no longer the one chosen before them."""
        out = []
        for before, shot in pairwise(self.board.shots):
            made = self.state[shot.id]
            if shot.continues and made.chosen and made.made_from != self.state[before.id].chosen:
                out.append(shot.id)
        return out

    # --- the film -----------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        path = self.studio.media_path(key)
        if path is None:
            raise ValidationError(f"{key} has no saved video yet; wait for it")
        return path

    def _chosen(self) -> list[tuple[Path, float]]:
        """(path, where the shot's own part starts) of every chosen take, in order."""
        missing = [s.id for s in self.board.shots if self.state[s.id].chosen is None]
        if missing:
            raise ValidationError(f"Not made yet: {', '.join(missing)}; run them first")
        made = [self.state[s.id] for s in self.board.shots]
        return [(self._path(m.chosen or ""), m.skip) for m in made]

    def film(self, dest: str | os.PathLike[str], **options: Any) -> Film:
        """The chosen takes stitched into `dest` (options as `stitch`)."""
        return stitch(self._chosen(), dest, **options)

    def continuity(self) -> Continuity:
        """Every join's scores: the last frame of each chosen take against the next's first."""

        def pairs() -> Iterator[tuple[np.ndarray, np.ndarray]]:
            last = None  # one take's frames held at a time
            for path, skip in self._chosen():
                first, end = edge_frames(path, skip)
                if last is not None:
                    yield last, first
                last = end

        return continuity(pairs())

    def to_dict(self) -> dict[str, Any]:
        return {
            "board": self.board.to_dict(),
            "takes": self.takes,
            "state": {k: asdict(v) for k, v in self.state.items()},
        }

    @classmethod
    def from_dict(cls, studio: Studio, data: dict[str, Any], **kw: Any) -> Production:
        state = {k: Made(**v) for k, v in data.get("state", {}).items()}
        board = Storyboard.from_dict(data["board"])
        return cls(studio, board, takes=int(data.get("takes", 1)), state=state, **kw)
