"""Run by LiteLLM's own venv (not the project's): every `litellm.video_*` function against
the emulator at argv[1]; prints one JSON line of what each returned. LiteLLM 1.108.7 has
no `video_delete`. Its ids are LiteLLM-encoded even on a direct call."""

from __future__ import annotations

import asyncio
import io
import json
import sys
import time

import litellm

BASE = sys.argv[1]
KW = {"api_base": BASE, "api_key": "sk-emulator", "custom_llm_provider": "openai"}


def wait(video_id: str) -> str:
    for _ in range(300):
        status = litellm.video_status(video_id, **KW).status
        if status in {"completed", "failed"}:
            return status
        time.sleep(0.1)
    return "timeout"


def main() -> None:
    out: dict[str, object] = {}
    job = litellm.video_generation(
        prompt="a paper boat", model="sora-2", seconds="4", size="1280x720", **KW
    )
    out["generation"] = job.id.startswith("video_")
    out["status"] = wait(job.id)
    mp4 = litellm.video_content(job.id, **KW)
    thumb = litellm.video_content(job.id, variant="thumbnail", **KW)
    sheet = litellm.video_content(job.id, variant="spritesheet", **KW)
    out["content"] = [mp4[4:8].decode(), thumb[8:12].decode(), sheet[:3].hex()]
    out["list"] = len(litellm.video_list(limit=10, **KW)) >= 1
    remix = litellm.video_remix(job.id, prompt="the boat at night", **KW)
    edit = litellm.video_edit(job.id, prompt="in fog", **KW)
    ext = litellm.video_extension(job.id, prompt="it sails on", seconds="4", **KW)
    out["derived"] = [wait(v.id) for v in (remix, edit, ext)]
    character = litellm.video_create_character(name="Keeper", video=io.BytesIO(mp4), **KW)
    out["character"] = litellm.video_get_character(character.id, **KW).name
    again = asyncio.run(litellm.avideo_status(job.id, **KW))
    out["async_status"] = again.status
    print(json.dumps(out))


if __name__ == "__main__":
    main()
