"""The project's client and Studio through a real LiteLLM proxy (1.108.7) in front of a Veo
upstream written from Google's REST reference (`veo_upstream.py`): Veo's status word, a
refusal stated in a 500, LiteLLM's cost billed, and failed or filtered operations turning
failed within a few polls (never at the wait's timeout)."""

from __future__ import annotations

import pytest

from sora_notebook.client import AsyncSoraClient, Backend
from sora_notebook.errors import ServerError, VideoFailed
from sora_notebook.studio import Studio
from sora_notebook.studio.polling import PollPolicy

from .litellm_proxy import MASTER_KEY, VEO_GROUP

pytestmark = pytest.mark.thirdparty

FAST = PollPolicy(min_interval=0.2, max_interval=0.5, first_delay=0.2)


def backend(proxy) -> Backend:
    return Backend.litellm(proxy.base_url, MASTER_KEY)


async def test_veo_status_words_and_a_refusal_in_a_500(litellm):
    async with AsyncSoraClient(backend(litellm), poll_interval=0.2) as client:
        job = await client.create("a red kite", model=VEO_GROUP, seconds=4)
        assert job.status == "in_progress"  # LiteLLM's "processing"
        assert (await client.retrieve(job)).status in {"in_progress", "completed"}
        posts = len(litellm.veo.state.seen)
        with pytest.raises(ServerError, match="not supported by Google Veo"):
            await client.remix(job, "at dusk")
        assert len(litellm.veo.state.seen) == posts  # nothing sent upstream, nothing retried


async def test_studio_bills_litellms_cost_and_fails_veo_failures_fast(litellm, tmp_path):
    async with Studio(backend(litellm), tmp_path / "lib", poll=FAST) as studio:
        done = await studio.generate("a lantern on a pier", model=VEO_GROUP, seconds=4, timeout=60)
        assert done.status == "completed" and done.has_video
        # LiteLLM's price for Veo 3.1 (4 s x $0.40), sent only on the create answer; the
        # project's table has no Veo price, so only the gateway's figure can give this
        assert done.billed == pytest.approx(1.6)
        # a safety-filtered operation: every status is LiteLLM's 500 naming generatedSamples
        with pytest.raises(VideoFailed, match="safety") as filtered:
            await studio.generate("an unsafe scene", model=VEO_GROUP, seconds=4, timeout=60)
        # done with an error: LiteLLM says completed, its content a 500 "No response data"
        with pytest.raises(VideoFailed, match="no video") as broken:
            await studio.generate("the model breaks", model=VEO_GROUP, seconds=4, timeout=60)
        for caught in (filtered, broken):
            job = studio.library.find(caught.value.video.id)
            assert job is not None and job.status == "failed" and not job.has_video
