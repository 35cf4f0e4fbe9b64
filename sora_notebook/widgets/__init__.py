"""The studio view: one anywidget app (`StudioView`), what `studio.panel()` returns.

Python owns the state as traits; the ESM in `static/` (small modules by concern,
assembled by `assets.py`) only draws it and sends intents as id-carrying requests.
"""

from sora_notebook.widgets.view import StudioView

StudioPanel = StudioView

__all__ = ["StudioPanel", "StudioView"]
