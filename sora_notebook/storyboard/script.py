"""`parse_script(text)`: a pasted script (Markdown, YAML or CSV, one shot per item) ->
a `Storyboard`, bounded in size, with every problem reported by line.

Markdown: a `# Title`; list items under `## Cast` are `- name: path/to/image.png (role)`;
every other list item is a shot, its prompt then optional settings after a `|`:

    - A red fox trots through fresh snow | seconds=4 size=1280x720 cast=fox
    - The fox stops and looks up at the owl | join=continue target=emulator:sora-2

YAML: `title`, `cast` (a list of `{name, image, role}`) and `shots` (a list of strings or
`{prompt, seconds, size, target, join, cast}`). CSV: a header row naming the columns
(`prompt` required; `cast` names separated by spaces or `;`), then one shot per row.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sora_notebook.errors import ValidationError
from sora_notebook.storyboard.board import MAX_SHOTS, CastMember, Shot, Storyboard

__all__ = ["FORMATS", "MAX_SCRIPT_BYTES", "ScriptError", "parse_script"]

FORMATS = ("markdown", "yaml", "csv")
MAX_SCRIPT_BYTES = 256 * 1024
_FIELDS = ("prompt", "seconds", "size", "target", "join", "cast", "id")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,4}[.)])\s+(.*)$")
_CAST = re.compile(r"^([^:\s]+)\s*:\s*(.+?)\s*(?:\((.*)\))?\s*$")


class ScriptError(ValidationError):
    """A script that cannot become a storyboard; `problems` is a list of (line, message)
    (line 0: the script as a whole)."""

    def __init__(self, problems: Sequence[tuple[int, str]]) -> None:
        self.problems = list(problems)
        lines = [f"line {n}: {m}" if n else m for n, m in self.problems]
        super().__init__("The script has problems:\n- " + "\n- ".join(lines))


def parse_script(
    text: str, format: str | None = None, *, cast: Iterable[CastMember] = ()
) -> Storyboard:
    """Parse `text` as `format` (one of FORMATS; guessed when None). `cast` adds members
    (a CSV script names cast members it cannot define)."""
    if len(text.encode("utf-8", "replace")) > MAX_SCRIPT_BYTES:
        raise ScriptError([(0, f"the script is over {MAX_SCRIPT_BYTES // 1024} KiB; split it")])
    fmt = format or _guess(text)
    if fmt not in FORMATS:
        raise ScriptError([(0, f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")])
    parse = {"markdown": _markdown, "yaml": _yaml, "csv": _csv}[fmt]
    title, members, items = parse(text)
    members = [*members, *cast]
    problems: list[tuple[int, str]] = []
    shots: list[Shot] = []
    for line, fields in items:
        shot, wrong = _shot(fields)
        problems += [(line, w) for w in wrong]
        if shot is not None:
            problems += [(line, p) for p in shot.problems()]
            shots.append(shot)
    if not shots and not problems:
        problems.append((0, f"no shots found in this {fmt} script: one shot per item"))
    if len(shots) > MAX_SHOTS:
        problems.append((0, f"{len(shots)} shots; a storyboard holds at most {MAX_SHOTS}"))
    if problems:
        raise ScriptError(problems)
    try:
        return Storyboard(shots=tuple(shots), cast=tuple(members), title=title)
    except ValidationError as exc:  # board-level problems (cast names, the first join)
        raise ScriptError([(0, str(exc).split("\n", 1)[-1].replace("- ", "", 1))]) from None


def _guess(text: str) -> str:
    head = text.lstrip()
    first = head.splitlines()[0] if head else ""
    if re.match(r"^(title|shots|cast)\s*:", first) or head.startswith(("---", "{")):
        return "yaml"
    if "," in first and "prompt" in first.lower().split(",")[0] + first.lower():
        return "csv"
    return "markdown"


Item = tuple[int, dict[str, Any]]


def _shot(fields: Mapping[str, Any]) -> tuple[Shot | None, list[str]]:
    unknown = sorted(set(fields) - set(_FIELDS))
    if unknown:
        return None, [f"unknown setting(s) {', '.join(unknown)}; use {', '.join(_FIELDS)}"]
    wrong: list[str] = []
    values: dict[str, Any] = {k: v for k, v in fields.items() if v not in (None, "")}
    if "seconds" in values:
        raw = str(values["seconds"]).strip().removesuffix("s")
        if raw.isdigit() and len(raw) < 6:
            values["seconds"] = int(raw)
        else:
            wrong.append(f"seconds must be a whole number such as 4, got {values['seconds']!r}")
            del values["seconds"]
    cast = values.get("cast", ())
    if isinstance(cast, str):
        cast = [c for c in re.split(r"[\s;,]+", cast) if c]
    if not isinstance(cast, (list, tuple)) or not all(isinstance(c, str) for c in cast):
        wrong.append("cast must be a list of names")
        cast = ()
    values["cast"] = tuple(cast)
    for key in ("prompt", "size", "target", "join", "id"):
        if key in values:
            values[key] = str(values[key]).strip()
    if "prompt" not in values:
        wrong.append("the shot has no prompt: say what it shows")
        return None, wrong
    return Shot(**values), wrong


def _markdown(text: str) -> tuple[str, list[CastMember], list[Item]]:
    title, section = "", "shots"
    members: list[CastMember] = []
    items: list[Item] = []
    for n, line in enumerate(text.splitlines(), 1):
        heading = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if heading:
            name = heading.group(2)
            if len(heading.group(1)) == 1 and not title:
                title = name
            section = "cast" if name.lower() in ("cast", "characters") else "shots"
            continue
        item = _ITEM.match(line)
        if not item:
            continue
        body = item.group(1).strip()
        if section == "cast":
            m = _CAST.match(body)
            if m is None:
                items.append((n, {"_cast": body}))
                continue
            members.append(CastMember(name=m.group(1), image=m.group(2), role=m.group(3) or ""))
            continue
        prompt, _, settings = body.partition("|")
        fields: dict[str, Any] = {"prompt": prompt.strip()}
        for word in settings.split():
            key, eq, value = word.partition("=")
            fields[key.strip().lower() if eq else f"{word} (write key=value)"] = value
        items.append((n, fields))
    bad_cast = [(n, f["_cast"]) for n, f in items if "_cast" in f]
    if bad_cast:
        raise ScriptError(
            [
                (n, f"a cast item is 'name: path/to/image.png (role)', got {b!r}")
                for n, b in bad_cast
            ]
        )
    return title, members, items


def _yaml(text: str) -> tuple[str, list[CastMember], list[Item]]:
    try:
        import yaml
    except ImportError:
        raise ScriptError([(0, "YAML scripts need PyYAML: pip install pyyaml")]) from None

    class Loader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML ships no types
        """Safe, with no aliases (a few bytes could expand to gigabytes) and the line of
        every mapping kept."""

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise ScriptError(
                    [(event.start_mark.line + 1, "YAML aliases (*name) are not allowed")]
                )
            return super().compose_node(parent, index)

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            mapping = super().construct_mapping(node, deep=True)
            mapping["__line__"] = node.start_mark.line + 1
            return mapping

    try:
        data = yaml.load(text, Loader=Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise ScriptError(
            [((mark.line + 1) if mark else 0, f"not valid YAML: {exc.problem}")]
        ) from None
    except yaml.YAMLError as exc:
        raise ScriptError([(0, f"not valid YAML: {exc}")]) from None
    if isinstance(data, list):
        data = {"shots": data}
    if not isinstance(data, dict) or not isinstance(data.get("shots"), list):
        raise ScriptError([(0, "a YAML script is a mapping with a 'shots' list")])
    members, problems = [], []
    for c in data.get("cast") or []:
        line = c.pop("__line__", 0) if isinstance(c, dict) else 0
        if not isinstance(c, dict) or not {"name", "image"} <= set(c):
            problems.append((line, "a cast member is {name, image, role}"))
            continue
        try:
            members.append(CastMember(**{k: str(v) for k, v in c.items()}))
        except TypeError:
            problems.append((line, "a cast member is {name, image, role}, nothing else"))
    if problems:
        raise ScriptError(problems)
    items: list[Item] = []
    for s in data["shots"]:
        if isinstance(s, dict):
            line = s.pop("__line__", 0)
            items.append((line, s))
        else:
            items.append((0, {"prompt": str(s)}))
    return str(data.get("title") or ""), members, items


def _csv(text: str) -> tuple[str, list[CastMember], list[Item]]:
    reader = csv.reader(io.StringIO(text))
    rows = [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    if not rows:
        return "", [], []
    header = [h.strip().lower() for h in rows[0][1]]
    if "prompt" not in header:
        raise ScriptError([(rows[0][0], "the first row names the columns; one must be 'prompt'")])
    items: list[Item] = []
    for n, row in rows[1:]:
        if len(row) > len(header):
            raise ScriptError([(n, f"{len(row)} cells but {len(header)} columns; quote commas")])
        items.append((n, dict(zip(header, row, strict=False))))
    return "", [], items
