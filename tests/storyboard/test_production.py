"""A storyboard made in a studio on the emulator, over the studio's public API."""

import json

import pytest
from PIL import Image

from sora_notebook.client.backend import Backend
from sora_notebook.errors import BudgetExceeded, ValidationError
from sora_notebook.storyboard import CastMember, Shot, Storyboard
from sora_notebook.storyboard.production import Production

pytestmark = pytest.mark.slow


def _board(tmp_path):
    fox = tmp_path / "fox.png"
    Image.new("RGB", (640, 480), (200, 90, 30)).save(fox)
    shots = (
        Shot("a red fox trots through fresh snow", seconds=4, cast=("fox",)),
        Shot("the fox stops and looks up", seconds=4, join="continue"),
        Shot("a neon city street at night in the rain", seconds=4),
        Shot("rain runs down a shop window", seconds=4, join="extend"),
    )
    return Storyboard(shots=shots, cast=(CastMember("fox", str(fox)),), title="test")


async def test_the_film_is_quoted_whole_and_refused_over_budget(studio, tmp_path):
    board = _board(tmp_path)
    made = Production(studio, board, takes=2)
    quote = made.quote()
    one = studio.estimate("sora-2", "1280x720", 4)
    assert quote.total == pytest.approx(8 * one) and quote.left is None
    studio.budget = 5 * one
    with pytest.raises(BudgetExceeded, match="This would cost"):
        await made.run()
    assert studio.jobs() == []  # nothing was sent
    bad = Production(studio, board.with_shots([Shot("x", target="other:sora-2")]))
    with pytest.raises(ValidationError, match=r"does not have.*add_backend"):
        bad.quote()


async def test_shots_run_in_order_and_continuations_go_stale(studio, tmp_path):
    board = _board(tmp_path)
    made = Production(studio, board, takes=2)
    await made.run()
    assert all(len(made.state[s.id].takes) == 2 for s in board.shots)
    assert made.state["shot-2"].made_from == made.state["shot-1"].chosen
    # shot 4 is the server's extension of shot 3: 8 s, of which the first 4 are shot 3's
    extension = studio.get(made.state["shot-4"].chosen)
    assert (extension.parent_key, extension.seconds) == (made.state["shot-3"].chosen, "8")
    assert made.state["shot-4"].skip == 4.0
    assert made.stale() == []
    scores = made.continuity()
    continued, cut, extended = scores.joins
    assert continued.ssim > cut.ssim + 0.3 and extended.ssim > cut.ssim + 0.3
    film = made.film(tmp_path / "film.mp4")
    assert film.seconds == pytest.approx(16, abs=0.1) and len(film.joins) == 3

    other = next(k for k in made.state["shot-1"].takes if k != made.state["shot-1"].chosen)
    assert made.choose("shot-1", other) == ["shot-2"]
    before = made.state["shot-2"].chosen
    await made.run(made.stale())
    assert made.stale() == [] and made.state["shot-2"].chosen != before
    assert len(made.state["shot-2"].takes) == 4
    made.choose("shot-3", made.state["shot-3"].takes[1])
    made.keep("shot-4")
    assert made.stale() == []

    again = Production.from_dict(studio, json.loads(json.dumps(made.to_dict())))
    assert again.state == made.state and again.board == board
    with pytest.raises(ValidationError, match="not a take of shot-1"):
        made.choose("shot-1", made.state["shot-2"].chosen)


async def test_a_failed_shot_stops_its_chain_only(studio, tmp_path):
    from sora_notebook.emulator.moderation import BLOCKED_TERMS
    from sora_notebook.errors import VideoFailed

    shots = (
        Shot(f"a fox and a {BLOCKED_TERMS[0]}", seconds=4),
        Shot("the fox looks up", seconds=4, join="continue"),
        Shot("a quiet harbour at dawn", seconds=4),
    )
    made = Production(studio, Storyboard(shots=shots), takes=2)
    with pytest.raises(VideoFailed):
        await made.run()
    assert len(made.state["shot-1"].takes) == 2 and made.state["shot-1"].chosen is None
    assert made.state["shot-2"].takes == []  # never sent: nothing to continue from
    assert made.state["shot-3"].chosen is not None  # the other chain went on
    with pytest.raises(ValidationError, match="Not made yet: shot-1, shot-2"):
        made.film(tmp_path / "film.mp4")


async def test_a_budget_for_two_shots_of_four_refuses_before_anything_is_sent(studio, tmp_path):
    board = _board(tmp_path)
    made = Production(studio, board)
    one = studio.estimate("sora-2", "1280x720", 4)
    quote = made.quote()
    assert quote.total == pytest.approx(4 * one) and quote.shots["shot-2"] == pytest.approx(one)
    studio.budget = 2 * one
    with pytest.raises(BudgetExceeded, match="This would cost"):
        await made.run()
    emulator = studio.backend.app.state.emulator
    assert emulator.created == 0 and studio.jobs() == []
    assert studio.library.boards.get(made.id).slots == []  # not even a slot written
    assert studio.library.reserved() == 0

    studio.budget = 4 * one  # the whole film fits: each take reserves its quote as sent
    await made.run()
    assert emulator.created == 4 and studio.left == pytest.approx(0, abs=1e-6)
    assert studio.spend.total == pytest.approx(4 * one)  # billed once each
    assert made.quote().total == 0  # nothing left to make


async def test_a_board_is_reopened_by_id_after_a_restart(studio, tmp_path):
    board = _board(tmp_path)
    made = Production(studio, board.with_shots(board.shots[:2]), takes=2)
    await made.run()
    root, backend = studio.library.root, studio.backend
    await studio.aclose()  # the kernel restarts

    from sora_notebook.studio import Studio

    from .conftest import FAST_POLL

    again = Studio(backend, root, max_rps=1000.0, poll=FAST_POLL)
    try:
        kept = Production.open(again, made.id)
        assert kept.board == made.board and kept.state == made.state
        assert kept.unmade() == []
        await kept.run()  # nothing to make: nothing sent
        assert len(again.jobs()) == 4
        other = next(k for k in kept.state["shot-1"].takes if k != kept.state["shot-1"].chosen)
        assert kept.choose("shot-1", other) == ["shot-2"]
        assert Production.open(again, made.id).stale() == ["shot-2"]  # the stale mark is kept
        kept.keep("shot-2")
        reopened = Production.open(again, made.id)
        assert reopened.stale() == [] and reopened.state["shot-1"].chosen == other
        # a take chosen from an earlier round counts from the take it was made from
        await reopened.run(["shot-2"])
        first = reopened.state["shot-2"].takes[0]
        assert reopened.choose("shot-2", first) == ["shot-2"]
        assert reopened.state["shot-2"].made_from == made.state["shot-1"].chosen
        with pytest.raises(ValidationError, match="No storyboard 'nope'"):
            Production.open(again, "nope")
    finally:
        await again.aclose()


async def test_shots_with_one_prompt_never_share_a_take(studio):
    shots = (Shot("a lighthouse at night", seconds=4), Shot("a lighthouse at night", seconds=4))
    made = Production(studio, Storyboard(shots=shots), takes=2)
    await made.run()  # the two chains send side by side
    one, two = (set(made.state[s].takes) for s in ("shot-1", "shot-2"))
    assert len(one) == len(two) == 2 and one.isdisjoint(two)
    assert studio.backend.app.state.emulator.created == 4


async def test_shots_go_to_the_backends_their_targets_name(studio, served, tmp_path):
    """A board across two backends of one studio: each shot's takes are made where its
    target says, a continuation starting from the frame the other backend made."""
    server, engine = served
    studio.add_backend("far", Backend.compatible(server.base_url, "sk-far"))
    shots = (
        Shot("a red fox trots through fresh snow", seconds=4, target="far:sora-2"),
        Shot("the fox stops and looks up", seconds=4, join="continue", target="emulator"),
    )
    made = Production(studio, Storyboard(shots=shots, title="two backends"))
    assert made.quote().total == pytest.approx(2 * studio.estimate("sora-2", None, 4))
    await made.run()
    first, second = (studio.get(made.state[s.id].chosen) for s in made.board.shots)
    assert first.backend_url == server.base_url and engine.created == 1
    assert second.backend_url == studio.backend.base_url
    assert made.state["shot-2"].made_from == first.key
