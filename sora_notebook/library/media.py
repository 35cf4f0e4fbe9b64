"""Where a library keeps media: a folder, names unique per backend, id and output,
atomic saves, reference copies (`Library.media`); with an object store, the folder is
the working copy of the store's objects (`objects.py`)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sora_notebook.errors import ValidationError
from sora_notebook.library import files
from sora_notebook.library.objects import ObjectStore
from sora_notebook.library.records import Job, encode, job_from_row, media_slot, update_row
from sora_notebook.library.store import Store
from sora_notebook.protocol import MEDIA_TYPES, id_file_stem

__all__ = ["MEDIA_DIR", "MediaFiles"]

MEDIA_DIR = "media"
_IMAGE_MAGIC = ((b"\x89PNG", ".png"), (b"\xff\xd8\xff", ".jpg"), (b"RIFF", ".webp"))


class MediaFiles:
    """The media folder `root/media` of a library whose records live in `store`, and
    the object store that holds the team's copy, if any."""

    def __init__(
        self,
        store: Store,
        root: Path,
        *,
        objects: ObjectStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.objects = objects
        self.root = root
        self.media_dir = root / MEDIA_DIR
        self.media_dir.mkdir(parents=True, exist_ok=True)
        self._clock = clock

    def sweep(self) -> int:
        """Remove temp files left by processes that died mid-write; returns how many."""
        return files.sweep_partials(self.media_dir)

    def target(self, job: Job, variant: str, output: int = 0) -> Path:
        """Where a variant of one output of this job lives once saved (absolute).

        Named by backend + server id + output index, so two backends that hand out the
        same id never share a file.
        """
        if variant not in MEDIA_TYPES:
            raise ValidationError(
                f"variant must be one of {', '.join(MEDIA_TYPES)}; got {variant!r}."
            )
        media_slot(variant, output)
        video_id = job.video_id
        made_by = job.params.get("output_of_video")
        if video_id is None and isinstance(made_by, str) and made_by:
            # a further output of a job that made several (add_output): named after that
            # job's server id and this output's index
            video_id, output = made_by, output or int(job.params.get("output_index") or 0)
        if video_id:
            owner = f"{job.backend_url or job.backend}\n{video_id}"
            tag = hashlib.sha256(owner.encode("utf-8", "surrogatepass")).hexdigest()[:10]
            stem = f"{id_file_stem(video_id)}.{tag}"
        else:
            stem = f"local-{job.key}"
        if output:
            stem += f".o{output}"
        kind = "" if variant == "video" else f".{variant}"  # <stem>.thumbnail.webp
        return self.media_dir / f"{stem}{kind}{MEDIA_TYPES[variant].ext}"

    def temp_path(self, suffix: str = "") -> Path:
        """A temp file name inside the library, for a download in flight."""
        return files.tmp_path(self.media_dir, suffix)

    def save(self, key: str, variant: str, source: Path | bytes, output: int = 0) -> None:
        """Move a finished temp file (or bytes) into place atomically and record it
        (path and sha256 under its slot; the first video's sha256 also in `sha256`)."""
        with self.store.read() as db:
            row = db.execute("SELECT * FROM jobs WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        dest = self.target(job_from_row(row), variant, output)
        if isinstance(source, bytes):
            digest = files.write_bytes_atomic(self.media_dir, dest, source)
        else:
            digest = files.commit_file(Path(source), dest)
        slot = media_slot(variant, output)
        rel = dest.relative_to(self.root).as_posix()
        if self.objects is not None:
            self.objects.put(rel, dest)  # in the store before any record names it
        with self.store.write() as db:
            row = db.execute("SELECT media, hashes FROM jobs WHERE key = ?", (key,)).fetchone()
            if row is None:
                raise KeyError(key)
            media = json.loads(row["media"] or "{}")
            hashes = json.loads(row["hashes"] or "{}")
            media[slot] = rel
            hashes[slot] = digest
            fields: dict[str, Any] = {"media": media, "hashes": hashes}
            if slot == "video":
                fields["sha256"] = digest
                fields["media_expired"] = False
            update_row(db, key, {k: encode(k, v) for k, v in fields.items()}, self._clock())

    def add_file(self, rel: str, source: Path | bytes) -> str:
        """Place a file at library path `rel` (inside `media/`, as a record names it):
        atomically here, then in the object store; returns its sha256. For moving
        records between libraries; a new download goes through `save`."""
        dest = self.inside(rel)
        if dest is None:
            raise ValidationError(f"A media path must lie inside media/; got {rel!r}.")
        if isinstance(source, bytes):
            digest = files.write_bytes_atomic(self.media_dir, dest, source)
        else:
            tmp = self.temp_path(dest.suffix)
            try:
                shutil.copyfile(source, tmp)
                digest = files.commit_file(tmp, dest)
            finally:
                with contextlib.suppress(OSError):
                    tmp.unlink()
        if self.objects is not None:
            self.objects.put(rel, dest)
        return digest

    def inside(self, rel: str) -> Path | None:
        """The file `rel` names if it lies inside `media/` (never the database or any
        other file of the root, even when `media/` is a link to another disk)."""
        if not isinstance(rel, str) or not rel.startswith(f"{self.media_dir.name}/"):
            return None
        path = (self.root / rel).resolve()
        return path if path.is_relative_to(self.media_dir.resolve()) else None

    def path(self, job: Job, variant: str = "video", output: int = 0) -> Path | None:
        """The absolute local file of a variant, if it was saved and still exists (here,
        or in the object store: then fetched, checked against its sha256 and kept)."""
        slot = media_slot(variant, output)
        rel = job.media.get(slot)
        path = self.inside(rel) if rel else None
        if path is None or rel is None:
            return None
        if not path.is_file() and self.objects is not None:
            self._fetch(rel, path, job.hashes.get(slot))
        return path if path.is_file() else None

    def _fetch(self, rel: str, path: Path, sha256: str | None) -> None:
        assert self.objects is not None
        tmp = self.temp_path(path.suffix)
        try:
            if not self.objects.fetch(rel, tmp):
                return
            if sha256 is not None and files.sha256_file(tmp) != sha256:
                return  # not the bytes recorded: leave it missing, as a lost file is
            files.commit_file(tmp, path)
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()

    def copy_reference(self, key: str, source: bytes | str | os.PathLike[str]) -> str:
        """Keep a copy of a reference image under `media/refs/`; returns its path."""
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        suffix = next((ext for magic, ext in _IMAGE_MAGIC if data.startswith(magic)), None)
        if suffix is None:
            suffix = "" if isinstance(source, bytes) else Path(source).suffix.lower()
        dest = self.media_dir / "refs" / f"{key}{suffix or '.bin'}"
        files.write_bytes_atomic(self.media_dir, dest, data)
        rel = dest.relative_to(self.root).as_posix()
        if self.objects is not None:
            self.objects.put(rel, dest)
        return rel

    def drop_reference(self, params: Mapping[str, Any]) -> None:
        ref = params.get("input_reference")
        if isinstance(ref, str):
            self._delete(ref)

    def forget(self, job: Job) -> None:
        """Delete a removed job's files (its media and its reference copy)."""
        paths = list(job.media.values())
        ref = job.params.get("input_reference")
        if isinstance(ref, str):
            paths.append(ref)
        for rel in paths:
            self._delete(rel)

    def _delete(self, rel: str) -> None:
        path = self.inside(rel)
        if path is None:
            return
        with contextlib.suppress(OSError):
            path.unlink()
        if self.objects is not None:
            with contextlib.suppress(*self.objects.errors):
                self.objects.delete(rel)
