from pathlib import Path

from sora_notebook.widgets import CompareView

from .conftest import make_job, request


def test_compare_items_diff_and_table(media, tmp_path: Path, sent):
    a = make_job("a", "a red fox in snow", params={"seed": 1})
    b = make_job(
        "b",
        "a blue fox in snow",
        model="sora-2-pro",
        params={"seed": 2},
        parent_key="a",
        edge_kind="remix",
    )

    def paths(job, variant):
        return media[variant] if job.key == "a" else None

    view = CompareView([a, b], media=paths, root=tmp_path)
    view.send = sent
    assert [i["key"] for i in view.items] == ["a", "b"]
    assert view.items[0]["src"] == "files/clip.mp4" and view.items[0]["has_video"]
    assert not view.items[1]["has_video"]
    assert view.prompts[0] == [["a red fox in snow", "="]]
    assert ["red", "-"] in view.prompts[1] and ["blue", "+"] in view.prompts[1]
    rows = {r["name"]: r for r in view.table["rows"]}
    assert rows["model"]["differs"] and not rows["size"]["differs"]
    assert rows["seed"]["values"] == ["1", "2"]
    assert rows["from"]["values"] == ["new", "remix"]
    request(view, "media", {"key": "a"})
    assert sent.last[0]["ok"] and sent.last[1] == [media["video"].read_bytes()]
    request(view, "media", {"key": "b"})
    assert not sent.last[0]["ok"]


def test_compare_caps_at_four():
    view = CompareView([make_job(k) for k in "abcdef"], root=None)
    assert [i["letter"] for i in view.items] == list("ABCD")
