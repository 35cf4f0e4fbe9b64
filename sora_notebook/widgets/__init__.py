"""The Studio panel and its custom views (ipywidgets form, anywidget tree/compare/player).

Each custom view is one Python module plus one plain ESM file in `static/`. Python owns
the state; the ESM only draws it (house rules 5-7).
"""

from sora_notebook.widgets.compare import CompareView
from sora_notebook.widgets.player import PlayerView
from sora_notebook.widgets.tree import TreeView

__all__ = ["CompareView", "PlayerView", "TreeView"]
