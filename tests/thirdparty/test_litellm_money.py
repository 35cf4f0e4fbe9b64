"""Failed jobs through a real LiteLLM proxy (1.108.7) in front of the Veo upstream, billed
by the gateway's rule, and a charge corrected when a job the proxy said was completed
turns failed (its content a 500 "No response data").

LiteLLM prices a video once, at create (`cost_calculator.py:177-185`, `:1813-1855`;
the header at `proxy/common_request_processing.py:1746`) and never takes it back, so a
failed job keeps that cost on its ledger (`LiteLLM.failed_jobs_billed`). A person whose
upstream refunds failures declares it (a dialect with `failed_jobs_billed=False`); the
charge made when the proxy said `completed` is then reversed in the library's ledger.
The project's table has no Veo price, so every figure here can only be the gateway's."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sora_notebook.client import Backend
from sora_notebook.client.dialects.servers import LiteLLM
from sora_notebook.errors import VideoFailed
from sora_notebook.studio import Studio
from sora_notebook.studio.polling import PollPolicy

from .litellm_proxy import MASTER_KEY, VEO_GROUP

pytestmark = pytest.mark.thirdparty

FAST = PollPolicy(min_interval=0.2, max_interval=0.5, first_delay=0.2)


async def _failed(studio: Studio, prompt: str):
    with pytest.raises(VideoFailed) as caught:
        await studio.generate(prompt, model=VEO_GROUP, seconds=4, timeout=60)
    job = studio.library.find(caught.value.video.id)
    assert job is not None and job.status == "failed"
    return job, [c["amount"] for c in studio.library.ledger.charges(job.key)]


async def test_failed_veo_jobs_keep_litellms_create_time_cost(litellm, tmp_path):
    proxy = Backend.litellm(litellm.base_url, MASTER_KEY)
    async with Studio(proxy, tmp_path / "lib", poll=FAST) as studio:
        filtered, filtered_charges = await _failed(studio, "an unsafe scene")
        broken, broken_charges = await _failed(studio, "the model breaks")
        spend = studio.spend
    assert filtered.billed == pytest.approx(1.6) and filtered_charges == [pytest.approx(1.6)]
    # said completed (billed then), then failed: LiteLLM's rule keeps the one charge
    assert broken.billed == pytest.approx(1.6) and broken_charges == [pytest.approx(1.6)]
    assert spend.today == pytest.approx(3.2)


async def test_a_charge_is_reversed_when_a_completed_job_turns_failed(litellm, tmp_path):
    refunds = replace(LiteLLM(), failed_jobs_billed=False)
    proxy = Backend.litellm(litellm.base_url, MASTER_KEY).with_quirks(dialect=refunds)
    async with Studio(proxy, tmp_path / "lib", poll=FAST) as studio:
        broken, charges = await _failed(studio, "the model breaks")
        filtered, never = await _failed(studio, "an unsafe scene")
        spend = studio.spend
    # billed $1.60 when the proxy said completed, reversed when its content said failed
    assert charges == [pytest.approx(1.6), pytest.approx(-1.6)] and broken.billed == 0.0
    assert filtered.billed == 0.0 and never == []  # failed from the start: never charged
    assert spend.today == pytest.approx(0.0) and spend.total == pytest.approx(0.0)
