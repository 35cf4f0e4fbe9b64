"""Variants judged through the studio: metrics kept in the library, preferences, ranking."""

from __future__ import annotations

import asyncio

import pytest

from sora_notebook.errors import SoraNotebookError, ValidationError
from sora_notebook.judge import METRICS


@pytest.fixture
def fast(emulator):
    return emulator(speed=200)


async def test_metrics_are_computed_off_the_loop_and_kept_in_the_library(
    fast, make_studio, tmp_path
):
    studio = make_studio(fast)
    job = await studio.generate("a red fox in a forest at dawn", seconds=4, size="1280x720")
    assert studio.cached_metrics(job) is None
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    task = asyncio.create_task(ticker())
    metrics = await studio.metrics(job)
    task.cancel()
    assert ticks > 3  # the loop ran while the clip decoded
    assert set(metrics) == set(METRICS) - {"similarity_to_parent"}
    assert len(metrics.curves["brightness"]) == 96
    assert dict(studio.cached_metrics(job)) == dict(metrics)
    await studio.aclose()
    again = make_studio(fast, root=tmp_path / "studio")  # a new studio, same library
    assert dict(again.cached_metrics(job.key)) == dict(metrics)


async def test_a_remix_measures_its_similarity_to_the_parent(fast, make_studio):
    studio = make_studio(fast)
    parent = await studio.generate("a red fox in a forest at dawn", seconds=4, size="1280x720")
    remix = await studio.wait(await studio.remix(parent, "a red fox in a forest at night"))
    other = await studio.generate("a city street with cars", seconds=4, size="1280x720")
    m = await studio.metrics(remix)
    assert 0 < m["similarity_to_parent"] <= 1 and len(m.curves["similarity_to_parent"]) == 96
    assert m["brightness"] < (await studio.metrics(parent))["brightness"]
    strip = await studio.difference(parent, other)
    assert len(strip) == 96 and all(0 <= v <= 1 for v in strip)
    assert sum(strip) > sum(await studio.difference(parent, parent)) + 10


async def test_scorers_add_their_numbers_to_the_cached_ones(fast, make_studio):
    studio = make_studio(fast)
    job = await studio.generate("a boat on the ocean", seconds=4, size="1280x720")

    def blue(clip):
        return float(clip.frames[..., 2].mean() / 255)

    m = await studio.metrics(job, scorers=[blue])
    assert 0 < m["blue"] <= 1 and "brightness" in m
    assert studio.cached_metrics(job)["blue"] == m["blue"]


async def test_metrics_of_a_job_without_media_say_what_to_do(fast, make_studio):
    studio = make_studio(fast)
    job = await studio.submit("a lantern", seconds=4, size="1280x720")
    with pytest.raises(SoraNotebookError, match="wait for it"):
        await studio.metrics(job)


async def test_preferences_rank_variants_and_propose_the_next_duel(fast, make_studio, tmp_path):
    studio = make_studio(fast)
    a, b, c, d = await asyncio.gather(
        *(studio.generate(f"a kite, take {i}", seconds=4, size="1280x720") for i in range(4))
    )
    for _ in range(3):
        studio.prefer(a, b)
        studio.prefer(b.key, c.key)
    ranks = studio.ranking()
    assert [r.job.key for r in ranks] == [a.key, b.key, c.key]  # d was never compared
    assert ranks[0].wins == 3 and ranks[1].losses == 3 and ranks[0].sigma > 0
    pair = studio.next_pair()
    assert pair is not None and d.key in {j.key for j in pair}  # the least known one
    assert [r.job.key for r in studio.ranking([c, d])] in ([c.key, d.key], [d.key, c.key])
    studio.prefer(c, d, tie=True)
    assert studio.ranking([c, d])[0].ties == 1
    with pytest.raises(ValidationError):
        studio.prefer(a, a)
    await studio.aclose()
    again = make_studio(fast, root=tmp_path / "studio")
    order = [r.job.key for r in again.ranking()]
    assert order == [a.key, b.key, d.key, c.key]  # d tied with c, who lost three times
    await again.delete(b, remote=False)  # a deleted variant leaves the ranking
    assert b.key not in {r.job.key for r in again.ranking()}
    assert all(b.key not in (p.winner, p.loser) for p in again.preferences())


async def test_an_exported_gallery_carries_ratings_metrics_and_the_ranking(
    fast, make_studio, tmp_path
):
    studio = make_studio(fast)
    a = await studio.generate("<b>bold</b> fox & hound", seconds=4, size="1280x720")
    b = await studio.generate("a quiet pond", seconds=4, size="1280x720")
    c = await studio.generate("a third, never compared", seconds=4, size="1280x720")
    studio.annotate(a, rating=4)
    await studio.metrics(a)

    def named(clip):
        return {"<script>x</script>": 1.0}

    await studio.metrics(b, scorers=[named])
    studio.prefer(a, b)
    page = studio.export(tmp_path / "g.html", embed=False).read_text()
    assert "<script" not in page.lower() and "&lt;script&gt;x&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt; fox &amp; hound" in page
    assert "★★★★☆" in page and "<th>brightness</th>" in page and "<th>loudness</th>" in page
    board = page[page.index("<h2>Ranking</h2>") : page.index("</table>")]
    assert board.index("fox") < board.index("quiet pond") and "never compared" not in board
    assert "rank #1" in page and "1-0-0 (W-L-T)" in page
    assert c.key not in board
