"""Untrusted text stays data: the state carries it verbatim, the ESM never parses HTML."""

import re

import pytest

from sora_notebook.widgets.assets import ESM, MODULES, STATIC
from sora_notebook.widgets.compare import compare_state
from sora_notebook.widgets.tree import tree_state

from .conftest import XSS, make_job

BANNED = (
    "innerHTML",
    "outerHTML",
    "insertAdjacentHTML",
    "document.write",
    "DOMParser",
    "createContextualFragment",
    "eval(",
    "new Function",
    "setHTML",
)


@pytest.mark.parametrize("prompt", XSS)
def test_tree_and_compare_carry_markup_verbatim(prompt):
    jobs = [make_job("a", "calm sea"), make_job("b", prompt, parent_key="a", edge_kind="remix")]
    tree = tree_state(jobs)
    assert [prompt, "+"] in tree["edges"][0][3]
    assert [prompt, "+"] in compare_state(jobs)["prompts"][1]


def test_esm_modules_never_parse_html():
    files = sorted(STATIC.glob("*.js"))
    assert {p.stem for p in files} == set(MODULES)  # every file is assembled, none is stray
    for path in files:
        source = path.read_text()
        for banned in BANNED:
            assert banned not in source, (path.name, banned)
        assert len(source.splitlines()) <= 400, path.name


def test_main_exports_render_with_a_cleanup():
    main = (STATIC / "main.js").read_text()
    assert "export default { render }" in main
    assert re.search(r"return \(\) => \{", main)
    assert ESM.rstrip().endswith("export default { render };")  # the only export joined
