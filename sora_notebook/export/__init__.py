"""Take history out of the studio, in a format chosen by the file's suffix.

Each format is one module with `SUFFIXES` and `write(library, tree, dest, *, embed,
ranking, models)` (`ranking`: what `studio.ranking()` returns, `models` what
`studio.leaderboard()` returns, or None; a format may ignore them);
adding a format means adding a module and naming it in `FORMATS`. The first format is
the default for a suffix no format claims.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from sora_notebook.export import archive, gallery
from sora_notebook.export.archive import export_zip, import_archive
from sora_notebook.export.gallery import Ranked, Standing, export_html
from sora_notebook.library import Library
from sora_notebook.library.lineage import Tree

__all__ = ["FORMATS", "export", "export_html", "export_zip", "import_archive"]

#: The formats, the default first.
FORMATS: tuple[ModuleType, ...] = (archive, gallery)


def export(
    library: Library,
    tree: Tree,
    dest: str | os.PathLike[str],
    *,
    embed: bool = True,
    ranking: Sequence[Ranked] | None = None,
    models: Sequence[Standing] | None = None,
) -> Path:
    """Write `tree` to `dest` in the format its suffix names (a zip by default)."""
    path = Path(dest)
    suffix = path.suffix.lower()
    chosen = next((f for f in FORMATS if suffix in f.SUFFIXES), FORMATS[0])
    written = chosen.write(
        library, tree, path.resolve(), embed=embed, ranking=ranking, models=models
    )
    return Path(written)
