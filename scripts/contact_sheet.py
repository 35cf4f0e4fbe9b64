"""Draw docs/subjects.png (every subject the emulator knows, as it draws them) and
docs/scenes.png (a frame of a few prompts), so "recognisable" can be checked by eye.

    PYTHONPATH=. .venv/bin/python scripts/contact_sheet.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw

from sora_notebook.emulator import _render
from sora_notebook.emulator._scenery import mask_for
from sora_notebook.emulator.look import RenderSpec, Segment
from sora_notebook.emulator.subjects import SUBJECTS

DOCS = Path(__file__).resolve().parents[1] / "docs"
SCENES = (
    "a red fox trots through a snowy forest at dawn",
    "a red fox trots through a forest at night",
    "a sailboat on the ocean at noon",
    "a city street at night with cars",
    "a camel crossing desert dunes at dusk",
    "an astronaut on the moon in space",
    "a cup of coffee on a kitchen table, still life",
    "foggy mountains with an eagle",
    "rain over a meadow with a white horse",
)


def subjects_sheet(path: Path, cols: int = 8, cell: tuple[int, int] = (160, 130)) -> None:
    names = sorted(SUBJECTS)
    rows = (len(names) + cols - 1) // cols
    sheet = Image.new("RGB", (cols * cell[0], rows * cell[1]), (236, 236, 232))
    draw = ImageDraw.Draw(sheet)
    for i, name in enumerate(names):
        subject = SUBJECTS[name]
        height = 90 if subject.aspect < 1.7 else int(140 / subject.aspect)
        mask = mask_for(subject, height, False)
        tile = np.full((*mask.shape, 3), 236, np.uint8)
        tile[mask] = (30, 30, 40)
        x, y = (i % cols) * cell[0], (i // cols) * cell[1]
        sheet.paste(Image.fromarray(tile), (x + (cell[0] - mask.shape[1]) // 2, y + 108 - height))
        draw.text((x + 6, y + 112), name, fill=(0, 0, 0))
    sheet.save(path, optimize=True)


def scenes_sheet(path: Path, size: tuple[int, int] = (384, 216)) -> None:
    tiles = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, prompt in enumerate(SCENES):
            out = Path(tmp) / str(i)
            _render.render(RenderSpec(*size, (Segment(prompt, prompt, 1),)), out)
            with av.open(str(out / "video.mp4")) as c:
                frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
            tiles.append(frames[12])
    w, h = size
    sheet = np.zeros((3 * h, 3 * w, 3), np.uint8)
    for i, tile in enumerate(tiles):
        sheet[(i // 3) * h : (i // 3 + 1) * h, (i % 3) * w : (i % 3 + 1) * w] = tile
    Image.fromarray(sheet).save(path, optimize=True)


if __name__ == "__main__":
    subjects_sheet(DOCS / "subjects.png")
    scenes_sheet(DOCS / "scenes.png")
    print("wrote", DOCS / "subjects.png", DOCS / "scenes.png")
