"""The static snapshot a saved notebook shows without a kernel: cards and the tree."""

from __future__ import annotations

import re

from sora_notebook.widgets.fallback import static_html

from .conftest import make_job


def test_the_tree_lists_every_job_nested_under_its_parent():
    root = make_job("a", "a red fox <b>", submitted_at=1.0)
    kid = make_job("b", "the fox at night", parent_key="a", edge_kind="remix", submitted_at=2.0)
    other = make_job("c", "a lighthouse", submitted_at=3.0)
    page = static_html([other, kid, root], backend_label="Emulator", thumbnail=lambda _j: None)
    tree = page[page.index("<summary>History tree</summary>") :]
    rows = re.findall(r"<li>(.*?)(?=<ul>|</li>)", tree)
    assert [r.split(" <small>")[0] for r in rows] == [
        "a red fox &lt;b&gt;",
        "remix → the fox at night",
        "a lighthouse",
    ]
    assert "<li>a red fox &lt;b&gt; <small>(completed)</small><ul><li>remix →" in tree
    assert "<b>" not in page
