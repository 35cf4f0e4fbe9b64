"""The view's modules join soundly into the one ESM anywidget loads (`widgets/assets.py`)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from sora_notebook.widgets.assets import ESM, MODULES, STATIC, assemble, exports_of, imports_of

DECLARED = re.compile(r"^(?:export )?(?:async )?(?:function|const|let|class) (\w+)", re.M)


def test_every_import_names_an_export_and_no_two_modules_declare_one_name():
    owner: dict[str, str] = {}
    for name in MODULES:
        source = (STATIC / f"{name}.js").read_text("utf-8")
        for module, names in imports_of(source).items():
            assert set(names) <= exports_of((STATIC / f"{module}.js").read_text("utf-8"))
            assert MODULES.index(module) < MODULES.index(name)  # joined before its user
        for declared in DECLARED.findall(source):
            assert declared not in owner, f"{declared} in {owner.get(declared)}.js and {name}.js"
            owner[declared] = name
    assert len(owner) > 60


def test_the_joined_module_keeps_no_import_and_only_the_default_export():
    assert not re.search(r"^import ", ESM, re.M)
    assert re.findall(r"^export .*", ESM, re.M) == ["export default { render };"]
    assert not re.search(r"^(//|/\*|\*)", ESM, re.M)  # comment lines dropped (JSDoc too)
    assert "\n  " not in ESM and "@typedef" not in ESM


def test_a_missing_export_an_alias_or_a_cycle_is_refused_with_its_name():
    files = {
        "main": 'import { a } from "./x.js";\nexport default { render };\n',
        "x": "export function b() {}\n",
    }
    with pytest.raises(ValueError, match=r"main.js imports \['a'\]; x.js has no such export"):
        assemble(files.__getitem__)
    files["x"] = 'import { c as d } from "./main.js";\nexport function a() {}\n'
    with pytest.raises(ValueError, match="without `as`"):
        assemble(files.__getitem__)
    files["x"] = 'import { c } from "./main.js";\nexport function a() {}\n'
    files["main"] += "export const c = 1;\n"
    with pytest.raises(ValueError, match="Import cycle: main -> x -> main"):
        assemble(files.__getitem__)


NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="node is not installed (scripts/install-js-tools.sh)")
def test_the_joined_module_parses(tmp_path):
    """A syntax error or a name declared twice fails here, not first in a browser."""
    path = tmp_path / "studio.mjs"
    path.write_text(ESM, "utf-8")
    out = subprocess.run([NODE, "--check", str(path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr


def test_compacting_drops_comment_lines_and_keeps_code_after_a_comment():
    from sora_notebook.widgets.assets import _compact

    source = "/* a */ .x {\n  color: red;\n}\n/** b\n * @type {X}\n */\n// c\n.y {}\n"
    assert _compact(source) == "/* a */ .x {\ncolor: red;\n}\n.y {}"
