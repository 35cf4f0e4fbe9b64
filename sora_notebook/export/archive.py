"""The zip format: records, lineage, snapshots and media, restorable into another library.

The zip holds `studio.json` (the records, lineage edges, response snapshots and the
storyboards whose takes it holds) and the media files at the same relative paths as in
the library (cast images under `media/cast/`), so `import_archive` restores it into
another library.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from sora_notebook.export.boards import dump_boards
from sora_notebook.export.gallery import Standing
from sora_notebook.export.unpacking import FORMAT, Importer, ImportLimits
from sora_notebook.export.untrusted import safe_media_path
from sora_notebook.library import Job, Library, files
from sora_notebook.library.lineage import Tree, build_tree

__all__ = ["FORMAT", "SUFFIXES", "ImportLimits", "export_zip", "import_archive", "write"]

SUFFIXES = (".zip",)


def export_zip(
    library: Library,
    jobs: Iterable[Job],
    dest: str | os.PathLike[str],
    *,
    models: Sequence[Standing] = (),
) -> Path:
    """Write `jobs` (records, edges, snapshots, media files) to a zip at `dest`, with the
    leaderboard by model at the time (`models`, for reading; an import leaves it out: the
    duels it came from stay in the library)."""
    dest = Path(dest)
    jobs = list(jobs)
    tree = build_tree(jobs)
    boards, board_files = dump_boards(library, {j.key for j in jobs})
    payload = {
        "format": FORMAT,
        "jobs": [j.to_dict() for j in jobs],
        "edges": tree.to_dict()["edges"],
        "snapshots": {j.key: library.snapshots(j.key) for j in jobs},
        "boards": boards,
        "models": [_standing(s) for s in models],
    }
    media = library.media_dir.resolve()
    with files.atomic_output(dest) as tmp, zipfile.ZipFile(tmp, "w") as zf:
        zf.writestr("studio.json", json.dumps(payload, indent=1, sort_keys=True))
        written: set[str] = set()
        for job in jobs:
            for rel in _media_files(job):
                if rel in written or not safe_media_path(rel):
                    continue
                path = (library.root / rel).resolve()
                if path.is_relative_to(media) and path.is_file():
                    zf.write(path, rel)
                    written.add(rel)
        for rel, path in board_files.items():  # cast images, films
            if rel not in written:
                zf.write(path, rel)
                written.add(rel)
    return dest


def _standing(s: Standing) -> dict[str, object]:
    names = ("model", "score", "sigma", "wins", "losses", "ties")
    more = ("cost_per_video", "seconds_per_video", "wins_per_dollar")
    return {name: getattr(s, name) for name in (*names, *more)}


def _media_files(job: Job) -> list[str]:
    rels = list(job.media.values())
    ref = job.params.get("input_reference")
    if isinstance(ref, str):
        rels.append(ref)
    return rels


def import_archive(
    library: Library, src: str | os.PathLike[str], *, limits: ImportLimits | None = None
) -> int:
    """Restore an `export_zip` archive into `library`; returns the number of new jobs.

    The archive is untrusted: any bad member name (outside `media/`, absolute, `..`,
    duplicated), a member past `limits`, a hash that does not match or a record with a
    wrong field raises `ValidationError` naming it, and nothing is imported. Media land
    inside `media/` under fresh names when a file is already there (nothing existing is
    overwritten); jobs already present (same key) are skipped.
    """
    return Importer(library, limits or ImportLimits()).run(Path(src))


def write(
    library: Library,
    tree: Tree,
    dest: Path,
    *,
    embed: bool = True,
    ranking: object = None,
    models: Sequence[Standing] | None = None,
) -> Path:
    """The registry's entry point: every job of `tree` (media is always included; the
    ranking is not: preferences stay in the library) and the leaderboard by model."""
    return export_zip(library, tree.nodes.values(), dest, models=models or ())
