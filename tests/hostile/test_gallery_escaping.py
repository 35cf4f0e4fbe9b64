"""The gallery escapes its leaderboard and quotes in attributes (issue 18 item 5; the
architecture review's surviving mutants M28 and M30), and embeds only media."""

from __future__ import annotations

from sora_notebook.export.gallery import export_html
from sora_notebook.export.html import esc
from sora_notebook.judge.ranking import Rank
from sora_notebook.library import Library
from sora_notebook.library.lineage import build_tree

EVIL = '<b>bold</b> x" onload="alert(1)'


def test_esc_escapes_quotes_for_attributes():
    assert esc(EVIL) == "&lt;b&gt;bold&lt;/b&gt; x&quot; onload=&quot;alert(1)"
    assert esc("it's") == "it&#x27;s" and esc(None) == ""


def test_the_leaderboard_and_attributes_are_escaped(tmp_path):
    with Library(tmp_path / "lib") as lib:
        job = lib.add_submission(backend="e", prompt=EVIL)
        job = lib.update(job.key, status="completed", video_id="video_1")
        quoted = lib.media_dir / 'a" onerror="alert(2).webp'
        quoted.write_bytes(b"RIFF....WEBP")
        job = lib.update(job.key, media={"thumbnail": f"media/{quoted.name}"})
        ranking = [Rank(job, 0.5, 0.1, 2.0, 1.0, 0)]
        page = export_html(
            lib, build_tree([job]), tmp_path / "site" / "g.html", embed=False, ranking=ranking
        ).read_text()
    board = page[page.index('<div class="board">') :]
    assert "<b>bold</b>" not in page and 'x" onload="' not in page
    assert "&lt;b&gt;bold&lt;/b&gt; x&quot; onload=&quot;alert(1)" in board.split("</table>")[0]
    assert 'onerror="alert(2)' not in page
    assert "a&quot; onerror=&quot;alert(2).webp" in page
    assert "2-1-0" in board


def test_the_gallery_embeds_only_media(tmp_path):
    with Library(tmp_path / "lib") as lib:
        job = lib.add_submission(backend="e", prompt="p")
        job = lib.update(job.key, status="completed", media={"thumbnail": "library.sqlite3"})
        page = export_html(lib, build_tree([job]), tmp_path / "g.html").read_text()
    assert "data:" not in page.split("<body>")[1]


def test_a_huge_file_is_linked_not_embedded(tmp_path, monkeypatch):
    """A 2 GB video embedded as base64 held several times its size in memory."""
    from sora_notebook.export import gallery

    monkeypatch.setattr(gallery, "MAX_EMBED_BYTES", 1000)
    with Library(tmp_path / "lib") as lib:
        job = lib.add_submission(backend="e", prompt="p")
        job = lib.save_media(job.key, "video", b"\x00" * 2000)
        job = lib.save_media(job.key, "thumbnail", b"RIFF....WEBP")
        page = export_html(lib, build_tree([job]), tmp_path / "g.html").read_text()
    assert "data:video/mp4" not in page and "lib/media/" in page
    assert "data:image/webp;base64," in page
