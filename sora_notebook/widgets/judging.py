"""Compare and the blind duel: selection, metrics, preferences and the leaderboard.

Selecting 2-4 jobs (tree multi-select or cards) fills `compare` (prompt diffs, the
parameter table, then metrics rows and the per-frame difference strip once the judge
has measured them). The duel shows two completed variants unlabelled, sides chosen at
random here; the page answers 1, 2 or 0 (tie) and `studio.prefer` records it.
"""

from __future__ import annotations

import logging
import random
from typing import TYPE_CHECKING, Any

from sora_notebook.judge import Metrics
from sora_notebook.library import Job
from sora_notebook.widgets.base import Part
from sora_notebook.widgets.compare import compare_state, metrics_table
from sora_notebook.widgets.rpc import Handler, Reply

#: The share of a clip's height, from the bottom, that the emulator's burned-in caption can
#: cover (`emulator/_render.py`: a band of height/12, 10 px up; 10 % at 720 px, less above).
CAPTION_BAND = 0.1

if TYPE_CHECKING:
    from sora_notebook.widgets.view import StudioView

__all__ = ["Judging"]

log = logging.getLogger(__name__)


class Judging(Part):
    """The selection, compare and the blind duel."""

    def __init__(self, view: StudioView) -> None:
        super().__init__(view)
        self._compared: tuple[Any, ...] = ()
        self._measured: dict[str, Metrics | None] = {}
        self._judge_note = ""
        self._measuring: set[tuple[str, ...]] = set()
        self._strip: dict[tuple[str, str], list[float]] = {}
        self._random = random.Random()

    def handlers(self) -> dict[str, Handler]:
        return {
            "select": self.request_select,
            "duel": self.request_duel,
            "prefer": self.request_prefer,
        }

    def update(self, jobs: list[Job]) -> None:
        """The selection and its compare, from `jobs` (called by the view's flush)."""
        by_key = {j.key: j for j in jobs}
        keys = [k for k in self.view.selected if k in by_key]
        if keys != list(self.view.selected):
            self.view.selected = keys
        chosen = [by_key[k] for k in keys]
        state = tuple((j.key, j.status, j.rating, j.prompt, tuple(j.media)) for j in chosen)
        if state == self._compared:
            return
        self._compared = state
        compare = compare_state(chosen, [self.studio.target_of(j) for j in chosen])
        for job in chosen:
            if self._measured.get(job.key) is None:
                self._measured[job.key] = self.studio.cached_metrics(job)
        measured = [self._measured.get(k) for k in keys]
        if compare:
            compare["metrics"] = metrics_table(measured)
            compare["strip"] = self._strip.get((keys[0], keys[1]), [])
            compare["judge"] = self._judge_note
        self.view.compare = compare
        missing = None in measured or (len(keys) >= 2 and (keys[0], keys[1]) not in self._strip)
        playable = all(j.status == "completed" and "video" in j.media for j in chosen)
        busy = tuple(keys) in self._measuring
        if len(chosen) >= 2 and playable and missing and not self._judge_note and not busy:
            self._measuring.add(tuple(keys))
            self.view.spawn(self._measure(chosen))

    async def _measure(self, jobs: list[Job]) -> None:
        try:
            await self._measure_now(jobs)
        except Exception as exc:  # a metric that fails leaves its cells empty, never the view
            log.warning("measuring %d videos for compare failed", len(jobs), exc_info=True)
            self._judge_note = f"Metrics unavailable: {exc}"
        self._measuring.discard(tuple(j.key for j in jobs))
        self._compared = ()
        self.view.flush()

    async def _measure_now(self, jobs: list[Job]) -> None:
        """Metrics of each job (cached by the studio) and the A/B per-frame difference."""
        for job in jobs:
            if self._measured.get(job.key) is None:
                self._measured[job.key] = await self.studio.metrics(job)
        pair = (jobs[0].key, jobs[1].key)
        if pair not in self._strip:
            strip = await self.studio.difference(jobs[0], jobs[1])
            self._strip[pair] = [round(float(v), 4) for v in strip][:400]

    def select(self, *jobs: Job | str) -> None:
        """Select jobs from code (as Ctrl+click in the tree): one plays, 2-4 open compare."""
        keys = [j if isinstance(j, str) else j.key for j in jobs]
        self.request_select({"keys": keys}, [])

    def request_select(self, args: dict[str, Any], _buffers: list[Any]) -> Reply:
        """Select up to four jobs (tree or cards); one plays, 2-4 open compare."""
        raw = args.get("keys") or []
        keys: list[str] = []
        # at most a few dozen keys are looked up (only four are kept), whatever arrives
        for key in raw[-64:] if isinstance(raw, list) else []:
            if isinstance(key, str) and key not in keys and self.view._find(key) is not None:
                keys.append(key)
        if len(keys) > 4:
            self.view.say("Compare shows four videos at most: the first one chosen was let go.")
        self.view.selected = keys[-4:]
        if len(self.view.selected) == 1:
            job = self.view._find(self.view.selected[0])
            if job is not None and "video" in job.media:
                self.view.playing = job.key
        self.view.flush()
        return {"selected": list(self.view.selected)}, []

    # --- the duel -------------------------------------------------------------------------

    def _pool(self) -> list[Job]:
        chosen = [j for j in (self.view._find(k) for k in self.view.selected) if j is not None]
        pool = chosen if len(chosen) >= 2 else self.studio.jobs()
        return [j for j in pool if j.status == "completed" and "video" in j.media]

    def request_duel(self, args: dict[str, Any], _buffers: list[Any]) -> Reply:
        """Start (or stop, `{"stop": true}`) a blind duel over the selection or everything."""
        if args.get("stop"):
            # Ending a duel shows the leaderboard by model (two or more models); never
            # during one: each vote would tell which side was which model.
            was_on = bool(self.view.duel.get("round"))
            models = self._models(self._pool()) if was_on else []
            self.view.duel = {"models": models} if models else {}
            return {}, []
        self._next_duel()
        if not self.view.duel.get("pair"):
            self.view.duel = {}  # no empty duel left open
            raise LookupError("A duel needs two finished videos.")
        return {"round": self.view.duel["round"]}, []

    def _next_duel(self) -> None:
        pool = self._pool()
        pair = self.studio.next_pair(pool)
        prompts = {j.key: j.prompt[:200] for j in pool}
        board = [
            {
                "key": r.job.key,
                "prompt": prompts.get(r.job.key, ""),
                "score": round(r.score, 3),
                "sigma": round(r.sigma, 3),
                "wins": r.wins,
                "losses": r.losses,
                "ties": r.ties,
            }
            for r in self.studio.ranking(pool)
        ]
        rounds = int(self.view.duel.get("round", 0)) + 1
        shown = {"round": rounds, "ranking": board}
        if pair is None:
            self.view.duel = {"pair": [], **shown}
            return
        sides = [pair[0].key, pair[1].key]
        self._random.shuffle(sides)
        veil = CAPTION_BAND if any(self._captioned(j) for j in pair) else 0
        self.view.duel = {"pair": sides, "veil": veil, **shown}

    def _captioned(self, job: Job) -> bool:
        """Whether the emulator burned the prompt into this clip (a blind duel hides it)."""
        backend = self.studio.backends.get(self.studio.target_of(job).partition(":")[0])
        if backend is None or backend.name != "emulator":
            return False
        if "caption" in job.params:
            return bool(job.params["caption"])
        engine = getattr(getattr(backend.app, "state", None), "emulator", None)
        return bool(getattr(engine, "caption", True))

    def _models(self, pool: list[Job]) -> list[dict[str, Any]]:
        """The leaderboard by model (`"name:model"`) when the pool has two or more."""
        standings = self.studio.leaderboard(pool)
        if len(standings) < 2:
            return []
        return [
            {
                "model": s.model,
                "score": round(s.score, 3),
                "sigma": round(s.sigma, 3),
                "wins": s.wins,
                "losses": s.losses,
                "ties": s.ties,
                "videos": s.videos,
                "cost": s.cost_per_video,
                "seconds": s.seconds_per_video,
                "per_dollar": s.wins_per_dollar,
            }
            for s in standings
        ]

    def request_prefer(self, args: dict[str, Any], _buffers: list[Any]) -> Reply:
        """1: the left one wins, 2: the right one, 0: a tie; then the next pair."""
        pair = self.view.duel.get("pair") or []
        if len(pair) != 2 or int(args.get("round", -1)) != self.view.duel.get("round"):
            raise LookupError("This pair is no longer shown.")
        choice = int(args.get("choice", -1))
        if choice not in (0, 1, 2):
            raise ValueError("Choose 1 (left), 2 (right) or 0 (tie).")
        left, right = (self.view._find(k) for k in pair)
        if left is None or right is None:
            raise LookupError("One of these videos was deleted.")
        winner, loser = (right, left) if choice == 2 else (left, right)
        self.studio.prefer(winner, loser, tie=choice == 0)
        self._next_duel()
        return {"round": self.view.duel["round"]}, []
