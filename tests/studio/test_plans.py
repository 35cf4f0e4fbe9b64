"""`studio.plan`: the one place a request is checked, fitted and priced, before sending."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from sora_notebook.client import Backend
from sora_notebook.errors import BudgetExceeded, ValidationError
from sora_notebook.library import Library
from sora_notebook.protocol import Video
from sora_notebook.studio.capabilities import CapabilityBook
from sora_notebook.studio.money import Purse, bill, price
from sora_notebook.studio.plans import ReferenceFit, Request, make_plan

EMU = Backend(name="emulator", base_url="http://emulator.local/v1", label="Emulator")
OPEN = Backend(
    name="compatible",
    base_url="http://gpu:8000/v1",
    label="vLLM-Omni",
    check_models=False,
    supports_remix=False,
    supports_edit=False,
    supports_extend=False,
)
FREE = Purse(prices={})


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def plan(backend: Backend = EMU, purse: Purse = FREE, **kw):
    kw.setdefault("prompt", "a fox")
    return make_plan(backend, Request(**kw), purse)


def test_prices_and_billing_rules():
    assert price(None, None, None) == pytest.approx(0.4)  # OpenAI's default model
    assert price("sora-2-pro", "1792x1024", "8") == pytest.approx(4.0)
    # a self-hosted model (a backend that does not run OpenAI's): unknown
    assert price(None, None, "4", table_default=False) is None
    assert price("wan-2.2", None, "4") is None
    assert price("wan-2.2", None, "5", {"wan-2.2": 0.02}, table_default=False) == 0.1
    assert price("sora-2", None, "4", {"sora-2": 0.5}) == pytest.approx(2.0)
    assert bill("completed", 0.4, None) == 0.4
    assert bill("completed", 0.4, 0.25) == 0.25  # the server's word wins
    assert bill("completed", None, None) is None  # unknown, not zero
    assert bill("failed", 0.4, None) == 0.0
    assert bill("failed", 0.4, None, failed_billed=True) == 0.4  # where the dialect says
    assert bill("failed", 0.4, 0.1, failed_billed=True) == 0.1
    assert bill("rejected", 0.4, None, failed_billed=True) == 0.0


def test_a_good_request_is_quoted_for_all_n():
    p = plan(seconds=8, n=3, params={"seed": 3})
    assert p.ok and p.problems == {} and p.cost == pytest.approx(2.4)
    assert len(p.submissions) == 3
    assert p.submissions[0].params == {"prompt": "a fox", "seconds": "8", "seed": 3}
    assert p.left is None and p.reference is None
    assert set(p.disabled) == {"cancel"}  # the official protocol has no cancel


def test_problems_are_collected_by_field_with_what_to_do():
    p = plan(prompt="   ", size="1024x1792", n=0)
    assert not p.ok and set(p.problems) == {"prompt", "size", "n"}
    assert "describe" in p.problems["prompt"] and "sora-2-pro" in p.problems["size"]
    with pytest.raises(ValidationError, match="prompt"):
        p.raise_first()
    assert set(plan(params={"model": "sneaky"}).problems) == {"prompt"}
    assert set(plan(edge_kind="remix").problems) == {"parent"}  # an edge needs a parent


def test_budget_left_and_unknown_prices():
    tight = Purse(prices={}, left=0.5, budget=3.0, counted=2.5)
    p = plan(purse=tight, n=2)
    assert p.left == 0.5 and p.cost == pytest.approx(0.8)
    assert "$0.80" in p.problems["budget"] and "$3.00" in p.problems["budget"]
    with pytest.raises(BudgetExceeded):
        p.raise_first()
    unknown = plan(OPEN, tight)
    assert "allow_unknown_cost" in unknown.problems["budget"]
    allowed = Purse(prices={}, left=0.5, budget=3.0, counted=2.5, allow_unknown_cost=True)
    assert plan(OPEN, allowed).ok
    priced = Purse(prices={"wan": 0.05}, left=0.5, budget=3.0, counted=2.5)
    assert plan(OPEN, priced, model="wan", seconds=5).cost == pytest.approx(0.25)


def test_the_reference_image_is_decoded_once_and_fitted():
    square = png(100, 100)
    refused = plan(size="720x1280", input_reference=square)
    assert "fit='crop'" in refused.problems["input_reference"]
    cropped = plan(size="720x1280", input_reference=square, fit="crop")
    assert cropped.ok and cropped.reference == ReferenceFit((100, 100), (720, 1280), "crop")
    assert cropped.reference.describe() == "100x100 -> cropped to 720x1280"
    sent = Image.open(io.BytesIO(cropped.submissions[0].reference or b""))
    assert sent.size == (720, 1280)
    exact = plan(size="720x1280", input_reference=png(720, 1280))
    assert exact.ok and exact.reference.fit == "none"
    assert exact.reference.describe() == "720x1280, fits 720x1280 as is"
    padded = plan(OPEN, size="832x480", input_reference=square, fit="pad")
    assert padded.reference.describe() == "100x100 -> padded to 832x480"
    url = plan(input_reference="https://example.com/a.png")
    assert url.submissions[0].params["input_reference"] == {
        "image_url": "https://example.com/a.png"
    }
    assert url.reference is None and url.submissions[0].reference is None
    assert "input_reference" in plan(input_reference=b"not an image").problems


def test_derived_requests_need_a_completed_parent_and_support(tmp_path):
    with Library(tmp_path / "l") as lib:
        job = lib.add_submission(
            backend="emulator", prompt="p", model="sora-2", size="720x1280", seconds="4"
        )
        assert "completed" in plan(mode="remix", parent=job).problems["parent"]
        done = lib.record_video(job.key, Video.from_dict({"id": "v1", "status": "completed"}))
        ext = plan(mode="extend", parent=done, prompt="more", seconds=8)
        assert ext.submissions[0].params == {
            "prompt": "more",
            "seconds": "8",
            "video": {"id": "v1"},
        }
        assert ext.cost == pytest.approx(0.8) and ext.submissions[0].edge_kind == "extend"
        no = plan(OPEN, mode="remix", parent=done)
        assert "cannot remix" in no.problems["parent"] and "cannot remix" in no.disabled["remix"]
        assert {"remix", "edit", "extend"} <= set(no.disabled)
        assert "seconds" in plan(mode="extend", parent=done, prompt="more").problems


@pytest.mark.parametrize("flavor", ["vllm-omni", "sglang"])
def test_servers_without_remix_are_refused_by_the_plan(flavor):
    backend = Backend.compatible("http://gpu/v1", flavor=flavor)
    disabled = CapabilityBook(backend).disabled()
    assert {"remix", "edit", "extend", "characters"} <= set(disabled)
    assert "cannot remix" in disabled["remix"] and "changed prompt instead" in disabled["remix"]


def test_n_is_bounded_above_too():
    assert "n" in plan(n=101).problems and plan(n=100).ok
    assert "n" in plan(n=2.0).problems and "n" in plan(n=True).problems
