"""The view talks to a studio only through `StudioPort`, and answers through one router."""

from __future__ import annotations

import ast
from pathlib import Path

import sora_notebook.widgets as widgets
from sora_notebook.widgets.port import StudioPort

WIDGETS = Path(widgets.__file__).parent


def _private_reaches(tree: ast.AST) -> list[str]:
    """`studio._x`, `self.studio._x` or `getattr(studio, "_x")` anywhere in a module."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            base = node.value
            name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
            if "studio" in str(name).lower() and not node.attr.startswith("__"):
                found.append(f"{name}.{node.attr}")
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "getattr":
            args = node.args
            if (
                len(args) >= 2
                and isinstance(args[1], ast.Constant)
                and "studio" in ast.unparse(args[0])
            ) and (str(args[1].value).startswith("_") or args[1].value == "tracker"):
                found.append(f"getattr(..., {args[1].value!r})")
    return found


def test_the_view_reaches_nothing_private_of_a_studio():
    offenders = {
        path.name: reach
        for path in WIDGETS.glob("*.py")
        if (reach := _private_reaches(ast.parse(path.read_text("utf-8"))))
    }
    assert offenders == {}


def test_the_port_names_only_what_the_studio_has(make_studio):
    studio = make_studio()
    names = {n for n in dir(StudioPort) if not n.startswith("_")}
    names |= set(StudioPort.__annotations__)
    assert names and all(hasattr(studio, n) for n in names), names - set(dir(studio))
    assert studio.now() == make_studio.time.clock()


async def test_each_request_method_has_one_handler_in_one_router(page):
    p = page()
    assert {"generate", "form", "play", "duel", "prefer", "media"} <= p.view.router.methods
    reply = await p.ask("no_such_thing")
    assert reply["ok"] is False and "does not answer" in reply["error"]
    before = p.view.router.replies
    await p.ask("prefs", {"show_rejected": True})
    assert p.view.router.replies == before + 1
