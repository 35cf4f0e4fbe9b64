"""Where JupyterLab serves a local file: a `files/...` URL relative to the server's base URL.

JupyterLab's `/files/` handler serves paths relative to the server root. The kernel knows
its working directory and, through `JPY_SESSION_NAME`, the notebook's path: relative to
the root (then the root is the cwd minus the notebook's folder) or absolute (then the root
comes from the running server's record, `list_running_servers`). When nothing fits, the
URL is empty and the view asks Python for the bytes instead.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

__all__ = ["files_url", "server_root"]

ServerList = Callable[[], Iterable[Mapping[str, Any]]]


@functools.lru_cache(maxsize=1)
def _running_servers() -> tuple[Mapping[str, Any], ...]:
    try:
        from jupyter_server.serverapp import list_running_servers
    except ImportError:  # pragma: no cover - jupyter_server is optional
        return ()
    try:
        return tuple(list_running_servers())
    except Exception:  # pragma: no cover - a broken runtime dir must not break the panel
        return ()


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def server_root(
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    servers: ServerList | None = None,
) -> Path | None:
    """The directory JupyterLab's `/files/` URLs are relative to, or None if unknown.

    `SORA_NOTEBOOK_SERVER_ROOT` overrides the guess.
    """
    env = os.environ if env is None else env
    cwd = (cwd or Path.cwd()).resolve()
    override = env.get("SORA_NOTEBOOK_SERVER_ROOT")
    if override:
        return Path(override).resolve()
    session = env.get("JPY_SESSION_NAME", "")
    anchor = cwd
    if session and not os.path.isabs(session):
        folder = PurePosixPath(session).parent.parts
        if not folder:
            return cwd
        if tuple(cwd.parts[-len(folder) :]) == folder:
            return Path(*cwd.parts[: -len(folder)])
    elif session:
        anchor = Path(session).resolve().parent
    roots = []
    for info in (servers or _running_servers)():
        root = info.get("root_dir") or info.get("notebook_dir")
        if root and _inside(anchor, Path(root).resolve()):
            roots.append(Path(root).resolve())
    if roots:
        return max(roots, key=lambda r: len(r.parts))
    return None


def files_url(path: str | os.PathLike[str] | None, root: Path | None) -> str:
    """`files/<path relative to root>` (URL-quoted), or "" when there is no such URL."""
    if path is None or root is None:
        return ""
    target = Path(path).resolve()
    if not _inside(target, root):
        return ""
    rel = target.relative_to(root).as_posix()
    return "files/" + quote(rel, safe="/")
