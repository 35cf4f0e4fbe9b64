"""A storyboard made in a studio, over the studio's public API (`plan`, `submit`, `wait`,
`media_path`, its `wallet`) and its library's storyboard records (`library.boards`).

```python
made = Production(studio, board, takes=2)
quote = made.quote()        # the whole film priced, checked against the budget; nothing sent
await made.run()            # shots in dependency order, `takes` takes each, one chosen
made.choose("shot-2", job)  # another take: the shots continuing from it become stale
await made.run(made.stale())
film = made.film("film.mp4", crossfade=0.25)  # kept in the library, a copy at film.mp4
made.continuity()
```

Kept and resumed: a production lives in the studio's library under `made.id`
(`Production.open(studio, id)` reopens it after a restart). Each take is written as a
slot before it is sent and given its job's key once recorded, so a board killed mid-run
and run again waits for what was sent (claiming a job whose slot was never filled)
instead of sending it twice; `run()` makes what is not made yet or was left open.
Money: the whole run is quoted through the studio's `Wallet` (`quote_whole`) and checked
against the budget before anything is sent; each take reserves its own quote as it goes.

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
import shutil
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sora_notebook.errors import SoraNotebookError, ValidationError, WaitTimeout
from sora_notebook.judge.continuity import Continuity, continuity
from sora_notebook.library import files, safe_backend_url
from sora_notebook.library.boards import FilmRecord, ShotRecord
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
    it) where its own part starts. `origins`: take -> (made_from, skip) of that take."""

    takes: list[str] = field(default_factory=list)
    chosen: str | None = None
    made_from: str | None = None
    skip: float = 0.0  # seconds at the start of each take that repeat the shot before
    origins: dict[str, tuple[str | None, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.origins = {k: (v[0], float(v[1])) for k, v in self.origins.items()}

    def record(self) -> ShotRecord:
        return ShotRecord(chosen=self.chosen, made_from=self.made_from, skip=self.skip)


class Production:
    """`board` made in `studio`, `takes` takes per shot, one chosen by `choose` (default:
    the first that finished); `timeout` bounds each take's wait (`WaitTimeout`). Kept in
    the studio's library under `id` (default: a new one)."""

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
        id: str | None = None,
    ) -> None:
        if not 1 <= takes <= MAX_TAKES:
            raise ValidationError(f"takes must be from 1 to {MAX_TAKES}, got {takes!r}")
        self.studio, self.takes, self.fit = studio, takes, fit
        self.timeout = timeout  # seconds to wait for each take (None: as long as it takes)
        self.chooser: Chooser = choose or (lambda finished: finished[0])
        self.id = id or f"board-{uuid.uuid4().hex[:12]}"
        self.records = studio.library.boards
        self.state: dict[str, Made] = {}
        self.board: Storyboard = board
        self.edit(board)
        for shot_id, made in (state or {}).items():
            self._adopt(shot_id, made)

    @classmethod
    def open(cls, studio: Studio, board_id: str, **kw: Any) -> Production:
        """The production kept under `board_id` in `studio`'s library, as it was left:
        takes still running are waited for, not sent again."""
        kept = studio.library.boards.get(board_id)
        if kept is None:
            known = ", ".join(studio.library.boards.ids()[-5:]) or "none yet"
            raise ValidationError(f"No storyboard {board_id!r} in this library (last: {known}).")
        board = Storyboard.from_dict(kept.body)
        made = cls(studio, board, takes=kept.takes, fit=kept.fit, id=board_id, **kw)
        for shot_id, record in kept.shots.items():
            slots = [s for s in kept.slots if s.shot == shot_id and s.key is not None]
            made.state[shot_id] = Made(
                takes=[s.key for s in slots if s.key],
                chosen=record.chosen,
                made_from=record.made_from,
                skip=record.skip,
                origins={s.key: (s.made_from, s.skip) for s in slots if s.key},
            )
        return made

    def edit(self, board: Storyboard) -> None:
        """Use `board` from now on (shots added, removed or reordered); kept at once.
        Takes already made stay with the shots (by id) that remain."""
        self.board = board
        self.records.save(self.id, board.to_dict(), takes=self.takes, fit=self.fit)
        for shot in board.shots:
            self.state.setdefault(shot.id, Made())

    def _adopt(self, shot_id: str, made: Made) -> None:
        """Keep a shot's state given as plain data (`from_dict`) in the library."""
        self.state[shot_id] = made
        if made.takes:
            slots = self.records.begin(self.id, shot_id, len(made.takes), made.made_from, made.skip)
            for slot, key in zip(slots, made.takes, strict=True):
                self.records.fill(slot, key)
            self.records.settle(self.id, shot_id, slots[0].round, made.record())

    # --- before anything is sent --------------------------------------------------------

    def _target(self, shot: Shot) -> tuple[str, str | None]:
        """(backend name, model) the shot's takes go to: its `"name:model"`, one of the
        studio's backends (`studio.backends`), else the studio's first backend."""
        names = list(self.studio.backends)
        name, model = split_target(shot.target)
        if name and name not in names:
            raise ValidationError(
                f"{shot.id}: its target {shot.target!r} names a backend this studio does not "
                f"have (it has {', '.join(names)}); add it with "
                f"studio.add_backend({name!r}, backend)."
            )
        return name or names[0], model or None

    def _address(self, shot: Shot) -> str:
        """Where the shot's takes are made, as the library records it."""
        return safe_backend_url(self.studio.backends[self._target(shot)[0]].base_url)

    def _to_send(self, shot_id: str) -> int:
        """How many takes of `shot_id` a run would send: the unsent ones of its open
        round, else a new round's."""
        open_round = self.records.open_round(self.id, shot_id)
        return sum(s.key is None for s in open_round) if open_round else self.takes

    def quote(self, shots: Sequence[str] | None = None) -> FilmQuote:
        """Price the takes a run of `shots` (default: `unmade()`) would send, through the
        studio's wallet as one quote; raise `ValidationError` naming every shot a server
        would refuse, `BudgetExceeded` when they do not fit the budget (or a price is
        unknown under a budget, unless the studio allows unknown costs)."""
        ids = self.unmade() if shots is None else shots
        wanted = [self.board.shots[self.board.index(i)] for i in ids]
        prices: dict[str, float | None] = {}
        costs: list[float | None] = []
        problems = []
        for shot in wanted:
            plan = self.studio.plan(
                shot.prompt, target=self._target(shot), size=shot.size, seconds=shot.seconds
            )
            wrong = {k: v for k, v in plan.problems.items() if k != "budget"}
            problems += [f"{shot.id}: {field}: {why}" for field, why in wrong.items()]
            n = self._to_send(shot.id)
            costs += [plan.cost] * n
            prices[shot.id] = None if plan.cost is None else round(plan.cost * n, 4)
        if problems:
            raise ValidationError("Shots a server would refuse:\n- " + "\n- ".join(problems))
        wallet = self.studio.wallet
        purse = wallet.purse()
        quote = wallet.quote_whole(f"storyboard {self.id}", costs, purse)
        return FilmQuote(shots=prices, total=quote.cost, left=purse.left)

    def _ids(self) -> list[str]:
        return [s.id for s in self.board.shots]

    def unmade(self) -> list[str]:
        """Shots with no chosen take yet, or with takes sent and not settled."""
        return [
            s.id
            for s in self.board.shots
            if self.state[s.id].chosen is None or self.records.open_round(self.id, s.id)
        ]

    # --- making -------------------------------------------------------------------------

    async def run(self, shots: Sequence[str] | None = None) -> dict[str, Made]:
        """Make `shots` (default: `unmade()`, so a run after a restart picks up where the
        last stopped), quoted whole first; chains side by side, shots in a chain in
        order. A shot whose takes all fail stops its chain (raised at the end)."""
        wanted = set(self.unmade() if shots is None else shots)
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

    def _source(self, index: int, shot: Shot) -> tuple[str | None, float]:
        """(the take this shot continues from, seconds of it an extension repeats)."""
        if not shot.continues:
            return None, 0.0
        before = self.state[self.board.shots[index - 1].id].chosen
        if before is None:
            raise ValidationError(f"{shot.id} continues a shot not made yet; make that first")
        if self._extends(shot):
            return before, float(self.studio.get(before).seconds or 0)
        return before, 0.0

    def _extends(self, shot: Shot) -> bool:
        return shot.join == "extend" and self.studio.capabilities.extend

    async def make(self, shot_id: str) -> Job:
        """Make one shot's takes now (or finish the round a stopped run left open) and
        choose one; its continuation needs the shot before it made (else
        `ValidationError`)."""
        index = self.board.index(shot_id)
        shot = self.board.shots[index]
        slots = self.records.open_round(self.id, shot_id)
        left_open = bool(slots)  # by a run that stopped: its unfilled slots may have jobs
        if not left_open:
            slots = self.records.begin(self.id, shot_id, self.takes, *self._source(index, shot))
        made_from, skip = slots[0].made_from, slots[0].skip
        made = self.state[shot_id]
        url = self._address(shot)
        keys = []
        for slot in slots:  # each kept as soon as its job is recorded
            key = slot.key
            if key is None and left_open:
                key = self.records.claim(slot, shot.prompt, url)
            if key is None:
                key = (await self._send(shot, made_from)).key
                self.records.fill(slot, key)
            if key not in made.takes:
                made.takes.append(key)
            made.origins[key] = (made_from, skip)
            keys.append(key)
        finished: list[Job] = []
        errors: list[SoraNotebookError] = []
        waits = [self.studio.wait(k, timeout=self.timeout) for k in keys]
        for next_done in asyncio.as_completed(waits):
            try:
                finished.append(await next_done)
            except SoraNotebookError as exc:
                errors.append(exc)
        if not finished:
            if not any(isinstance(e, WaitTimeout) for e in errors):  # all failed: done
                self.records.settle(self.id, shot_id, slots[0].round, None)
            raise errors[0]
        made.chosen, made.made_from, made.skip = self.chooser(finished).key, made_from, skip
        self.records.settle(self.id, shot_id, slots[0].round, made.record())
        return self.studio.get(made.chosen)

    async def _send(self, shot: Shot, made_from: str | None) -> Job:
        """Send one take: an extension of `made_from`, a continuation from its last
        frame, or a new clip (with the first cast member's image, if any)."""
        if made_from is not None and self._extends(shot):
            return await self.studio.extend(made_from, shot.prompt, shot.seconds)
        request: dict[str, Any] = {
            "target": self._target(shot),
            "size": shot.size,
            "seconds": shot.seconds,
        }
        if made_from is not None:
            _, last = edge_frames(self._path(made_from))
            request.update(input_reference=png(last), fit=self.fit)
        elif shot.cast:
            member = next(c for c in self.board.cast if c.name == shot.cast[0])
            request.update(input_reference=Path(member.image), fit=self.fit)
        return await self.studio.submit(shot.prompt, **request)

    def choose(self, shot_id: str, job: Job | str) -> list[str]:
        """Use `job` (one of the shot's takes) for `shot_id`; returns the shots now stale."""
        key = job if isinstance(job, str) else job.key
        made = self.state[shot_id]
        if key not in made.takes:
            raise ValidationError(f"{key} is not a take of {shot_id}; its takes: {made.takes}")
        made.chosen = key
        made.made_from, made.skip = made.origins.get(key, (made.made_from, made.skip))
        self.records.set_chosen(self.id, shot_id, made.record())
        return self.stale()

    def keep(self, shot_id: str) -> None:
        """Keep a stale shot as it is: it counts as made from the current take before it."""
        index = self.board.index(shot_id)
        if index:
            made = self.state[shot_id]
            made.made_from = self.state[self.board.shots[index - 1].id].chosen
            self.records.set_chosen(self.id, shot_id, made.record())

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

    def film(self, dest: str | os.PathLike[str] | None = None, **options: Any) -> Film:
        """The chosen takes stitched (options as `stitch`) into the library's
        `media/films/`, kept there with its lineage: which takes, which board
        (`studio.library.boards.films(made.id)`). With `dest`, a copy there too (the
        `Film` returned names it)."""
        lib = self.studio.library
        chosen = self._chosen()
        film_id = f"film-{uuid.uuid4().hex[:12]}"
        target = lib.media_dir / "films" / f"{film_id}.mp4"
        made = stitch(chosen, target, **options)
        rel = target.relative_to(lib.root).as_posix()
        if lib.media.objects is not None:  # a team's media live in its object store
            lib.media.objects.put(rel, target)
        self.records.add_film(
            FilmRecord(
                id=film_id,
                board=self.id,
                path=rel,
                sha256=files.sha256_file(target),
                seconds=made.seconds,
                takes=tuple(self.state[s.id].chosen or "" for s in self.board.shots),
                joins=tuple({"at": t} for t in made.joins),
                person=lib.person,
                made_at=self.studio.now(),
            )
        )
        if dest is None:
            return made
        return replace(made, path=_copy(target, Path(dest)))

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
            "id": self.id,
            "takes": self.takes,
            "state": {k: asdict(v) for k, v in self.state.items()},
        }

    @classmethod
    def from_dict(cls, studio: Studio, data: dict[str, Any], **kw: Any) -> Production:
        """A production from `to_dict`'s plain data, kept in `studio`'s library."""
        state = {k: Made(**v) for k, v in data.get("state", {}).items()}
        board = Storyboard.from_dict(data["board"])
        return cls(studio, board, takes=int(data.get("takes", 1)), state=state, **kw)


def _copy(src: Path, dest: Path) -> Path:
    """`src`'s bytes at `dest` (replaced atomically): a hard link where possible."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copyfile(src, tmp)
    os.replace(tmp, dest)
    return dest
