"""Reading an archive as untrusted input: names, sizes, hashes, records; all or nothing.

Member names must lie inside `media/` (or be `studio.json`), once each; declared sizes
and compression ratios are checked before a byte is read, and every member is streamed
into the library's temp folder with a cap, so a zip bomb costs neither memory nor disk.
Files are placed with a hard link that never replaces an existing file (a clash gets a
fresh name), the records go in one transaction, and any failure removes what was placed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import shutil
import sqlite3
import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from sora_notebook.errors import ValidationError
from sora_notebook.export.boards import check_boards, place_board_files
from sora_notebook.export.untrusted import check_record, refused, safe_media_path
from sora_notebook.library import Job, Library, files
from sora_notebook.library.boards import BoardRecords

__all__ = ["FORMAT", "ImportLimits", "Importer"]

FORMAT = "sora-notebook/1"
MB = 1 << 20
_CHUNK = 1 * MB


@dataclass(frozen=True)
class ImportLimits:
    """Bounds on one archive: `studio.json` bytes, bytes per media member and in all,
    members, and how far a member may expand over its compressed size (checked once it
    is past 1 MB; video barely compresses, so a larger ratio is a bomb)."""

    json_bytes: int = 64 * MB
    member_bytes: int = 2048 * MB
    total_bytes: int = 16384 * MB
    members: int = 100_000
    ratio: float = 100.0


class Importer:
    """One import of one archive into one library."""

    def __init__(self, library: Library, limits: ImportLimits) -> None:
        self.library = library
        self.limits = limits
        self.placed: list[Path] = []
        self.where: dict[str, tuple[str, str]] = {}  # archive name -> (library name, sha256)

    def run(self, src: Path) -> int:
        self._count_entries(src)
        try:
            zf = zipfile.ZipFile(src)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ValidationError(f"{src} is not a readable zip archive ({exc}).") from None
        with zf:
            members = self._members(zf)
            payload = self._payload(zf, members)
            jobs, snapshots = self._records(payload)
            boards = self._boards(payload, members)
            try:
                stored = self._place(zf, members, jobs)
                placed = place_board_files(
                    boards, lambda name: self._placed(zf, members[name]), self.library.root
                )
                restored = self._restore(stored, snapshots, placed)
            except BaseException:
                self._unplace()
                raise
        return restored

    # --- names and sizes, before anything is read ---------------------------------------

    def _count_entries(self, src: Path) -> None:
        """Refuse an archive whose directory lists more than `limits.members` entries
        before `zipfile` parses it (each parsed entry costs memory)."""
        # the end record, read as ZipFile reads it (zipfile's own helper and index)
        read_end = getattr(zipfile, "_EndRecData", None)
        at = getattr(zipfile, "_ECD_ENTRIES_TOTAL", None)
        if read_end is None or at is None:
            return
        try:
            with open(src, "rb") as fh:
                end = read_end(fh)
        except OSError:
            return  # unreadable here: `ZipFile` says why
        total = int(end[at]) if end else 0
        if total > self.limits.members:
            raise ValidationError(
                f"the archive lists {total} entries; at most {self.limits.members}."
            )

    def _members(self, zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
        infos = zf.infolist()
        lim = self.limits
        if len(infos) > lim.members:
            raise ValidationError(f"the archive holds {len(infos)} members; at most {lim.members}.")
        members: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            name = info.filename
            if info.is_dir():
                if name.rstrip("/") != "media" and not safe_media_path(name.rstrip("/")):
                    raise ValidationError(
                        f"the archive folder {name!r:.200} lies outside `media/`; refusing it."
                    )
                continue
            if name in members:
                raise ValidationError(f"the archive names {name!r} twice; refusing it.")
            if name != "studio.json" and not safe_media_path(name):
                raise ValidationError(
                    f"the archive member {name!r:.200} lies outside `media/` (absolute, "
                    "`..` or a backslash); refusing the archive."
                )
            if stat.S_ISLNK(info.external_attr >> 16):
                raise ValidationError(f"the archive member {name!r:.200} is a link; refusing it.")
            cap = lim.json_bytes if name == "studio.json" else lim.member_bytes
            if info.file_size > cap:
                raise ValidationError(
                    f"the archive member {name!r:.200} holds {info.file_size} bytes; "
                    f"at most {cap} are read."
                )
            if info.file_size > MB and info.file_size > lim.ratio * max(1, info.compress_size):
                raise ValidationError(
                    f"the archive member {name!r:.200} expands {info.file_size} bytes from "
                    f"{info.compress_size} (more than {lim.ratio:g} to 1): a zip bomb."
                )
            total += info.file_size
            members[name] = info
        if total > lim.total_bytes:
            raise ValidationError(
                f"the archive expands to {total} bytes; at most {lim.total_bytes}."
            )
        if "studio.json" not in members:
            raise ValidationError("not a sora-notebook archive: it has no studio.json.")
        return members

    def _read(
        self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, sink: Callable[[bytes], object]
    ) -> str:
        """Stream one member into `sink`, at most `cap` bytes whatever its header says;
        return its sha256. A damaged member (bad CRC, broken deflate) is a clear error."""
        digest = hashlib.sha256()
        count = 0
        try:
            with zf.open(info) as fh:
                while chunk := fh.read(_CHUNK):
                    count += len(chunk)
                    if count > cap:
                        raise ValidationError(
                            f"the archive member {info.filename!r:.200} is larger than it "
                            f"says (past {cap} bytes); refusing it."
                        )
                    digest.update(chunk)
                    sink(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            raise ValidationError(
                f"the archive member {info.filename!r:.200} is damaged or cannot be read "
                f"({exc}); nothing was imported."
            ) from None
        return digest.hexdigest()

    def _payload(self, zf: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo]) -> dict[str, Any]:
        chunks: list[bytes] = []
        try:
            self._read(zf, members["studio.json"], self.limits.json_bytes, chunks.append)
            payload = json.loads(b"".join(chunks))
        except (ValueError, RecursionError) as exc:
            if isinstance(exc, ValidationError):
                raise
            raise ValidationError(f"studio.json is not valid JSON ({str(exc)[:200]}).") from None
        if not isinstance(payload, dict):
            raise ValidationError(
                "studio.json must hold an object; this is not an archive of ours."
            )
        if payload.get("format") != FORMAT:
            raise ValidationError(
                f"not a sora-notebook archive (format {str(payload.get('format'))[:80]!r})."
            )
        return payload

    # --- records ----------------------------------------------------------------------

    def _records(self, payload: dict[str, Any]) -> tuple[list[Job], dict[str, list[Any]]]:
        records = payload.get("jobs", [])
        snaps = payload.get("snapshots") or {}
        if not isinstance(records, list) or not isinstance(snaps, dict):
            raise ValidationError("studio.json: `jobs` must be a list and `snapshots` an object.")
        jobs: list[Job] = []
        problems: list[str] = []
        seen: set[str] = set()
        for index, record in enumerate(records):
            try:
                job = check_record(record)
                if job.key in seen:
                    raise ValueError(f"key {job.key!r:.80} appears twice")
                seen.add(job.key)
                _check_snapshots(snaps.get(job.key))
                jobs.append(job)
            except ValueError as exc:
                key = record.get("key") if isinstance(record, dict) else None
                problems.append(f"record {index}{f' ({key!r:.40})' if key else ''}: {exc}")
        if problems:
            raise refused("records", problems)
        self.keys = {j.key for j in jobs}
        jobs = [j for j in jobs if self.library.find_key(j.key) is None]
        return jobs, {j.key: list(snaps.get(j.key) or []) for j in jobs}

    def _boards(
        self, payload: dict[str, Any], members: dict[str, zipfile.ZipInfo]
    ) -> list[dict[str, Any]]:
        """The archive's storyboards, checked; those this library has are skipped."""

        def known(key: str) -> bool:
            return key in self.keys or self.library.find_key(key) is not None

        boards = check_boards(payload.get("boards"), known, members)
        return [b for b in boards if self.library.boards.get(b["board"]["id"]) is None]

    # --- media ------------------------------------------------------------------------

    def _place(
        self, zf: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], jobs: list[Job]
    ) -> list[Job]:
        """Write every member a record names under a name of its own; return the records
        pointing at the placed files (names missing from the archive are dropped)."""
        where = self.where
        out: list[Job] = []
        for job in jobs:
            media: dict[str, str] = {}
            hashes = dict(job.hashes)
            for slot, rel in job.media.items():
                if not safe_media_path(rel):
                    raise ValidationError(
                        f"record {job.key!r:.40}: its {slot} {rel!r:.200} lies outside `media/`."
                    )
                if rel not in members:
                    hashes.pop(slot, None)
                    continue
                placed, digest = where.get(rel) or self._place_one(zf, members[rel], where)
                expected = job.hashes.get(slot) or (job.sha256 if slot == "video" else None)
                if expected and expected != digest:
                    raise ValidationError(
                        f"record {job.key!r:.40}: {rel!r:.200} has sha256 {digest[:12]}…, "
                        f"the record says {expected[:12]}…; the archive is damaged."
                    )
                media[slot] = placed
                hashes[slot] = digest
            params = dict(job.params)
            ref = params.get("input_reference")
            if isinstance(ref, str):  # a copy in media/ (a dict is a URL or file id)
                if not safe_media_path(ref):
                    raise ValidationError(
                        f"record {job.key!r:.40}: its input_reference {ref!r:.200} lies "
                        "outside `media/`."
                    )
                if ref in members:
                    params["input_reference"] = (
                        where.get(ref) or self._place_one(zf, members[ref], where)
                    )[0]
                else:
                    params.pop("input_reference")
            sha = hashes.get("video") if "video" in media else None
            out.append(replace(job, media=media, hashes=hashes, params=params, sha256=sha))
        return out

    def _placed(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[str, str]:
        """(library name, sha256) of a member, placed once however often it is named."""
        return self.where.get(info.filename) or self._place_one(zf, info, self.where)

    def _place_one(
        self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, where: dict[str, tuple[str, str]]
    ) -> tuple[str, str]:
        lib = self.library
        tmp = lib.temp_path(PurePosixPath(info.filename).suffix)
        try:
            with open(tmp, "wb") as fh:
                digest = self._read(zf, info, self.limits.member_bytes, fh.write)
                fh.flush()
                os.fsync(fh.fileno())
            dest = self._link_fresh(tmp, lib.root / info.filename)
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        rel = dest.relative_to(lib.root).as_posix()
        if lib.media.objects is not None:  # a team library keeps media in its object store
            lib.media.objects.put(rel, dest)
        where[info.filename] = (rel, digest)
        return rel, digest

    def _link_fresh(self, tmp: Path, dest: Path) -> Path:
        """Hard-link `tmp` at `dest`, or at `<stem>.imported-N<suffix>` when taken: an
        existing file is never replaced."""
        media = self.library.media_dir.resolve()
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not dest.parent.resolve().is_relative_to(media):
            raise ValidationError(f"{dest} would lie outside the media folder.")
        suffix = "".join(dest.suffixes[-1:])
        stem = dest.name[: len(dest.name) - len(suffix)]
        for n in range(10_000):
            target = dest if n == 0 else dest.with_name(f"{stem}.imported-{n}{suffix}")
            try:
                _place_new(tmp, target)
            except FileExistsError:
                continue
            self.placed.append(target)
            files.fsync_dir(target.parent)
            return target
        raise ValidationError(f"no free name for {dest.name} in the media folder.")

    def _unplace(self) -> None:
        for path in self.placed:
            with contextlib.suppress(OSError):
                path.unlink()

    def _restore(
        self, jobs: list[Job], snapshots: dict[str, list[Any]], boards: list[dict[str, Any]]
    ) -> int:
        try:
            self.library.restore_many(
                ((job, snapshots[job.key]) for job in jobs),
                also=lambda db: BoardRecords.restore(db, boards),
            )
        except sqlite3.IntegrityError as exc:
            raise ValidationError(
                f"the archive was not imported: a record clashes with a job already in the "
                f"library (the same server id on the same backend; {exc})."
            ) from None
        return len(jobs)


def _place_new(tmp: Path, target: Path) -> None:
    """Put `tmp`'s bytes at `target`, which must not exist (`FileExistsError`): a hard
    link where the file system has them, else an exclusive create and a copy."""
    try:
        os.link(tmp, target)
        return
    except FileExistsError:
        raise
    except OSError:
        pass  # no hard links here (some network or FUSE file systems)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as out, open(tmp, "rb") as src:
            shutil.copyfileobj(src, out, _CHUNK)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            target.unlink()
        raise


def _check_snapshots(snaps: Any) -> None:
    if snaps is None:
        return
    if not isinstance(snaps, list):
        raise ValueError("its snapshots must be a list")
    for snap in snaps:
        if not isinstance(snap, dict) or not isinstance(snap.get("status"), str):
            raise ValueError("a snapshot must be an object with a text `status`")
        if "body" not in snap:
            raise ValueError("a snapshot must have a `body`")
        at = snap.get("at")
        if isinstance(at, bool) or not isinstance(at, int | float) or not math.isfinite(at):
            raise ValueError("a snapshot's `at` must be a finite number")
