"""`sora-notebook` command line: `emulator` (serve the offline emulator) and `library
push` / `library pull` (move records, media and votes into a team library and back)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["main"]


def _emulator(args: argparse.Namespace) -> int:
    import uvicorn

    from sora_notebook.emulator import FaultPlan, create_app

    try:
        faults = FaultPlan.parse(args.faults) if args.faults else None
    except ValueError as exc:
        print(f"sora-notebook emulator: --faults: {exc}", file=sys.stderr)
        return 2
    app = create_app(
        speed=args.speed,
        faults=faults,
        api_key=args.api_key,
        data_dir=args.data_dir,
        render=args.render,
        max_running=args.max_running,
    )
    root = "/v1"
    if args.dialect:
        from sora_notebook.emulator.fronts import DIALECT_FRONTS, dialect_front

        app, root = dialect_front(app, args.dialect), DIALECT_FRONTS[args.dialect][1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    spoken = f"{args.dialect} dialect, " if args.dialect else ""
    print(
        f"sora-notebook emulator: http://{host}:{args.port}{root} (base URL; {spoken}speed "
        f"{args.speed:g}, {args.render} render, data in {app.state.emulator.root}). "
        "Ctrl+C stops it.",
        flush=True,
    )
    uvicorn.run(_quiet_drops(app), host=args.host, port=args.port, log_level=args.log_level)
    return 0


def _quiet_drops(app: Any) -> Any:
    """Let an emulated dropped connection end the response without a logged traceback:
    the response has started, so uvicorn closes the socket, as the fault intends."""
    from sora_notebook.emulator import ConnectionDropped

    async def serve(scope: Any, receive: Any, send: Any) -> None:
        with contextlib.suppress(ConnectionDropped):
            await app(scope, receive, send)

    return serve


def _library(args: argparse.Namespace) -> int:
    """Copy between a folder library and a team library (idempotent)."""
    from sora_notebook.errors import SoraNotebookError
    from sora_notebook.library import Library
    from sora_notebook.library.moving import copy_jobs

    team_url = args.team or os.environ.get("SORA_NOTEBOOK_LIBRARY")
    if not team_url:
        print(
            f"sora-notebook library {args.action}: name the team library with --team URL "
            "or SORA_NOTEBOOK_LIBRARY (a postgresql:// URL, or another folder).",
            file=sys.stderr,
        )
        return 2
    where: dict[str, Any] = {}
    if args.action == "pull":
        for name in ("person", "tag", "search", "status"):
            if getattr(args, name) is not None:
                where[name] = getattr(args, name)
        if args.limit is not None:
            where.update(limit=args.limit, newest_first=True)
    team_kw: dict[str, Any] = {"media": args.media, "cache": args.cache}
    try:
        with (
            Library(Path(args.folder).resolve()) as local,  # a folder, never the env var
            Library(team_url, **{k: v for k, v in team_kw.items() if v is not None}) as team,
        ):
            source, dest = (local, team) if args.action == "push" else (team, local)
            done = copy_jobs(source, dest, **where)
    except (SoraNotebookError, ValueError, OSError) as exc:
        print(f"sora-notebook library {args.action}: {exc}", file=sys.stderr)
        return 1
    print(f"sora-notebook library {args.action}: {done}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sora-notebook", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    emu = sub.add_parser("emulator", help="serve the offline Video API emulator (uvicorn)")
    emu.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    emu.add_argument("--port", type=int, default=8000)
    emu.add_argument("--speed", type=float, default=1.0, help="job pace multiplier")
    emu.add_argument("--api-key", default=None, help="require this key (default: any key)")
    emu.add_argument("--data-dir", default=None, help="keep jobs and media here across restarts")
    emu.add_argument(
        "--faults", default=None, help='seeded faults, e.g. "rate=0.2,kinds=429+500,seed=1"'
    )
    emu.add_argument("--render", choices=("full", "draft"), default="full")
    emu.add_argument("--max-running", type=int, default=None, help="429 above this many jobs")
    emu.add_argument("--log-level", default="warning")
    emu.add_argument(
        "--dialect",
        choices=("vllm-omni", "sglang", "openrouter", "together"),
        default=None,
        help="answer in that server's shape (try a notebook offline against it)",
    )
    emu.set_defaults(run=_emulator)
    lib = sub.add_parser("library", help="move a library into a team library and back")
    moves = lib.add_subparsers(dest="action", required=True)
    for action, text in (
        ("push", "copy a folder library (records, media, votes) into the team library"),
        ("pull", "copy jobs of the team library (all, or those chosen) into a folder"),
    ):
        move = moves.add_parser(action, help=text, description=text)
        move.add_argument("folder", help="the folder library (e.g. sora_studio)")
        move.add_argument(
            "--team",
            default=None,
            help="the team library: postgresql://... (default: $SORA_NOTEBOOK_LIBRARY)",
        )
        move.add_argument(
            "--media", default=None, help="the team's media: a folder or s3://bucket/prefix"
        )
        move.add_argument("--cache", default=None, help="working copy of s3:// media")
        if action == "pull":
            move.add_argument("--person", default=None, help="only jobs this person made")
            move.add_argument("--tag", default=None, help="only jobs with this tag")
            move.add_argument("--search", default=None, help="only prompts containing this")
            move.add_argument("--status", default=None, help="only jobs in this status")
            move.add_argument("--limit", type=int, default=None, help="the newest N only")
        move.set_defaults(run=_library)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `sora-notebook` script."""
    args = _parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
