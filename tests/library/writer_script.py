"""Run by the multi-process tests: write jobs and media into a library in a loop.

python writer_script.py LOCATION MEDIA CACHE TAG COUNT   (COUNT 0 = until killed; "": none)
"""

from __future__ import annotations

import hashlib
import sys

from sora_notebook.library import Library
from sora_notebook.protocol import Video


def payload(tag: str, i: int) -> bytes:
    return hashlib.sha256(f"{tag}-{i}".encode()).digest() * 20_000  # 640 kB


def main() -> None:
    location, media, cache, tag = sys.argv[1:5]
    count = int(sys.argv[5])
    lib = Library(location, media=media or None, cache=cache or None)
    print("ready", flush=True)
    i = 0
    while count == 0 or i < count:
        job = lib.add_submission(backend="emulator", prompt=f"{tag} {i}", model="sora-2")
        lib.record_video(job.key, Video.from_dict({"id": f"{tag}_{i}", "status": "completed"}))
        tmp = lib.temp_path(".mp4")
        with open(tmp, "wb") as fh:
            data = payload(tag, i)
            for start in range(0, len(data), 64_000):
                fh.write(data[start : start + 64_000])
        lib.save_media(job.key, "video", tmp)
        i += 1
    lib.close()


if __name__ == "__main__":
    main()
