import json

import pytest

from sora_notebook.errors import ValidationError
from sora_notebook.storyboard import (
    MAX_SCRIPT_BYTES,
    CastMember,
    ScriptError,
    Shot,
    Storyboard,
    parse_script,
    split_target,
)

MARKDOWN = """# The fox and the owl

## Cast
- fox: refs/fox.png (character)
- owl: refs/owl.png

## Shots
1. A red fox trots through fresh snow | seconds=4 cast=fox
2. The fox stops and looks up | join=continue target=emulator:sora-2
3. An owl on a branch at dusk | seconds=8 size=720x1280 cast=fox,owl join=cut
"""

YAML = """title: The fox and the owl
cast:
  - {name: fox, image: refs/fox.png, role: character}
shots:
  - A red fox trots through fresh snow
  - prompt: The fox stops and looks up
    join: continue
    seconds: 8
    cast: [fox]
"""

CSV = """prompt,seconds,join,target,cast
"A red fox, in snow",4,cut,,fox
The fox looks up,8s,continue,emulator:sora-2,
"""


def test_markdown_script_becomes_a_board():
    board = parse_script(MARKDOWN)
    assert board.title == "The fox and the owl"
    assert [c.name for c in board.cast] == ["fox", "owl"]
    assert board.cast[0] == CastMember("fox", "refs/fox.png", "character")
    assert [s.id for s in board.shots] == ["shot-1", "shot-2", "shot-3"]
    one, two, three = board.shots
    assert (one.seconds, one.cast, one.join) == (4, ("fox",), "cut")
    assert (two.join, two.target) == ("continue", "emulator:sora-2")
    assert (three.seconds, three.size, three.cast) == (8, "720x1280", ("fox", "owl"))


def test_yaml_and_csv_scripts():
    board = parse_script(YAML)
    assert board.title == "The fox and the owl"
    assert [(s.prompt, s.seconds, s.join) for s in board.shots] == [
        ("A red fox trots through fresh snow", 4, "cut"),
        ("The fox stops and looks up", 8, "continue"),
    ]
    rows = parse_script(CSV, cast=[CastMember("fox", "fox.png")])
    assert [(s.prompt, s.seconds, s.cast, s.target) for s in rows.shots] == [
        ("A red fox, in snow", 4, ("fox",), ""),
        ("The fox looks up", 8, (), "emulator:sora-2"),
    ]


def test_every_bad_line_is_named():
    text = "- a fox | seconds=four\n- \n- an owl | join=dissolve size=big\n- a hare | colour=red\n"
    with pytest.raises(ScriptError) as err:
        parse_script(text, "markdown")
    lines = {n for n, _ in err.value.problems}
    assert lines == {1, 2, 3, 4}
    text = str(err.value)
    assert "line 1: seconds must be a whole number" in text
    assert "line 3: join must be one of cut, continue, extend" in text
    assert "line 3: size must be WIDTHxHEIGHT" in text
    assert "line 4: unknown setting(s) colour" in text
    assert "line 2: the shot has no prompt" in text


def test_board_level_problems_are_refused():
    with pytest.raises(ScriptError, match="shot 1: it cannot continue"):
        parse_script("- a fox | join=continue\n")
    with pytest.raises(ScriptError, match="'owl' is not in the cast"):
        parse_script("- a fox | cast=owl\n")
    with pytest.raises(ScriptError, match="no shots found"):
        parse_script("# only a title\n")
    with pytest.raises(ScriptError, match="'prompt'"):
        parse_script("seconds,join\n4,cut\n", "csv")


def test_yaml_is_bounded_and_safe():
    with pytest.raises(ScriptError, match="over 256 KiB"):
        parse_script("- " + "x" * MAX_SCRIPT_BYTES)
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nshots: [*b]\n"
    with pytest.raises(ScriptError, match="line 2: YAML aliases"):
        parse_script(bomb, "yaml")
    with pytest.raises(ScriptError, match="python"):
        parse_script("shots: !!python/object/apply:os.system [echo hi]\n", "yaml")
    with pytest.raises(ScriptError, match="line 3: not valid YAML"):
        parse_script("shots:\n  - a\n - b: [\n", "yaml")
    with pytest.raises(ScriptError, match="line 2: seconds"):
        parse_script("shots:\n  - prompt: a fox\n    seconds: -3\n", "yaml")


def test_board_round_trips_through_json_and_knows_what_goes_stale():
    board = parse_script(MARKDOWN)
    again = Storyboard.from_dict(json.loads(json.dumps(board.to_dict())))
    assert again == board
    shots = [
        Shot("a"),
        Shot("b", join="continue"),
        Shot("c", join="extend"),
        Shot("d"),
        Shot("e", join="continue"),
    ]
    film = Storyboard(shots=tuple(shots))
    assert film.after("shot-1") == ["shot-2", "shot-3"]
    assert film.after("shot-3") == []
    assert film.after("shot-4") == ["shot-5"]
    reordered = film.with_shots([film.shots[3], *film.shots[:3]])
    assert [s.id for s in reordered.shots] == ["shot-4", "shot-1", "shot-2", "shot-3"]
    with pytest.raises(ValidationError, match="used twice"):
        Storyboard(shots=(Shot("a"),), cast=(CastMember("x", "a.png"), CastMember("x", "b.png")))
    with pytest.raises(ValidationError, match="Not a storyboard"):
        Storyboard.from_dict({"shots": [{"prompt": "a", "colour": "red"}]})


def test_split_target():
    assert split_target("emulator:sora-2") == ("emulator", "sora-2")
    assert split_target("vllm") == ("vllm", "")
    assert split_target("") == ("", "")
    assert Shot("a", target=":sora-2").problems() == [
        "target must be 'name:model' or 'name', got ':sora-2'"
    ]
