"""Deleting a video others were made from (UX review 2, finding 7): the confirm says how
many were made from it, and the tree keeps their place under a deleted node instead of
turning them into unrelated roots."""

from __future__ import annotations

from sora_notebook.widgets.tree import tree_state

from .conftest import make_job, until


def test_a_deleted_parent_stays_a_node_with_its_childrens_edges():
    jobs = [
        make_job("b", "a fox at night", parent_key="a", edge_kind="remix"),
        make_job("c", "a fox, extended", parent_key="a", edge_kind="extend"),
        make_job("d", "a calm sea"),
    ]
    tree = tree_state(jobs)
    assert tree["deleted"] == ["a"]
    assert {n[0] for n in tree["nodes"]} == {"a", "b", "c", "d"}
    assert {(e[0], e[1], e[2]) for e in tree["edges"]} == {
        ("a", "b", "remix"),
        ("a", "c", "extend"),
    }
    assert tree_state(jobs[2:])["deleted"] == []


async def test_the_view_counts_the_children_and_keeps_them_placed(page):
    p = page()
    parent = await p.generate("a red fox")
    assert (await p.ask("mode", {"mode": "remix", "key": parent}))["ok"]
    child = await p.generate("a red fox at night")
    await until(lambda: p.job(parent)["kids"] == 1)
    assert p.job(child)["kids"] == 0
    assert (await p.ask("delete", {"key": parent}))["ok"]
    await p.view.drain()
    await until(lambda: p.view.tree["deleted"] == [parent])
    assert [parent, child] == p.view.tree["edges"][0][:2]
