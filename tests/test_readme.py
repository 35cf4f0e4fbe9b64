"""The README's quickstart runs as written (against the fast emulator)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


async def test_the_quickstart_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SORA_NOTEBOOK_EMULATOR_SPEED", "200")
    monkeypatch.setenv("SORA_NOTEBOOK_EMULATOR_RENDER", "draft")
    for name in (
        *("SORA_NOTEBOOK_BASE_URL", "OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT"),
        *("OPENROUTER_API_KEY", "TOGETHER_API_KEY", "LITELLM_PROXY_API_BASE"),
    ):
        monkeypatch.delenv(name, raising=False)
    quickstart = python_blocks()[0]
    code = compile(quickstart, "README.md", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    scope: dict = {}
    result = eval(code, scope)  # a coroutine, as a notebook cell with `await` is
    if result is not None:
        await result
    studio, job, kid = scope["studio"], scope["job"], scope["kid"]
    try:
        assert job.status == "completed" and job.has_video
        assert studio.get(kid.key).parent_key == job.key
        gallery = (tmp_path / "boats.html").read_text()
        assert "paper boat" in gallery and "<script" not in gallery.lower()
    finally:
        await studio.aclose()
