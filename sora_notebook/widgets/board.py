"""The storyboard strip's part of the view: one `Production` open at a time, its shots in
order with their takes, the join scores between them and the film.

The page asks with one request, `board`, and an `op`: `new` (from a pasted script),
`add`, `remove`, `move`, `join` (edit a shot), `run` (one shot or all: the run is quoted
whole first, against the budget), `choose` (a take), `keep` (a stale shot as it is),
`film` (stitch the chosen takes and score every join). Code opens a production with
`view.show_board(made)`. The takes are studio jobs, so their cards, progress and media
are the view's own; the film reaches the page by its `files/` URL or over the channel.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sora_notebook.errors import SoraNotebookError, ValidationError
from sora_notebook.storyboard import JOINS, Production, Shot, parse_script
from sora_notebook.widgets.base import Part
from sora_notebook.widgets.media_url import files_url
from sora_notebook.widgets.rpc import Handler, Reply

if TYPE_CHECKING:
    from sora_notebook.studio import Studio
    from sora_notebook.widgets.view import StudioView

__all__ = ["Boards"]

FILM_KEY = "@film"  # the film's media keys on the channel start so (one kept at a time)


class Boards(Part):
    """The open storyboard (`made`), drawn as the `board` trait."""

    def __init__(self, view: StudioView) -> None:
        self.made: Production | None = None
        self._film: dict[str, Any] = {}
        super().__init__(view)

    def handlers(self) -> dict[str, Handler]:
        return {"board": self.request_board}

    def show(self, made: Production) -> None:
        """Open `made` in the strip (its film, if any, is made again on request)."""
        self.made, self._film = made, {}
        self.update()

    # --- requests ----------------------------------------------------------------------

    async def request_board(self, args: dict[str, Any], _buffers: list[Any]) -> Reply:
        op = str(args.get("op", ""))
        if op == "new":
            studio = cast("Studio", self.studio)
            board = parse_script(str(args.get("script", ""))[:200_000])
            self.show(Production(studio, board, takes=_whole(args.get("takes", 1), "takes")))
            return {"id": self._made().id}, []
        made = self._made()
        if op in ("add", "remove", "move", "join"):
            made.edit(made.board.with_shots(self._edited(op, args)))
        elif op == "run":
            await self._run(args.get("shot"))
        elif op == "choose":
            stale = made.choose(self._shot(args), str(args.get("key", "")))
            if stale:
                self.view.say(f"Continued from the take you changed: {', '.join(stale)} (stale).")
        elif op == "keep":
            made.keep(self._shot(args))
        elif op == "film":
            await self._stitch(bool(args.get("crossfade")))
        else:
            raise ValueError(f"Unknown storyboard action {op[:40]!r}.")
        self.update()
        return {}, []

    def _made(self) -> Production:
        if self.made is None:
            raise LookupError("No storyboard is open: paste a script and make the board.")
        return self.made

    def _shot(self, args: dict[str, Any]) -> str:
        shot = str(args.get("shot", ""))
        self._made().board.index(shot)  # KeyError -> a LookupError's reply
        return shot

    def _edited(self, op: str, args: dict[str, Any]) -> list[Shot]:
        shots = list(self._made().board.shots)
        if op == "add":
            last = shots[-1] if shots else None
            join = str(args.get("join") or "continue")
            shots.append(
                Shot(
                    prompt=str(args.get("prompt", ""))[:4000],
                    seconds=_whole(args.get("seconds", last.seconds if last else 4), "seconds"),
                    size=last.size if last else "1280x720",
                    target=last.target if last else "",
                    join=join if shots else "cut",
                )
            )
            return shots
        i = self._made().board.index(self._shot(args))
        if op == "remove":
            del shots[i]
        elif op == "move":
            j = i + (1 if int(args.get("by", 1)) > 0 else -1)
            if not 0 <= j < len(shots):
                raise ValueError("That shot is already at the end of the strip.")
            shots[i], shots[j] = shots[j], shots[i]
        else:
            join = str(args.get("join", ""))
            if join not in JOINS:
                raise ValueError(f"A shot joins the one before by {', '.join(JOINS)}.")
            shots[i] = replace(shots[i], join=join)
        if shots and shots[0].continues:  # the new first shot has nothing to continue
            shots[0] = replace(shots[0], join="cut")
        return shots

    async def _run(self, shot: Any) -> None:
        made = self._made()
        shots = [self._shot({"shot": shot})] if shot else made.unmade() or made.stale()
        if not shots:
            raise ValueError("Every shot has a take: pick others, or add a shot.")
        quote = made.quote(shots)  # the whole run priced and budgeted before anything goes
        self.view.say(f"Making {len(shots)} shot{'s' * (len(shots) > 1)}: {quote}.")
        self.update(busy=f"Making {', '.join(shots)}")
        try:
            await made.run(shots)
        finally:
            self.update()

    async def _stitch(self, crossfade: bool) -> None:
        made = self._made()
        missing = [s.id for s in made.board.shots if made.state[s.id].chosen is None]
        if missing:
            raise ValidationError(f"Not made yet: {', '.join(missing)}; make them first.")
        self.update(busy="Stitching the film")
        try:
            film = await asyncio.to_thread(made.film, crossfade=0.25 if crossfade else 0.0)
            scores = await asyncio.to_thread(made.continuity)
        finally:
            self.update()
        path = Path(film.path)
        key = f"{FILM_KEY}-{path.stem}"
        extra = self.view.media.extra
        for old in [k for k in extra if k.startswith(FILM_KEY)]:
            del extra[old]  # one film kept for the page at a time
        extra[key] = ("video/mp4", await asyncio.to_thread(path.read_bytes))
        self._film = {
            "key": key,
            "url": files_url(path, self.view._root),
            "seconds": round(film.seconds, 2),
            "size": f"{film.width}x{film.height}",
            "joins": [{"ssim": j.ssim, "histogram": j.histogram} for j in scores.joins],
            "ssim": scores.ssim,
            "histogram": scores.histogram,
        }

    # --- state -------------------------------------------------------------------------

    def update(self, busy: str = "") -> None:
        """The `board` trait from the open production ({} when none is open)."""
        made = self.made
        if made is None:
            self.view.board = {}
            return
        stale = set(made.stale())
        shots = [
            {
                "id": s.id,
                "prompt": s.prompt,
                "seconds": s.seconds,
                "size": s.size,
                "join": s.join,
                "takes": list(made.state[s.id].takes),
                "chosen": made.state[s.id].chosen,
                "stale": s.id in stale,
            }
            for s in made.board.shots
        ]
        try:
            quote = str(made.quote(made.unmade())) if made.unmade() else ""
        except SoraNotebookError as exc:
            quote = str(exc)
        self.view.board = {
            "id": made.id,
            "title": made.board.title,
            "shots": shots,
            "quote": quote,
            "busy": busy,
            "film": self._film or None,
        }


def _whole(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a whole number, got {str(value)[:20]!r}") from None
