"""The fitted reference is computed once per change, not once per state flush (issue 20)."""

from __future__ import annotations

import io

from PIL import Image

import sora_notebook.studio.plans as plans
from tests.widgets.conftest import Page


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (250, 200, 0)).save(out, format="PNG")
    return out.getvalue()


async def test_flushes_do_not_fit_the_reference_again(page, monkeypatch):
    p: Page = page()
    fits: list[object] = []
    real = plans.fit_reference_for

    def counting(*args, **kwargs):
        fits.append(args[1:])
        return real(*args, **kwargs)

    monkeypatch.setattr(plans, "fit_reference_for", counting)
    reply = await p.ask("reference", {"name": "wide.png"}, [_png(1600, 900)])
    assert reply["ok"], reply
    settled = len(fits)
    for _ in range(20):
        p.view.flush()
    assert len(fits) == settled
    assert (await p.ask("form", {"size": "1280x720"}))["ok"]
    assert len(fits) == settled + 1  # a change fits once more
    assert p.view.plan["reference"].endswith("1280x720")
