from sora_notebook.widgets import TreeView

from .conftest import make_job, replace


def _jobs():
    root = make_job("a", "a red fox in snow", submitted_at=1.0)
    child = make_job(
        "b",
        "a blue fox in snow",
        parent_key="a",
        edge_kind="remix",
        submitted_at=2.0,
        status="in_progress",
        progress=40,
    )
    ext = make_job(
        "c",
        "a blue fox in snow, then it runs",
        parent_key="b",
        edge_kind="extend",
        submitted_at=3.0,
        status="queued",
        progress=0,
    )
    return [root, child, ext]


def test_nodes_edges_and_state():
    tree = TreeView(_jobs())
    ids = [n["id"] for n in tree.nodes]
    assert ids == ["a", "b", "c"]
    xs = {n["id"]: n["x"] for n in tree.nodes}
    assert xs["a"] < xs["b"] < xs["c"]
    edges = {e["target"]: e for e in tree.edges}
    assert edges["b"]["kind"] == "remix" and edges["b"]["source"] == "a"
    assert ["red", "-"] in edges["b"]["diff"] and ["blue", "+"] in edges["b"]["diff"]
    assert edges["c"]["kind"] == "extend"
    assert tree.state == {"a": ["completed", 100], "b": ["in_progress", 40], "c": ["queued", 0]}
    assert tree.extent["width"] > 0


def test_progress_tick_changes_only_state():
    jobs = _jobs()
    tree = TreeView(jobs)
    changes = []
    tree.observe(lambda c: changes.append(c["name"]), names=["nodes", "edges", "state"])
    jobs[1] = replace(jobs[1], progress=75)
    tree.set_jobs(jobs)
    assert changes == ["state"]
    assert tree.state["b"] == ["in_progress", 75]


def test_new_child_relayouts():
    jobs = _jobs()
    tree = TreeView(jobs)
    tree.set_jobs(
        [
            *jobs,
            make_job("d", "a green fox", parent_key="a", edge_kind="reprompt", submitted_at=4.0),
        ]
    )
    assert {e["target"] for e in tree.edges} == {"b", "c", "d"}


def test_selection_is_validated_and_capped():
    jobs = [make_job(f"k{i}", submitted_at=float(i)) for i in range(6)]
    tree = TreeView(jobs)
    tree.selected = ["k0", "nope", "k1", "k1", "k2", "k3", "k4"]
    assert tree.selected == ["k1", "k2", "k3", "k4"]
    tree.set_jobs(jobs[2:])
    assert tree.selected == ["k2", "k3", "k4"]


def test_status_words_are_css_safe():
    tree = TreeView([make_job("a", status='x" onload="alert(1)')])
    assert tree.state["a"][0] == "xonloadalert"


def test_thumbnails_are_small_data_urls(media):
    tree = TreeView([make_job("a")], thumbnail=lambda job: media["thumbnail"])
    assert tree.thumbs["a"].startswith("data:image/webp;base64,")
    assert len(tree.thumbs["a"]) < 6000


def test_500_nodes():
    jobs = [
        make_job(
            f"n{i:03}",
            f"prompt {i}",
            parent_key=f"n{(i - 1) // 3:03}" if i else None,
            edge_kind="remix",
            submitted_at=float(i),
        )
        for i in range(500)
    ]
    tree = TreeView(jobs)
    assert len(tree.nodes) == 500 and len(tree.edges) == 499
    spots = {(n["x"], n["y"]) for n in tree.nodes}
    assert len(spots) == 500
