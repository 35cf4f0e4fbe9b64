"""A job as a person names it: the record itself, its local key, or its server id."""

from __future__ import annotations

from sora_notebook.errors import ValidationError
from sora_notebook.library import Job, Library

__all__ = ["JobRef", "resolve"]

JobRef = Job | str


def resolve(library: Library, job: JobRef) -> Job:
    """The job's current record in `library`; a clear error when it has none."""
    if isinstance(job, Job):
        return library.get(job.key)
    found = library.find_key(job) or library.find(job)
    if found is None:
        raise ValidationError(f"No job {job!r} in this studio's library.")
    return found
