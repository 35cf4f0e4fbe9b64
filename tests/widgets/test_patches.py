"""Jobs reach the page as patches of what changed; the page's `patchJobs` rebuilds the list."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from sora_notebook.widgets.assets import STATIC
from tests.widgets.conftest import Page, until


def _patches(p: Page) -> list[dict]:
    return [c for c, _ in p.sent.messages if c.get("kind") == "jobs"]


async def test_a_flush_sends_only_the_jobs_that_changed(page):
    p: Page = page()
    first = await p.generate("a red fox")
    second = await p.generate("a blue heron")
    p.sent.messages.clear()
    p.view.flush()
    assert _patches(p) == []  # nothing changed: nothing sent
    p.view.studio.annotate(first, rating=4)
    p.view.flush()
    (patch,) = _patches(p)
    assert patch["changed"] == [] and "order" not in patch
    assert patch["fields"] == [{"key": first, "rating": 4}] and second not in json.dumps(patch)
    assert p.job(first)["rating"] == 4  # the trait (saved state, reconnect) is whole


async def test_the_page_asks_once_for_the_whole_list_stamped_with_the_patch_number(page):
    p: Page = page()
    key = await p.generate("a lantern")
    reply = await p.ask("jobs")
    assert reply["ok"] and [j["key"] for j in reply["result"]["jobs"]] == [key]
    assert reply["result"]["seq"] == p.view.patches.seq > 0


async def test_a_removed_job_is_named_in_the_patch(page):
    p: Page = page()
    key = await p.generate("a kite")
    p.sent.messages.clear()
    assert (await p.ask("delete", {"key": key, "remote": False}))["ok"]
    await p.view.drain()
    await until(lambda: any(key in c.get("removed", []) for c in _patches(p)))


NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_patch_jobs_in_the_page_rebuilds_what_python_holds():
    """The JS `patchJobs` applied to a sequence of patches gives Python's list."""
    from sora_notebook.widgets.patches import JobPatches

    class View:
        def __init__(self) -> None:
            self.jobs: list = []
            self.sent: list = []

        def send(self, content, buffers=None):
            self.sent.append(content)

        def handle(self, handlers):
            pass

    view = View()
    patches = JobPatches(view)
    steps = [
        [{"key": "a", "v": 1}, {"key": "b", "v": 1}],
        [{"key": "a", "v": 2}, {"key": "b", "v": 1}, {"key": "c", "v": 1}],
        [{"key": "b", "v": 1}, {"key": "c", "v": 3}],
        [{"key": "c", "v": 3}, {"key": "b", "v": 4}, {"key": "d", "v": 0}],
        [{"key": "c", "v": 3, "w": 1}, {"key": "b", "v": 5}, {"key": "d", "v": 0}],
    ]
    patches.update(steps[0])
    for step in steps[1:]:
        patches.update(step)
    script = (
        f'import {{ patchJobs }} from "{(STATIC / "jobs.js").as_uri()}";'
        + f"let jobs = {json.dumps(steps[0])};"
        + f"for (const p of {json.dumps(view.sent)}) jobs = patchJobs(jobs, p);"
        + "console.log(JSON.stringify(jobs));"
    )
    out = subprocess.run(
        [NODE, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=30
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == steps[-1] == view.jobs


def test_progress_on_its_predicted_course_is_not_sent_again():
    from sora_notebook.widgets.patches import same_course

    old = [0.2, 80.0, 1000.0, "predicted"]
    assert same_course(old, [0.2 + 10 * 0.8 / 80, 70.0, 1010.0, "predicted"])
    assert not same_course(old, [0.5, 40.0, 1010.0, "predicted"])  # the server said more
    assert not same_course(old, [0.2 + 10 * 0.8 / 80, 70.0, 1010.0, "server"])
    assert same_course([1.0, 0.0, 5.0, "server"], [1.0, 0.0, 5.0, "server"])
    assert not same_course(None, old)
