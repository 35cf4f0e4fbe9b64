"""The studio view driven as a person would, the same in every front end.

Everything goes through Playwright locators under the view's root (``data-testid`` hooks
listed in ``sora_notebook/widgets/static/main.js``): they pierce the shadow root marimo
draws anywidgets in, where ``document.querySelector`` finds nothing. In-page code runs on
an element handle of the root (``root.evaluate``) for the same reason.
"""

from __future__ import annotations

from browser_pages import cells_busy_js, poll

JOB_TIMEOUT = 120_000  # ms: a 4 s clip renders in ~5 s at the test speed; be generous
FINAL = ("completed", "failed", "rejected")

PAYLOAD = (
    '<img src=x onerror="window.__xss=1">'
    "</script><script>window.__xss=2</script>"
    '<b onmouseover="window.__xss=3">bold</b> a fox'
)

# Samples every 50 ms: the progress (aria-valuenow) of the card with `key`, and whether
# any notebook cell ran meanwhile. Runs on the view's root element.
WATCH = """(root, [key, busyJs]) => {
  const busy = new Function('return (' + busyJs + ')');
  const w = { values: [], cellRan: false, statuses: [] };
  window.__snWatch = w;
  window.__snWatchTimer = setInterval(() => {
    const card = root.querySelector(`[data-testid="sn-card"][data-key="${key}"]`);
    const bar = card && card.querySelector('[data-testid="sn-progress"]');
    if (bar && !bar.hidden) {
      const v = Number(bar.getAttribute('aria-valuenow'));
      if (!Number.isNaN(v) && w.values[w.values.length - 1] !== v) w.values.push(v);
    }
    const s = card && card.dataset.status;
    if (s && w.statuses[w.statuses.length - 1] !== s) w.statuses.push(s);
    if (busy()) w.cellRan = true;
  }, 50);
}"""
STOP_WATCH = "() => { clearInterval(window.__snWatchTimer); return window.__snWatch; }"

VIDEO_STATE = """(v) => ({ t: v.currentTime, seeking: v.seeking, paused: v.paused,
  ready: v.readyState, error: v.error && v.error.message, src: v.currentSrc, d: v.duration })"""


class StudioPage:
    """The view in one page: locators and the steps of the scenario."""

    def __init__(self, page, kind: str) -> None:
        self.page, self.kind = page, kind
        self.root = page.get_by_test_id("sn-studio").first

    def tid(self, testid: str):
        return self.root.get_by_test_id(testid)

    def wait_ready(self) -> None:
        self.root.wait_for(state="visible", timeout=90_000)
        self.tid("sn-generate").wait_for(state="visible")

    def card(self, prompt: str):
        cards = self.tid("sn-card")
        return cards.filter(has=self.page.get_by_text(prompt, exact=True)).first

    def card_key(self, prompt: str, timeout: float = JOB_TIMEOUT) -> str:
        card = self.card(prompt)
        card.wait_for(state="attached", timeout=timeout)
        return card.get_attribute("data-key") or ""

    def status(self, key: str) -> str:
        return self.root.locator(f'[data-testid="sn-card"][data-key="{key}"]').get_attribute(
            "data-status"
        )

    def wait_status(self, key: str, statuses=FINAL, timeout: float = JOB_TIMEOUT) -> str:
        card = self.root.locator(f'[data-testid="sn-card"][data-key="{key}"]')
        card.wait_for(state="attached", timeout=timeout)

        def final() -> str | None:
            status = card.get_attribute("data-status") or ""
            return status if status in statuses else None

        return poll(final, timeout=timeout / 1000, what=f"card {key} in {statuses}")

    # ------------------------------------------------------------------ actions

    def generate(self, prompt: str) -> None:
        box = self.tid("sn-prompt")
        box.click()
        box.fill(prompt)
        button = self.tid("sn-generate")
        poll(button.is_enabled, timeout=30, what="Generate enabled")
        button.click()

    def generate_watched(self, prompt: str) -> tuple[str, dict]:
        """Generate; sample the card's progress until it is final. -> (key, samples)."""
        before = set(self.keys())
        self.generate(prompt)
        key = poll(lambda: next(iter(set(self.keys()) - before), None), timeout=60, what="card")
        self.root.evaluate(WATCH, [key, cells_busy_js(self.kind)])
        self.wait_status(key)
        self.page.wait_for_timeout(250)  # the watcher's next samples see the final card
        return key, self.page.evaluate(STOP_WATCH)

    def card_text(self, key: str) -> str:
        card = self.root.locator(f'[data-testid="sn-card"][data-key="{key}"]')
        return " | ".join(card.evaluate("c => c.innerText").split("\n"))

    def keys(self) -> list[str]:
        return self.tid("sn-card").evaluate_all("els => els.map(e => e.dataset.key)")

    def play(self, key: str) -> None:
        """Play from the card: the main player reaches readyState >= 2 and time advances."""
        card = self.root.locator(f'[data-testid="sn-card"][data-key="{key}"]')
        card.get_by_test_id("sn-play").click()
        video = self.tid("sn-main-video")
        video.wait_for(state="visible", timeout=30_000)
        poll(lambda: (s := video.evaluate(VIDEO_STATE))["ready"] >= 2 and not s["paused"],
             timeout=30, what="main player playing")  # fmt: skip
        start = video.evaluate("v => v.currentTime")
        poll(lambda: video.evaluate("v => v.currentTime") > start + 0.5, timeout=30,
             what="main player's time advancing")  # fmt: skip
        assert video.evaluate("v => v.error") is None

    def remix(self, parent: str, prompt: str) -> str:
        card = self.root.locator(f'[data-testid="sn-card"][data-key="{parent}"]')
        card.get_by_test_id("sn-remix").click()
        self.tid("sn-mode-banner").wait_for(state="visible")
        before = set(self.keys())
        self.generate(prompt)
        return poll(lambda: next(iter(set(self.keys()) - before), None), timeout=60, what="card")

    def edges(self) -> list[dict]:
        """Tree edges with the keys of the nodes they join (from the drawn geometry)."""
        return self.tid("sn-tree").evaluate(EDGES_JS)

    def tree_labels(self) -> dict[str, dict]:
        """Each tree node's label text and its drawn font size in CSS px (zoom included)."""
        return self.tid("sn-tree").evaluate(
            """(tree) => Object.fromEntries([...tree.querySelectorAll(
                 '[data-testid="sn-tree-node"]')].map((n) => {
               const label = n.querySelector('.sn-node-label');
               const size = parseFloat(getComputedStyle(label).fontSize);
               const scale = label.getScreenCTM() ? label.getScreenCTM().a : 1;
               return [n.dataset.key, { text: label.textContent, px: size * scale }];
             }))"""
        )

    def focus_is_visible(self, presses: int = 12) -> list[dict]:
        """Tab through the view from the prompt: every focused control shows a focus ring."""
        self.tid("sn-prompt").focus()
        seen = []
        for _ in range(presses):
            self.page.keyboard.press("Tab")
            seen.append(self.root.evaluate(FOCUS_JS))
        inside = [f for f in seen if f["inside"]]
        assert len(inside) >= presses // 2, f"Tab left the view early: {seen}"
        hidden = [f for f in inside if not f["ring"]]
        assert not hidden, f"focused without a visible focus ring: {hidden}"
        return seen

    def check_tree_labels(self, when: str) -> None:
        labels = self.tree_labels()
        assert all(v["text"].strip() and v["px"] >= 11 for v in labels.values()), (
            f"{when}: every tree node labelled, at least 11 px at the default zoom: {labels}"
        )
        if self.edges():  # a remix is labelled by what it changed, not its first words
            assert any(v["text"].startswith(("+ ", "- ")) for v in labels.values()), labels

    def select_in_tree(self, a: str, b: str) -> None:
        self.tid("sn-tree").scroll_into_view_if_needed()
        first = self.root.locator(f'[data-testid="sn-tree-node"][data-key="{a}"]')
        first.click()
        # As a person would: the first node shows selected before the Ctrl+click (the page
        # toggles from the selection the kernel last sent).
        poll(lambda: first.get_attribute("aria-selected") == "true", timeout=30,
             what="first node selected")  # fmt: skip
        self.root.locator(f'[data-testid="sn-tree-node"][data-key="{b}"]').click(
            modifiers=["Control"]
        )

    def compare_in_sync(self) -> None:
        """2 synced players: a seek on one moves both; playing keeps them together."""
        videos = self.tid("sn-compare-video")
        poll(lambda: videos.count() == 2, timeout=30, what="two compare players")
        self.tid("sn-compare").scroll_into_view_if_needed()
        states = lambda: videos.evaluate_all(f"vs => vs.map({VIDEO_STATE})")  # noqa: E731
        poll(lambda: all(s["src"] for s in states()), timeout=30, what="compare sources")
        play = self.tid("sn-compare-play")
        play.click()
        poll(lambda: (s := states()) and all(not x["paused"] and x["t"] > 1.0 for x in s)
             and abs(s[0]["t"] - s[1]["t"]) < 0.3,
             timeout=30, what="both playing together", detail=states)  # fmt: skip
        play.click()
        # Paused together (within the view's 0.08 s drift tolerance while playing; a
        # pause does not realign them, the seek below must).
        poll(lambda: (s := states()) and all(x["paused"] and not x["seeking"] for x in s)
             and abs(s[0]["t"] - s[1]["t"]) < 0.1,
             timeout=30, what="both paused together", detail=states)  # fmt: skip
        # Seek the lead player, as its scrub bar would: the other follows.
        videos.first.evaluate("v => { v.currentTime = 0.5; }")
        poll(lambda: all(not s["seeking"] and s["ready"] >= 2 and abs(s["t"] - 0.5) < 0.05
                         for s in states()),
             timeout=30, what="both at 0.5 s after a seek", detail=states)  # fmt: skip
        self.tid("sn-compare-step").click()
        poll(lambda: all(not s["seeking"] and abs(s["t"] - 0.5 - 1 / 24) < 0.02
                         for s in states()),
             timeout=30, what="both one frame on", detail=states)  # fmt: skip
        self.timeline_seeks(states)
        self.wipe_has_one_divider()

    def timeline_seeks(self, states) -> None:
        """One timeline for both: the scrubber moves both and says the time; a click on the
        difference strip at 75 % takes both to 75 % of the clip."""
        scrubber, readout = self.tid("sn-compare-scrubber"), self.tid("sn-compare-time")
        scrubber.evaluate("r => { r.value = '250'; r.dispatchEvent(new Event('input')); }")
        poll(lambda: all(not s["seeking"] and abs(s["t"] - s["d"] / 4) < 0.1 for s in states()),
             timeout=30, what="both at a quarter", detail=states)  # fmt: skip
        assert readout.inner_text().startswith("1.0 s / "), readout.inner_text()
        strip = self.tid("sn-diff-strip")
        strip.wait_for(state="visible", timeout=60_000)  # with the metrics
        box = strip.bounding_box()
        assert box is not None
        strip.click(position={"x": box["width"] * 0.75, "y": box["height"] / 2})
        poll(lambda: all(not s["seeking"] and abs(s["t"] - s["d"] * 0.75) < 0.15
                         for s in states()),
             timeout=30, what="both at 75 % after a click on the strip", detail=states)  # fmt: skip
        assert strip.get_attribute("aria-valuenow") == "75"
        meanings = self.tid("sn-metrics").locator(".sn-meaning").all_inner_texts()
        assert any("SSIM" in m or "luma" in m for m in meanings), meanings

    def wipe_has_one_divider(self) -> None:
        """Wipe on, off and on again: one divider, and none once it is off."""
        wipe, handles = self.tid("sn-compare-wipe"), self.tid("sn-wipe-handle")
        for on in (True, False, True):
            wipe.set_checked(on)
            poll(lambda on=on: handles.count() == (1 if on else 0), timeout=10,
                 what=f"{'one divider' if on else 'no divider'} with wipe {on}")  # fmt: skip
        wipe.set_checked(False)

    def duel_pick(self) -> None:
        """Blind duel from compare, judged from the keyboard: 1 (left), 0 (tie), 2 (right);
        each pick starts the next round and lands in the leaderboard."""
        self.tid("sn-duel-start").click()
        duel = self.tid("sn-duel")
        duel.wait_for(state="visible")
        heading = duel.locator("h3").first
        for key in ("1", "0", "2"):
            before = heading.text_content()
            duel.focus()
            self.page.keyboard.press(key)
            poll(lambda b=before: heading.text_content() != b, timeout=30,
                 what=f"next duel round after key {key}")  # fmt: skip
        rows = (
            self.tid("sn-leaderboard")
            .locator("tr")
            .evaluate_all(
                "rows => rows.slice(1)"
                ".map(r => [3, 4, 5].map(i => Number(r.children[i].textContent)))"
            )
        )
        wins, losses, ties = (sum(r[i] for r in rows) for i in range(3))
        assert (wins, losses, ties) == (2, 2, 2), f"wins/losses/ties after 1, 0, 2: {rows}"
        self.check_tree_labels("after a duel pick")

    def xss_stays_text(self) -> None:
        key, _ = self.generate_watched(PAYLOAD)
        self.card(PAYLOAD).hover()
        assert self.page.evaluate("() => window.__xss") is None
        injected = self.root.evaluate(
            "r => r.querySelectorAll('img[src=\"x\"], b[onmouseover], script').length"
        )
        assert injected == 0
        prompt = self.root.locator(f'[data-testid="sn-card"][data-key="{key}"] .sn-card-prompt')
        assert prompt.text_content() == PAYLOAD


# The focused element (through shadow roots) and whether it shows a ring: an outline or
# a box-shadow (a video's native controls draw their own).
FOCUS_JS = """(root) => {
  let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  const inside = !!el && root.contains(el);
  if (!el) return { inside, ring: false, tag: null };
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  const shadow = s.boxShadow && s.boxShadow !== 'none';
  // A <video controls> takes focus into its own (browser-drawn) controls, ring and all.
  const native = el.tagName === 'VIDEO' && el.controls;
  return { inside, ring: outline || !!shadow || native, tag: el.tagName.toLowerCase(),
           testid: el.dataset ? el.dataset.testid || '' : '',
           text: (el.textContent || '').slice(0, 30) };
}"""


# The drawn edges, each joined to the nodes at its ends (node boxes from their transforms).
EDGES_JS = """(tree) => {
  const boxes = [...tree.querySelectorAll('[data-testid="sn-tree-node"]')].map((n) => {
    const bg = n.querySelector('rect');
    const b = { width: Number(bg.getAttribute('width')),
                height: Number(bg.getAttribute('height')) };
    const m = n.transform.baseVal.consolidate();
    const x = m ? m.matrix.e : 0, y = m ? m.matrix.f : 0;
    return { key: n.dataset.key, x, y, w: b.width, h: b.height };
  });
  const near = (a, b) => Math.abs(a - b) < 2;
  return [...tree.querySelectorAll('[data-testid="sn-tree-edge"]')].map((e) => {
    const d = e.querySelector('path').getAttribute('d');
    const nums = d.match(/-?\\d+(\\.\\d+)?/g).map(Number);
    const [x1, y1] = nums.slice(0, 2), [x2, y2] = nums.slice(-2);
    const from = boxes.find((b) => near(b.x + b.w, x1) && near(b.y + b.h / 2, y1));
    const to = boxes.find((b) => near(b.x, x2) && near(b.y + b.h / 2, y2));
    return { kind: e.dataset.kind, from: from && from.key, to: to && to.key };
  });
}"""


FIRST_PROMPT = "A red fox trotting through fresh snow at dawn, soft golden light"
REMIX_PROMPT = "The same fox, now at night under the northern lights"


def scenario(sp: StudioPage, *, duel: bool = True) -> tuple[str, str]:
    """Generate (progress moving, no cell running), play, remix (an edge), compare in sync,
    focus visible from the keyboard, then (``duel``) a blind duel judged by keys.
    Returns (first key, remix key)."""
    sp.wait_ready()
    first, watch = sp.generate_watched(FIRST_PROMPT)
    assert sp.status(first) == "completed", (sp.card_text(first), watch)
    assert not watch["cellRan"], "a cell ran: the view must update from the background"
    # The kernel pushed the status along (not only the page's animation of progress).
    assert "in_progress" in watch["statuses"], watch
    between = [v for v in watch["values"] if 0 < v < 100]
    assert len(set(between)) >= 2, f"progress never moved: {watch}"
    assert watch["values"] == sorted(watch["values"]), f"progress went backwards: {watch}"
    assert watch["values"][-1] == 100, watch
    announced = sp.tid("sn-announce")  # a polite live region: screen readers hear it
    poll(lambda: f"Finished: {FIRST_PROMPT[:80]}" in (announced.text_content() or ""),
         timeout=10, what="the finished video announced")  # fmt: skip

    sp.play(first)

    remix = sp.remix(first, REMIX_PROMPT)
    assert sp.wait_status(remix) == "completed", sp.card_text(remix)
    poll(lambda: {"kind": "remix", "from": first, "to": remix} in sp.edges(), timeout=30,
         what=f"a remix edge {first} -> {remix} in the tree: {sp.edges()}")  # fmt: skip

    sp.check_tree_labels("after the remix")

    sp.select_in_tree(first, remix)
    sp.compare_in_sync()
    sp.check_tree_labels("after compare")
    sp.focus_is_visible()
    if duel:
        sp.duel_pick()
    return first, remix
