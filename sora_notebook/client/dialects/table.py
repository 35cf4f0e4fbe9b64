"""The README's compatibility table (server x operation), generated from the dialects.

`python -m sora_notebook.client.dialects.table` prints it; a test holds the README to it.
"""

from __future__ import annotations

from sora_notebook.client.dialects.base import Dialect

__all__ = ["COLUMNS", "compatibility_table", "row"]

WORKS, NOT_OFFERED, LOCAL = "works", "not offered", "made locally"
#: (column title, how a dialect answers it)
COLUMNS = (
    "create + poll + MP4",
    "image-to-video",
    "list / import",
    "delete",
    "cancel",
    "remix",
    "edit",
    "extend",
    "characters",
    "thumbnail + spritesheet",
    "several outputs per job",
    "cost reported",
    "model list",
)


def row(dialect: Dialect) -> list[str]:
    """One server's cells, in COLUMNS order."""
    caps = dialect.capabilities

    def offered(action: str) -> str:
        return WORKS if caps.reason(action) is None else NOT_OFFERED

    stills = WORKS if {"thumbnail", "spritesheet"} <= set(caps.variants) else LOCAL
    costs = "per job" if dialect.reports_cost else NOT_OFFERED
    models = WORKS if dialect.models_path else NOT_OFFERED
    return [
        WORKS,
        f"{WORKS}: {dialect.reference_fields}",
        offered("list"),
        offered("delete"),
        offered("cancel"),
        offered("remix"),
        offered("edit"),
        offered("extend"),
        offered("characters"),
        stills,
        WORKS if caps.outputs_per_job else NOT_OFFERED,
        costs,
        models,
    ]


def compatibility_table() -> str:
    """The Markdown table, one row per dialect."""
    from sora_notebook.client.dialects import DIALECTS

    lines = [
        "| server (`dialect=`) | " + " | ".join(COLUMNS) + " |",
        "|---" * (len(COLUMNS) + 1) + "|",
    ]
    for name, dialect in DIALECTS.items():
        label = f"{dialect.label} (`{name}`)"
        lines.append(f"| {label} | " + " | ".join(row(dialect)) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(compatibility_table(), end="")
