"""`CompareView`: 2 to 4 videos side by side, synchronised, with the differences spelled out.

Python computes what differs: each prompt as word tokens against the first (`prompts`)
and a parameter table with a `differs` flag per row (`table`). The ESM synchronises play,
pause, seek, speed and frame steps, and offers a wipe between two videos.
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable, Sequence
from typing import Any

import anywidget
import traitlets as t

from sora_notebook.widgets.assets import STATIC, esm
from sora_notebook.widgets.diff import extra_params, param_table, word_diff
from sora_notebook.widgets.media_url import files_url, server_root
from sora_notebook.widgets.player import MediaFiles
from sora_notebook.widgets.rpc import Reply, RequestsMixin
from sora_notebook.widgets.thumbs import thumb_data_url

__all__ = ["CompareView"]

MediaPath = Callable[[Any, str], Any]
LETTERS = "ABCD"
# Request fields already shown as rows (or as the prompt diff) or that are references.
SHOWN = frozenset({"prompt", "model", "size", "seconds", "video", "input_reference"})


def _money(value: Any) -> str:
    return "" if value is None else f"${float(value):.2f}"


def _label(letter: str, job: Any) -> str:
    parts = [job.model, job.size, f"{job.seconds}s" if job.seconds else None]
    return " · ".join([letter, *(str(p) for p in parts if p)])


class CompareView(RequestsMixin, anywidget.AnyWidget):
    """Compare 2-4 jobs: synchronised players, prompt word diff, parameter table."""

    _esm = esm("compare.js", common=True)
    _css = STATIC / "compare.css"

    items = t.List(t.Dict()).tag(sync=True)
    prompts = t.List(t.List(t.List(t.Unicode()))).tag(sync=True)
    table = t.Dict().tag(sync=True)
    fps = t.Float(24.0).tag(sync=True)

    def __init__(
        self,
        jobs: Sequence[Any] = (),
        *,
        media: MediaPath | None = None,
        root: pathlib.Path | bool | None = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._init_requests()
        self._root = server_root() if root is True else (root or None)
        self._media = media or (lambda _job, _variant: None)
        self._files = MediaFiles()
        self.set_jobs(jobs)

    def set_jobs(self, jobs: Sequence[Any]) -> None:
        """Compare these jobs (at most four; the first is the baseline of the diff)."""
        jobs = list(jobs)[:4]
        self._files.clear()
        items = []
        for i, job in enumerate(jobs):
            video = self._media(job, "video")
            self._files.set(job.key, "video", video)
            items.append(
                {
                    "key": job.key,
                    "letter": LETTERS[i],
                    "label": _label(LETTERS[i], job),
                    "src": files_url(video, self._root) if video else "",
                    "has_video": bool(video) and pathlib.Path(video).is_file(),
                    "poster": thumb_data_url(self._media(job, "thumbnail"), width=480),
                    "status": str(job.status),
                }
            )
        base = jobs[0].prompt if jobs else ""
        prompts = [word_diff(base, job.prompt) for job in jobs]
        params = [dict(getattr(job, "params", None) or {}) for job in jobs]
        rows: list[tuple[str, list[Any]]] = [
            ("model", [j.model for j in jobs]),
            ("size", [j.size for j in jobs]),
            ("seconds", [j.seconds for j in jobs]),
            ("status", [j.status for j in jobs]),
            ("from", [j.edge_kind or "new" for j in jobs]),
            ("cost", [_money(getattr(j, "cost", None)) for j in jobs]),
            ("rating", [getattr(j, "rating", None) for j in jobs]),
        ]
        extra = [n for n in extra_params(params) if n not in SHOWN]
        rows += [(name, [p.get(name) for p in params]) for name in extra]
        with self.hold_sync():
            self.items = items
            self.prompts = prompts
            self.table = param_table([it["label"] for it in items], rows)

    def request_media(self, args: dict[str, Any], _buffers: list[Any]) -> Reply:
        return self._files.read(str(args.get("key", "")), "video")
