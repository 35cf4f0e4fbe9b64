"""A saved notebook's view of the work: a static snapshot kept current below the panel.

When the panel is displayed, a second output follows it: plain HTML (escaped text,
data-URL thumbnails, the tree) under a display id. When jobs finish or go and nothing is
running any more, the snapshot is replaced in place (`update_display`, debounced), so
the notebook file holds the latest settled state. Publishing is kept rare on purpose:
each publish flushes the kernel's output streams, which can wait on its IOPub thread.
While the live panel is on the page its stylesheet hides the snapshot; GitHub, nbviewer,
or JupyterLab without a kernel show it.
"""

from __future__ import annotations

import asyncio
import contextvars
import uuid
from collections.abc import Callable
from typing import Any

from IPython import display as ipd

from sora_notebook.widgets.home import HomeLoop

__all__ = ["LiveSnapshot"]

DEBOUNCE_SECONDS = 1.0
SHADOW_CLASS = "sn-snapshot"


def wrap(html_text: str) -> str:
    """The snapshot inside the element the live panel's stylesheet hides."""
    return f'<div class="{SHADOW_CLASS}">{html_text}</div>'


class LiveSnapshot:
    """Publish `render()` under one display id and refresh it on request (debounced)."""

    def __init__(
        self,
        render: Callable[[], str],
        *,
        settled: Callable[[], bool] = lambda: True,
        home: HomeLoop | None = None,
        publish: Callable[..., Any] | None = None,
        update: Callable[..., Any] | None = None,
    ) -> None:
        self._render = render
        self._settled = settled
        self._home = home
        self._publish: Callable[..., Any] = publish or ipd.display
        self._update: Callable[..., Any] = update or ipd.update_display
        self.display_id: str | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._context: contextvars.Context | None = None
        self.updates = 0

    def show(self) -> None:
        """Publish the snapshot as its own output (call right after the panel's output)."""
        self.display_id = "sora-notebook-" + uuid.uuid4().hex
        # Updates are sent from the context of the cell that showed the panel (its
        # parent message), as a background task of that cell would: seen to be the
        # reliable way for JupyterLab to apply them.
        self._context = contextvars.copy_context()
        self._publish({"text/html": wrap(self._render())}, raw=True, display_id=self.display_id)

    def changed(self) -> None:
        """Something worth saving changed: refresh soon (at most once a second)."""
        if self.display_id is None or self._handle is not None:
            return
        handle = self._home.later(DEBOUNCE_SECONDS, self._fire) if self._home else None
        if handle is None:
            self.refresh()
        else:
            self._handle = handle

    def _fire(self) -> None:
        if self._context is None:
            self.refresh()
        else:
            self._context.run(self.refresh)

    def refresh(self) -> None:
        """Replace the published snapshot, once nothing is running (fewer, final updates)."""
        self._handle = None
        if self.display_id is None or not self._settled():
            return
        self._update({"text/html": wrap(self._render())}, raw=True, display_id=self.display_id)
        self.updates += 1

    def close(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
