"""The studio against the real emulator, in-process: the whole flow, edges, money, IO."""

from __future__ import annotations

import asyncio
import hashlib
import io
import zipfile

import pytest
from PIL import Image

from sora_notebook.errors import BadRequestError, BudgetExceeded, ValidationError, VideoFailed
from sora_notebook.export import import_archive
from sora_notebook.library import Library

from .conftest import engine


def png(size=(720, 1280)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def fast(emulator):
    return emulator(speed=200)


async def test_generate_records_everything_and_saves_media(fast, make_studio):
    studio = make_studio(fast)
    events: list[tuple[str, str]] = []
    studio.subscribe(lambda batch: events.extend((e.kind, e.job.status) for e in batch))
    job = await studio.generate("a paper boat on a calm lake", seconds=4, size="1280x720")
    assert job.status == "completed" and job.progress == 100 and job.video_id
    assert set(job.media) == {"video", "thumbnail", "spritesheet"}
    video = studio.media_path(job)
    assert video.is_absolute() and video.parent == studio.library.media_dir
    assert job.sha256 == hashlib.sha256(video.read_bytes()).hexdigest()
    assert job.sha256 == engine(fast).media_sha256(job.video_id)
    for variant in ("thumbnail", "spritesheet"):
        assert studio.media_path(job, variant).read_bytes() == (
            engine(fast).media_path(engine(fast).get(job.video_id), variant).read_bytes()
        )
    assert job.params == {
        "prompt": "a paper boat on a calm lake",
        "seconds": "4",
        "size": "1280x720",
    }
    assert job.backend == "emulator" and job.backend_url == "http://emulator.local/v1"
    assert job.cost == pytest.approx(0.4) and studio.spent == pytest.approx(0.4)
    assert job.expires_at and job.created_at and job.completed_at
    statuses = [s["status"] for s in studio.library.snapshots(job.key)]
    assert statuses[-1] == "completed" and len(statuses) == len(set(statuses))
    studio._events.flush()
    kinds = [k for k, _ in events]
    assert kinds[0] == "added" and "completed" in kinds and kinds[-1] == "media_ready"
    assert engine(fast).created == 1


async def test_submit_returns_before_completion(emulator, make_studio):
    studio = make_studio(emulator(speed=20))
    job = await studio.submit("a slow sunrise", seconds=4)
    assert job.status in {"queued", "in_progress"} and not job.media
    assert studio.tracker.is_tracked(job.key)
    done = await studio.wait(job)
    assert done.status == "completed" and done.has_video


async def test_reference_image_is_sent_and_kept(fast, make_studio):
    studio = make_studio(fast)
    image = png()
    job = await studio.generate("the red frame comes alive", input_reference=image)
    copy = studio.library.root / job.params["input_reference"]
    assert copy.read_bytes() == image
    with pytest.raises(ValidationError):  # wrong size: refused before anything is recorded
        await studio.submit("x", input_reference=png((100, 100)))
    assert len(studio.jobs()) == 1


async def test_remix_edit_extend_make_a_tree(fast, make_studio):
    studio = make_studio(fast)
    root = await studio.generate("a lighthouse at dusk")
    remix = await studio.wait(await studio.remix(root, "a lighthouse at dawn"))
    edit = await studio.wait(await studio.edit(remix, "add seagulls"))
    ext = await studio.wait(await studio.extend(root, "the light turns on", seconds=4))
    other = await studio.generate("an unrelated cat")
    reprompt = await studio.generate("a lighthouse in fog", parent=root)
    assert (remix.edge_kind, edit.edge_kind, ext.edge_kind) == ("remix", "edit", "extend")
    assert reprompt.edge_kind == "reprompt" and reprompt.parent_key == root.key
    assert ext.seconds == "8"  # the server reports the stitched total
    assert ext.cost == pytest.approx(0.4)  # priced by the seconds it adds
    assert [j.key for j in studio.lineage(edit)] == [root.key, remix.key, edit.key]
    tree = studio.tree()
    assert {j.key for j in tree.roots} == {root.key, other.key}
    assert {(e.parent, e.child, e.kind) for e in tree.edges} == {
        (root.key, remix.key, "remix"),
        (remix.key, edit.key, "edit"),
        (root.key, ext.key, "extend"),
        (root.key, reprompt.key, "reprompt"),
    }
    sub = studio.tree(remix)
    assert set(sub.nodes) == {remix.key, edit.key} and sub.depth(edit.key) == 1
    assert [d for d, _ in tree.walk()] == [0, 1, 2, 1, 1, 0]
    remote = engine(fast).get(remix.video_id)
    assert remote.remixed_from_video_id == root.video_id
    with pytest.raises(ValidationError):
        await studio.remix(await studio.submit("not finished yet"), "x")


async def test_variants_and_sweep(fast, make_studio):
    studio = make_studio(fast)
    variants = await studio.variants("a koi pond", 3, seconds=4)
    assert len(variants) == 3 and len({j.key for j in variants}) == 3
    sweep = await studio.sweep("a koi pond", seconds=[4, 8], size=["720x1280", "1280x720"])
    assert sorted((j.seconds, j.size) for j in sweep) == [
        ("4", "1280x720"),
        ("4", "720x1280"),
        ("8", "1280x720"),
        ("8", "720x1280"),
    ]
    for job in variants + sweep:
        await studio.wait(job)
    assert engine(fast).created == 7
    assert studio.spent == pytest.approx(3 * 0.4 + 2 * 0.4 + 2 * 0.8)


async def test_budget_refuses_and_sends_nothing(fast, make_studio):
    studio = make_studio(fast, budget=1.0)
    assert studio.estimate(seconds=8) == pytest.approx(0.8)
    assert studio.estimate("sora-2-pro", "1792x1024", 4, n=2) == pytest.approx(4.0)
    await studio.generate("a first clip", seconds=8)
    before = engine(fast).requests
    with pytest.raises(BudgetExceeded) as info:
        await studio.submit("one too many", seconds=4)
    assert info.value.spent == pytest.approx(0.8) and info.value.cost == pytest.approx(0.4)
    with pytest.raises(BudgetExceeded):
        await studio.variants("cheap", 1, seconds=4)
    with pytest.raises(BudgetExceeded):
        await studio.sweep("grid", seconds=[4, 4])
    assert engine(fast).requests == before and len(studio.jobs()) == 1
    studio.budget = 2.0
    await studio.submit("now it fits", seconds=4)


async def test_refused_create_is_recorded_and_raised(fast, make_studio):
    studio = make_studio(fast)
    with pytest.raises(BadRequestError):
        await studio.submit("a dog", model="no-such-model")
    (job,) = studio.jobs()
    assert job.status == "rejected" and "no-such-model" in job.error_message
    assert studio.spent == 0
    with pytest.raises(VideoFailed):
        await studio.wait(job)


async def test_moderated_job_fails_on_wait(fast, make_studio):
    studio = make_studio(fast)
    job = await studio.submit("elon musk dancing")
    with pytest.raises(VideoFailed, match="moderation"):
        await studio.wait(job)
    failed = studio.get(job.key)
    assert failed.status == "failed" and failed.error_code == "moderation_blocked"
    assert not failed.media


async def test_delete_local_and_remote(fast, make_studio):
    studio = make_studio(fast)
    keep = await studio.generate("keep me")
    gone = await studio.generate("delete me")
    removed: list[str] = []
    studio.subscribe(lambda b: removed.extend(e.job.key for e in b if e.kind == "removed"))
    path = studio.media_path(gone)
    await studio.delete(gone)
    studio._events.flush()
    assert removed == [gone.key] and not path.exists()
    assert engine(fast).get(gone.video_id) is None and engine(fast).get(keep.video_id)
    await studio.delete(keep, remote=False)
    assert engine(fast).get(keep.video_id) is not None and studio.jobs() == []


async def test_import_remote_adds_listed_jobs_once(fast, make_studio):
    from sora_notebook.client import AsyncSoraClient

    async with AsyncSoraClient(fast) as raw:
        parent = await raw.wait((await raw.create("made elsewhere")).id)
        child = await raw.wait((await raw.remix(parent.id, "remixed elsewhere")).id)
    studio = make_studio(fast)
    mine = await studio.generate("made here")
    report = await studio.import_remote()
    assert (report.imported, report.skipped, report.truncated) == (2, [], False)
    assert (await studio.import_remote()).imported == 0
    imported = studio.get(child.id)
    assert imported.parent_key == studio.get(parent.id).key and imported.edge_kind == "remix"
    done = await studio.wait(imported)
    assert done.sha256 == engine(fast).media_sha256(child.id)
    assert len(studio.jobs()) == 3 and studio.get(mine.key).endpoint == "create"


async def test_history_filters(fast, make_studio):
    studio = make_studio(fast)
    a = await studio.generate("a red kite")
    await studio.generate("a blue kite", seconds=8)
    studio.annotate(a, rating=5, tags=["fav"], notes="lovely")
    assert [j.key for j in studio.history(tag="fav", as_frame=False)] == [a.key]
    assert len(studio.history(search="kite", as_frame=False)) == 2
    assert [j.prompt for j in studio.history(min_rating=4, as_frame=False)] == ["a red kite"]
    with pytest.raises(ValidationError):
        studio.annotate(a, rating=11)


async def test_export_zip_round_trips(fast, make_studio, tmp_path):
    studio = make_studio(fast)
    root = await studio.generate("origin", input_reference=png())
    kid = await studio.wait(await studio.remix(root, "branch"))
    studio.annotate(kid, notes="keeper", tags=["x"])
    archive = studio.export(tmp_path / "out" / "studio.zip")
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
    assert "studio.json" in names and kid.media["video"] in names
    with Library(tmp_path / "other") as other:
        assert import_archive(other, archive) == 2
        assert import_archive(other, archive) == 0
        for job in (studio.get(root.key), studio.get(kid.key)):
            copy = other.get(job.key)
            assert copy == job
            assert other.media_path(copy).read_bytes() == studio.media_path(job).read_bytes()
            assert other.snapshots(job.key) == studio.library.snapshots(job.key)
        assert (other.root / root.params["input_reference"]).read_bytes() == png()


async def test_export_html_gallery_escapes_and_embeds(fast, make_studio, tmp_path):
    studio = make_studio(fast)
    evil = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    root = await studio.generate(evil)
    await studio.wait(await studio.remix(root, "second <b>take</b>"))
    studio.annotate(root, notes="<i onmouseover=alert(2)>keep</i>", tags=["<u>t</u>"])
    page = studio.export(tmp_path / "gallery.html").read_text()
    assert "<script>" not in page and "onerror=alert(1)>" not in page
    assert "<i " not in page and "<u>" not in page
    assert "&lt;script&gt;" in page and "second &lt;b&gt;take&lt;/b&gt;" in page
    assert "&lt;i onmouseover=alert(2)&gt;keep&lt;/i&gt;" in page
    assert page.count("data:video/mp4;base64,") == 2 and page.count("<ul") == 2
    linked = studio.export(tmp_path / "site" / "g.html", embed=False).read_text()
    assert "data:video" not in linked and "../studio/media/" in linked


async def test_cost_is_shown_before_sending(fast, make_studio):
    quotes = []
    studio = make_studio(fast, budget=2.0, on_cost=quotes.append)
    seen_requests = []
    studio.on_cost = lambda q: (quotes.append(q), seen_requests.append(engine(fast).created))
    await studio.submit("one", seconds=8)
    await studio.sweep("grid", seconds=[4, 8])
    with pytest.raises(BudgetExceeded):
        await studio.variants("too many", 2, seconds=4)
    assert [(q.what, q.n, q.cost) for q in quotes] == [("create", 1, 0.8), ("batch", 2, 1.2)]
    assert seen_requests == [0, 1]  # each quote came before its requests
    assert str(quotes[1]) == "batch: 2 videos, estimated $1.20 (spent $0.80 of the $2.00 budget)"


async def test_keys_never_reach_the_library(emulator, make_studio):
    secret = "sk-test-DO-NOT-STORE-1234567890"
    backend = emulator(speed=200, api_key=secret)
    studio = make_studio(backend)
    job = await studio.generate("a secretive owl")
    await studio.wait(await studio.remix(job, "a chatty owl"))
    assert secret not in repr(studio)
    root = studio.library.root
    for path in root.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


async def test_panel_is_built_on_demand(fast, make_studio):
    studio = make_studio(fast)
    panel = studio.panel()
    assert panel.studio is studio


async def test_delete_while_the_create_is_out(fast, make_studio):
    studio = make_studio(fast)
    task = asyncio.create_task(studio.submit("short-lived"))
    while not studio.jobs():
        await asyncio.sleep(0)
    await studio.delete(studio.jobs()[0], remote=True)
    await task
    assert studio.jobs() == []
    assert [j for j in engine(fast).jobs.values()] == []  # deleted on the server too
