"""Who is working: every job, vote and note is recorded under a person.

The person is JupyterHub's user (`JUPYTERHUB_USER`) where a hub started the kernel, else
the OS user; `SORA_NOTEBOOK_PERSON` or `Library(person=...)` override both. A person
removes only the jobs they made (and records of videos a server listed, which the
studio folds into the job that made them) unless they are an admin (`Library(admin=True)`, or
named in the library's `admins` setting). That rule keeps a team from deleting each
other's work by mistake; it is not a security boundary (whoever holds the database's
URL can write to it).
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping

from sora_notebook.errors import SoraNotebookError, ValidationError

__all__ = ["ADMINS", "PERSON_ENV", "NotYours", "check_person", "current_person"]

PERSON_ENV = "SORA_NOTEBOOK_PERSON"
#: The library setting listing the people who may remove anyone's jobs.
ADMINS = "admins"
MAX_PERSON = 200


class NotYours(SoraNotebookError, PermissionError):
    """Removing a job another person made, without being an admin."""

    def __init__(self, key: str, person: str, owner: str) -> None:
        self.key, self.person, self.owner = key, person, owner
        super().__init__(
            f"Job {key[:8]} was made by {owner!r}; {person!r} may remove only their own "
            "jobs. Ask them, or an admin (Library(admin=True), or the library's 'admins' "
            "setting)."
        )


def check_person(name: str) -> str:
    """A person's name as stored: stripped, 1-200 characters, no control characters."""
    person = str(name).strip()
    if not person or len(person) > MAX_PERSON or any(ord(c) < 32 or c == "\x7f" for c in person):
        raise ValidationError(
            f"A person is named by 1-{MAX_PERSON} printable characters; got {name!r}.",
            param="person",
        )
    return person


def current_person(env: Mapping[str, str] | None = None) -> str:
    """`SORA_NOTEBOOK_PERSON`, else `JUPYTERHUB_USER`, else the OS user."""
    env = os.environ if env is None else env
    for name in (PERSON_ENV, "JUPYTERHUB_USER"):
        value = env.get(name, "").strip()
        if value:
            return check_person(value)
    try:
        return check_person(getpass.getuser())
    except (KeyError, OSError, ValidationError):  # no name for this uid (containers)
        return f"uid-{os.getuid()}" if hasattr(os, "getuid") else "someone"
