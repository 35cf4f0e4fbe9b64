"""The zip format: records, lineage, snapshots and media, restorable into another library.

The zip holds `studio.json` (the records, lineage edges and response snapshots) and the
media files at the same relative paths as in the library, so `import_archive` restores
it into another library.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path, PurePosixPath

from sora_notebook.library import Job, Library, files
from sora_notebook.library.lineage import Tree, build_tree

__all__ = ["FORMAT", "SUFFIXES", "export_zip", "import_archive", "write"]

SUFFIXES = (".zip",)

FORMAT = "sora-notebook/1"
_JOB_FIELDS = {f.name for f in fields(Job)}


def export_zip(library: Library, jobs: Iterable[Job], dest: str | os.PathLike[str]) -> Path:
    """Write `jobs` (records, edges, snapshots, media files) to a zip at `dest`."""
    dest = Path(dest)
    jobs = list(jobs)
    tree = build_tree(jobs)
    payload = {
        "format": FORMAT,
        "jobs": [j.to_dict() for j in jobs],
        "edges": tree.to_dict()["edges"],
        "snapshots": {j.key: library.snapshots(j.key) for j in jobs},
    }
    with files.atomic_output(dest) as tmp, zipfile.ZipFile(tmp, "w") as zf:
        zf.writestr("studio.json", json.dumps(payload, indent=1, sort_keys=True))
        written: set[str] = set()
        for job in jobs:
            for rel in _media_files(job):
                path = (library.root / rel).resolve()
                if rel in written or not path.is_file():
                    continue
                if not path.is_relative_to(library.root):
                    continue
                zf.write(path, rel)
                written.add(rel)
    return dest


def _media_files(job: Job) -> list[str]:
    rels = list(job.media.values())
    ref = job.params.get("input_reference")
    if isinstance(ref, str):
        rels.append(ref)
    return rels


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        not path.is_absolute()
        and ".." not in path.parts
        and bool(path.parts)
        and path.parts[0] == "media"
        and "\\" not in name
    )


def import_archive(library: Library, src: str | os.PathLike[str]) -> int:
    """Restore an `export_zip` archive into `library`; returns the number of new jobs.

    Jobs already present (same key) are skipped; member names that would leave the
    media folder are refused.
    """
    added = 0
    with zipfile.ZipFile(src) as zf:
        payload = json.loads(zf.read("studio.json"))
        if payload.get("format") != FORMAT:
            raise ValueError(f"not a sora-notebook archive (format {payload.get('format')!r})")
        for record in payload.get("jobs", []):
            data = {k: v for k, v in record.items() if k in _JOB_FIELDS}
            if library.find_key(data["key"]) is not None:
                continue
            for rel in [
                *dict(data.get("media") or {}).values(),
                data.get("params", {}).get("input_reference"),
            ]:
                if isinstance(rel, str) and _safe_member(rel) and rel in zf.namelist():
                    files.write_bytes_atomic(library.media_dir, library.root / rel, zf.read(rel))
            library.restore(
                Job(**{**data, "tags": tuple(data.get("tags") or ())}),
                snapshots=payload.get("snapshots", {}).get(data["key"], []),
            )
            added += 1
    return added


def write(
    library: Library, tree: Tree, dest: Path, *, embed: bool = True, ranking: object = None
) -> Path:
    """The registry's entry point: every job of `tree` (media is always included; the
    ranking is not: preferences stay in the library)."""
    return export_zip(library, tree.nodes.values(), dest)
