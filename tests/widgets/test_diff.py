from sora_notebook.widgets.diff import param_table, word_diff


def test_word_diff_marks_changed_words():
    tokens = word_diff("a red fox in snow", "a blue fox in the snow")
    assert tokens == [
        ["a", "="],
        ["red", "-"],
        ["blue", "+"],
        ["fox in", "="],
        ["the", "+"],
        ["snow", "="],
    ]


def test_word_diff_same_and_empty():
    assert word_diff("same  words", "same words") == [["same words", "="]]
    assert word_diff(None, "new") == [["new", "+"]]
    assert word_diff("old", "") == [["old", "-"]]


def test_word_diff_keeps_markup_as_data():
    tokens = word_diff("fox", "fox <img src=x onerror=alert(1)>")
    assert tokens[-1] == ["<img src=x onerror=alert(1)>", "+"]


def test_param_table_flags_differences():
    table = param_table(
        ["A", "B"], [("model", ["sora-2", "sora-2"]), ("seconds", ["4", 8]), ("cost", [None, 0.5])]
    )
    assert table["columns"] == ["A", "B"]
    rows = {r["name"]: r for r in table["rows"]}
    assert not rows["model"]["differs"]
    assert rows["seconds"]["differs"] and rows["seconds"]["values"] == ["4", "8"]
    assert rows["cost"]["values"] == ["—", "0.5"]
