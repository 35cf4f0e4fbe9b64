"""Showing and hiding widgets with the panel's `sn-hidden` class.

Only ever on plain ipywidgets (Box, Button, ...): an anywidget view whose class changes
right after it is placed in the page can keep the stale class (seen in JupyterLab 4.6
with anywidget 0.11), so anywidgets are wrapped in a Box and the Box is hidden instead.
"""

from __future__ import annotations

import ipywidgets as w

HIDDEN = "sn-hidden"


def set_hidden(widget: w.DOMWidget, hidden: bool) -> None:
    """Hide or show `widget` (a plain ipywidget, never an anywidget)."""
    if hidden:
        widget.add_class(HIDDEN)
    else:
        widget.remove_class(HIDDEN)
