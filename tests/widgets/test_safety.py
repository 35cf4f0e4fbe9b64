"""Untrusted text stays data: traits carry it verbatim, the ESM never parses HTML."""

import re
from pathlib import Path

import pytest

import sora_notebook.widgets as widgets_pkg
from sora_notebook.widgets import CompareView, TreeView

from .conftest import XSS, make_job

STATIC = Path(widgets_pkg.__file__).parent / "static"


@pytest.mark.parametrize("prompt", XSS)
def test_tree_and_compare_carry_markup_verbatim(prompt):
    jobs = [make_job("a", "calm sea"), make_job("b", prompt, parent_key="a", edge_kind="remix")]
    tree = TreeView(jobs)
    node = next(n for n in tree.nodes if n["id"] == "b")
    assert node["title"] == prompt
    assert [prompt, "+"] in tree.edges[0]["diff"]
    view = CompareView(jobs, root=None)
    assert [prompt, "+"] in view.prompts[1]


def test_esm_files_never_parse_html():
    sources = {p.name: p.read_text() for p in STATIC.glob("*.js")}
    assert {"tree.js", "compare.js", "player.js"} <= set(sources)
    for name, source in sources.items():
        for banned in (
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "DOMParser",
            "createContextualFragment",
            "eval(",
            "new Function",
        ):
            assert banned not in source, (name, banned)
        if name == "common.js":  # helpers put in front of a view's ESM, not a view
            continue
        # every custom view exports render and returns a cleanup function
        assert "export default { render }" in source, name
        assert re.search(r"return \(\) => \{", source), name
