"""Where a library keeps media: names unique per backend, id and output, atomic saves,
reference copies."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sora_notebook.errors import ValidationError
from sora_notebook.library import files
from sora_notebook.library._connection import _IMAGE_MAGIC
from sora_notebook.library._reading import Reading
from sora_notebook.library.records import (
    Job,
    encode,
    media_slot,
)
from sora_notebook.protocol import MEDIA_TYPES, id_file_stem

__all__ = ["MediaFiles"]


class MediaFiles(Reading):
    """The media methods of `Library`."""

    def media_target(self, job: Job, variant: str, output: int = 0) -> Path:
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

    def save_media(self, key: str, variant: str, source: Path | bytes, output: int = 0) -> Job:
        """Move a finished temp file (or bytes) into place atomically and record it
        (path and sha256 under its slot; the first video's sha256 also in `sha256`)."""
        job = self.get(key)
        dest = self.media_target(job, variant, output)
        if isinstance(source, bytes):
            digest = files.write_bytes_atomic(self.media_dir, dest, source)
        else:
            digest = files.commit_file(Path(source), dest)
        slot = media_slot(variant, output)
        with self._tx() as db:
            row = db.execute("SELECT media, hashes FROM jobs WHERE key = ?", (key,)).fetchone()
            if row is None:
                raise KeyError(key)
            media = json.loads(row["media"] or "{}")
            hashes = json.loads(row["hashes"] or "{}")
            media[slot] = dest.relative_to(self.root).as_posix()
            hashes[slot] = digest
            fields: dict[str, Any] = {"media": media, "hashes": hashes}
            if slot == "video":
                fields["sha256"] = digest
                fields["media_expired"] = False
            self._update(db, key, {k: encode(k, v) for k, v in fields.items()})
        return self.get(key)

    def _inside(self, rel: str) -> Path | None:
        """The file `rel` names if it lies inside `media/` (never the database or any
        other file of the root, even when `media/` is a link to another disk)."""
        if not isinstance(rel, str) or not rel.startswith(f"{self.media_dir.name}/"):
            return None
        path = (self.root / rel).resolve()
        return path if path.is_relative_to(self.media_dir.resolve()) else None

    def media_path(self, job: Job | str, variant: str = "video", output: int = 0) -> Path | None:
        """The absolute local file of a variant, if it was saved and still exists."""
        record = self.get(job) if isinstance(job, str) else job
        rel = record.media.get(media_slot(variant, output))
        path = self._inside(rel) if rel else None
        return path if path is not None and path.is_file() else None

    def _copy_reference(self, key: str, source: bytes | str | os.PathLike[str]) -> str:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        suffix = next((ext for magic, ext in _IMAGE_MAGIC if data.startswith(magic)), None)
        if suffix is None:
            suffix = "" if isinstance(source, bytes) else Path(source).suffix.lower()
        dest = self.media_dir / "refs" / f"{key}{suffix or '.bin'}"
        files.write_bytes_atomic(self.media_dir, dest, data)
        return dest.relative_to(self.root).as_posix()

    def _drop_reference(self, params: Mapping[str, Any]) -> None:
        ref = params.get("input_reference")
        path = self._inside(ref) if isinstance(ref, str) else None
        if path is not None:
            with contextlib.suppress(OSError):
                path.unlink()
