"""Storyboards: a film as a list of shots and a cast, parsed from a script, made in a
studio (`Production`), stitched into one MP4 (`stitch`), its joins measured
(`sora_notebook.judge.continuity`).

```python
board = parse_script(text)              # Markdown, YAML or CSV: one shot per item
film = stitch(["a.mp4", "b.mp4"], "film.mp4", crossfade=0.5)
made = Production(studio, board, takes=2); made.quote(); await made.run()
made = Production.open(studio, made.id)  # after a restart: kept in the library
```
"""

from sora_notebook.storyboard.board import JOINS, CastMember, Shot, Storyboard, split_target
from sora_notebook.storyboard.production import FilmQuote, Made, Production
from sora_notebook.storyboard.script import MAX_SCRIPT_BYTES, ScriptError, parse_script
from sora_notebook.storyboard.stitch import Film, StitchError, stitch

__all__ = [
    "JOINS",
    "MAX_SCRIPT_BYTES",
    "CastMember",
    "Film",
    "FilmQuote",
    "Made",
    "Production",
    "ScriptError",
    "Shot",
    "StitchError",
    "Storyboard",
    "parse_script",
    "split_target",
    "stitch",
]
