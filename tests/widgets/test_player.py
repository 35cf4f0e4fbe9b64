from pathlib import Path

from sora_notebook.widgets import PlayerView

from .conftest import png_bytes, request


def test_player_traits_from_media(media, tmp_path: Path):
    player = PlayerView(
        media["video"],
        thumbnail=media["thumbnail"],
        spritesheet=media["spritesheet"],
        size="1280x720",
        seconds="4",
        label="a fox",
        root=tmp_path,
    )
    assert player.src == "files/clip.mp4"
    assert player.has_video
    assert player.poster.startswith("data:image/webp;base64,")
    assert player.sprite == {"url": "files/clip.spritesheet.jpg", "cols": 4, "rows": 1, "frames": 4}
    assert player.filename == "clip.mp4"


def test_no_url_outside_root_but_bytes_still_served(media, sent):
    player = PlayerView(media["video"], root=None)
    player.send = sent
    assert player.src == "" and player.has_video
    request(player, "media", {"variant": "video"}, request_id="abc")
    content, buffers = sent.last
    assert content == {
        "kind": "reply",
        "id": "abc",
        "ok": True,
        "result": {"mime": "video/mp4", "size": media["video"].stat().st_size},
    }
    assert buffers == [media["video"].read_bytes()]


def test_media_request_errors_are_replies(media, sent):
    player = PlayerView(root=None)
    player.send = sent
    request(player, "media", {"variant": "video"}, request_id=7)
    content, _ = sent.last
    assert content["id"] == 7 and content["ok"] is False and "No local video" in content["error"]
    request(player, "../etc/passwd", request_id=8)
    assert sent.last[0]["ok"] is False and sent.last[0]["id"] == 8
    request(player, "media", {"variant": "../../secret"}, request_id=9)
    assert sent.last[0]["ok"] is False


def test_frame_request_calls_back(sent):
    player = PlayerView(root=None)
    player.send = sent
    got = []
    player.on_frame(lambda data, t: got.append((data, t)))
    request(player, "frame", {"time": 1.5}, [png_bytes()])
    assert sent.last[0]["ok"] is True
    assert got == [(png_bytes(), 1.5)]
    request(player, "frame", {"time": 1}, [b"GIF89a"])
    assert sent.last[0]["ok"] is False and "PNG" in sent.last[0]["error"]


def test_commands_carry_ids(sent):
    player = PlayerView(root=None)
    player.send = sent
    player.play()
    player.download()
    (play, _), (download, _) = sent.messages
    assert play["kind"] == download["kind"] == "command"
    assert play["name"] == "play" and download["args"] == {"filename": "video.mp4"}
    assert play["id"] != download["id"]


def test_clearing_media(media):
    player = PlayerView(media["video"], root=None)
    player.set_media(None, message="Rendering…")
    assert (player.has_video, player.src, player.message) == (False, "", "Rendering…")
