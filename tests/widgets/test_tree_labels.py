"""A tree node's label says how it differs from its parent (UX review 2: siblings cut at
24 characters looked alike): the words it adds or removes, else the settings changed."""

from __future__ import annotations

from sora_notebook.widgets.tree import node_label, tree_state

from .conftest import make_job


def test_a_child_is_labelled_by_what_its_prompt_changes():
    root = make_job("a", "a red fox trotting through fresh snow at dawn")
    night = make_job("b", "a red fox trotting through fresh snow at night", parent_key="a")
    shorter = make_job("c", "a red fox trotting at dawn", parent_key="a")
    longer = make_job("d", "a red fox trotting through snow at dawn, aerial shot", parent_key="a")
    labels = tree_state([root, night, shorter, longer])["labels"]
    assert labels["a"] == root.prompt  # a root: its prompt
    assert labels["b"] == "+ night"
    assert labels["c"] == "- through fresh snow"
    assert labels["d"] == "+ dawn, aerial shot"  # "snow at dawn" -> "snow at dawn, aerial shot"


def test_a_child_with_its_parents_prompt_is_labelled_by_its_settings():
    root = make_job("a", "a calm sea", seconds="4", size="1280x720")
    longer = make_job("b", "a calm sea", parent_key="a", seconds="8", edge_kind="extend")
    same = make_job("c", "a calm sea", parent_key="a", edge_kind="remix")
    assert node_label(longer, root) == "seconds 4 s -> 8 s"
    assert node_label(same, root) == "remix, same prompt"
    assert node_label(root, None) == "a calm sea"
