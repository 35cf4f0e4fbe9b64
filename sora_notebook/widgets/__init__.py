"""The studio view: one anywidget app (`StudioView`), what `studio.panel()` returns.

Python owns the state as traits; the ESM in `static/` (small modules by concern,
assembled by `assets.py`) only draws it and sends intents as id-carrying requests.
"""

from sora_notebook.studio import Studio
from sora_notebook.widgets.view import StudioView


def studio_panel(studio: object) -> StudioView:
    """The view of `studio` (the one entry point `Studio.panel()` imports lazily)."""
    if not isinstance(studio, Studio):
        raise TypeError(f"A studio view needs a Studio, not {type(studio).__name__}.")
    return StudioView(studio)


StudioPanel = studio_panel

__all__ = ["StudioPanel", "StudioView", "studio_panel"]
