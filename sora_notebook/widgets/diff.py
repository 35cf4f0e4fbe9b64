"""Word-level prompt differences and parameter tables, computed in Python for the views.

The views receive tokens as `[text, flag]` pairs (`"="` same, `"+"` added, `"-"` removed)
and render each token with `textContent`; no markup is ever built from a prompt.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["Token", "param_table", "word_diff"]

Token = list[str]  # [text, flag]


def _words(text: str | None) -> list[str]:
    return (text or "").split()


def _push(tokens: list[Token], words: Sequence[str], flag: str) -> None:
    if not words:
        return
    text = " ".join(words)
    if tokens and tokens[-1][1] == flag:
        tokens[-1][0] += " " + text
    else:
        tokens.append([text, flag])


def word_diff(old: str | None, new: str | None) -> list[Token]:
    """Tokens turning `old` into `new`, word by word (whitespace is normalized).

    Consecutive tokens with the same flag are merged; the view joins tokens with a space.
    """
    a, b = _words(old), _words(new)
    tokens: list[Token] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            _push(tokens, a[a0:a1], "=")
        else:
            _push(tokens, a[a0:a1], "-")
            _push(tokens, b[b0:b1], "+")
    return tokens


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def param_table(
    columns: Sequence[str], rows: Sequence[tuple[str, Sequence[Any]]]
) -> dict[str, Any]:
    """A table for the compare view: one row per parameter, `differs` when values differ."""
    out = []
    for name, values in rows:
        cells = [_cell(v) for v in values]
        out.append({"name": str(name), "values": cells, "differs": len(set(cells)) > 1})
    return {"columns": [str(c) for c in columns], "rows": out}


def extra_params(items: Sequence[Mapping[str, Any]]) -> list[str]:
    """Sorted union of the keys of several `params` dicts."""
    keys: set[str] = set()
    for item in items:
        keys.update(str(k) for k in item)
    return sorted(keys)
