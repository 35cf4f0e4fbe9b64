"""The view's ESM and CSS, joined from `static/` at import time (no network, no bundler).

CSS: `studio.css` then every other `static/*.css` (one sheet per concern), joined.

Each `static/*.js` is an ES module with explicit `import { a, b } from "./x.js"` and
`export function|const` (so `tsc --checkJs` and ESLint see real boundaries). anywidget
loads one module, so `join` puts them into one scope: dependencies first (the order of
`main.js`'s imports, depth first), the import lines dropped and `export` words stripped
(only `main.js`'s `export default` stays), comment lines and indentation dropped.
That is sound because every import names an export of its module by the same name and
no two modules declare the same top-level name (`tests/widgets/test_assets.py` holds both).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "CSS",
    "ESM",
    "MODULES",
    "STATIC",
    "assemble",
    "exports_of",
    "imports_of",
    "order",
    "stylesheets",
]

STATIC = Path(__file__).parent / "static"
ENTRY = "main"
_IMPORT = re.compile(r'^import \{([^}]*)\} from "\./(\w+)\.js";\n', re.M)
_EXPORT = re.compile(r"^export (?=(?:async )?(?:function|const|let|class) )", re.M)
_EXPORTED = re.compile(r"^export (?:async )?(?:function|const|let|class) (\w+)", re.M)
Reader = Callable[[str], str]


def _read(name: str) -> str:
    return (STATIC / f"{name}.js").read_text("utf-8")


def imports_of(source: str) -> dict[str, list[str]]:
    """{module: names} that `source` imports; any other form of import is refused."""
    found: dict[str, list[str]] = {}
    for names, module in _IMPORT.findall(source):
        found.setdefault(module, []).extend(n.strip() for n in names.split(",") if n.strip())
    aliased = any(" as " in n for names in found.values() for n in names)
    if aliased or re.search(r"^\s*import\b", _IMPORT.sub("", source), re.M):
        raise ValueError('Use only `import { a, b } from "./x.js";` on one line, without `as`.')
    return found


def exports_of(source: str) -> set[str]:
    return set(_EXPORTED.findall(source))


def order(read: Reader = _read, entry: str = ENTRY) -> tuple[str, ...]:
    """Module names, each after the modules it imports (depth first from `entry`)."""
    done: list[str] = []
    stack: list[str] = []

    def visit(name: str) -> None:
        if name in done:
            return
        if name in stack:
            raise ValueError(f"Import cycle: {' -> '.join([*stack, name])}")
        stack.append(name)
        source = read(name)
        for module, names in imports_of(source).items():
            missing = set(names) - exports_of(read(module))
            if missing:
                raise ValueError(
                    f"{name}.js imports {sorted(missing)}; {module}.js has no such export"
                )
            visit(module)
        stack.pop()
        done.append(name)

    visit(entry)
    return tuple(done)


def _compact(source: str) -> str:
    """Without indentation, blank lines and comments on lines of their own (`//` lines,
    `/** ... */` blocks: the JSDoc is for the checker, not the page)."""
    kept: list[str] = []
    block = False
    for line in (raw.strip() for raw in source.splitlines()):
        if block:
            block = not line.endswith("*/")
        elif line.startswith("/*") and "*/" not in line:
            block = True
        elif line and not line.startswith("//") and not (line[:2] == "/*" and line[-2:] == "*/"):
            kept.append(line)
    return "\n".join(kept)


def assemble(read: Reader = _read, entry: str = ENTRY) -> str:
    """One ES module from the modules `entry` reaches, dependencies first."""
    parts = []
    for name in order(read, entry):
        source = _EXPORT.sub("", _IMPORT.sub("", read(name)))
        parts.append(_compact(source))
    return "\n".join(parts)


MODULES = order()
ESM = assemble()


def stylesheets() -> tuple[Path, ...]:
    """`studio.css` (the theme and shared rules) first, then one sheet per concern by name."""
    return tuple(sorted(STATIC.glob("*.css"), key=lambda p: (p.name != "studio.css", p.name)))


CSS = "\n".join(_compact(sheet.read_text("utf-8")) for sheet in stylesheets())
