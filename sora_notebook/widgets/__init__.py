"""The Studio panel and its custom views (ipywidgets form, anywidget tree/compare/player).

Each custom view is one Python module plus one plain ESM file in `static/`. Python owns
the state; the ESM only draws it (house rules 5-7). `StudioPanel` is `Panel` under the
name `Studio.panel()` imports.
"""

from sora_notebook.widgets.compare import CompareView
from sora_notebook.widgets.panel import Panel
from sora_notebook.widgets.player import PlayerView
from sora_notebook.widgets.text import TextView
from sora_notebook.widgets.tree import TreeView

StudioPanel = Panel

__all__ = ["CompareView", "Panel", "PlayerView", "StudioPanel", "TextView", "TreeView"]
