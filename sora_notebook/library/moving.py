"""Moving in: copy records, media, votes and charges from one library into another,
idempotently (`sora-notebook library push` / `pull`).

A job is known by its key (a UUID made when it was submitted), so copying again skips
what the destination already has; a vote is known by everything it says (who, when,
which two, which way). Jobs made before people were recorded are recorded under the
person copying them. Media travel as files and are checked against the record's sha256;
a file missing at the source is left missing (the studio downloads it again, or the
record says it expired).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sora_notebook.library import files
from sora_notebook.library._library import Library
from sora_notebook.library.records import media_slot

__all__ = ["Copied", "copy_jobs"]


@dataclass
class Copied:
    """What one copy did."""

    jobs: int = 0
    skipped: int = 0
    files: int = 0
    votes: int = 0
    charges: int = 0

    def __str__(self) -> str:
        return (
            f"{self.jobs} jobs copied ({self.skipped} already there), {self.files} files, "
            f"{self.votes} votes, {self.charges} charges"
        )


def copy_jobs(source: Library, dest: Library, **where: Any) -> Copied:
    """Copy the jobs of `source` that `source.jobs(**where)` lists (all by default) into
    `dest`, with their snapshots, media files, charges and the votes among them."""
    done = Copied()
    jobs = source.jobs(**where)
    for job in jobs:
        if dest.find_key(job.key) is not None:
            done.skipped += 1
            continue
        media: dict[str, str] = {}
        hashes: dict[str, str] = {}
        for slot, rel in job.media.items():
            path = source.media.path(job, *_variant_output(slot))
            if path is None:
                continue
            digest = files.sha256_file(path)
            if job.hashes.get(slot, digest) != digest:
                continue  # not the bytes the record names: leave it to be downloaded again
            dest.media.add_file(rel, path)
            media[slot], hashes[slot] = rel, digest
            done.files += 1
        params = dict(job.params)
        ref = params.get("input_reference")
        ref_path = source.media.inside(ref) if isinstance(ref, str) else None
        if isinstance(ref, str) and ref_path is not None and ref_path.is_file():
            dest.media.add_file(ref, ref_path)
            done.files += 1
        record = dataclasses.replace(
            job,
            media=media,
            hashes=hashes,
            sha256=hashes.get("video"),
            person=job.person or dest.person,
        )
        dest.restore(record, snapshots=source.snapshots(job.key))
        done.charges += dest.ledger.restore_charges(source.ledger.charges(job.key))
        done.jobs += 1
    keys = {job.key for job in jobs}
    done.votes = dest.judging.restore_votes(source.judging.votes(keys))
    return done


def _variant_output(slot: str) -> tuple[str, int]:
    variant, _, output = slot.partition(".")
    index = int(output) if output.isdigit() else 0
    media_slot(variant, index)
    return variant, index
