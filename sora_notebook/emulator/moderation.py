"""The emulator's stand-in moderation: a prompt with a listed term fails in-band.

The job is accepted, then ends `failed` with `error.code = "moderation_blocked"` and the
official-style message, as the real service did. Terms (whole words, case-insensitive),
stand-ins for the real rules:

- real people: "taylor swift", "elon musk", "barack obama", "real person", "celebrity"
- copyrighted characters and music: "mickey mouse", "spider-man", "spiderman", "pikachu",
  "darth vader", "harry potter", "copyrighted song"
- adult or violent content: "nsfw", "nude", "naked", "gore", "explicit"
"""

from __future__ import annotations

import re

__all__ = ["BLOCKED_TERMS", "MODERATION_CODE", "MODERATION_MESSAGE", "blocked_term"]

MODERATION_CODE = "moderation_blocked"
MODERATION_MESSAGE = "Your request was blocked by our moderation system."
BLOCKED_TERMS = (
    "taylor swift",
    "elon musk",
    "barack obama",
    "real person",
    "celebrity",
    "mickey mouse",
    "spider-man",
    "spiderman",
    "pikachu",
    "darth vader",
    "harry potter",
    "copyrighted song",
    "nsfw",
    "nude",
    "naked",
    "gore",
    "explicit",
)
_PATTERN = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(t) for t in BLOCKED_TERMS) + r")(?![\w-])", re.IGNORECASE
)


def blocked_term(prompt: str) -> str | None:
    """The first listed term in `prompt`, or None when the prompt passes."""
    match = _PATTERN.search(prompt)
    return match.group(1).lower() if match else None
