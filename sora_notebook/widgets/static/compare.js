// CompareView: 2-4 players in lock step, a wipe between two, and the differences that
// Python computed (prompt word tokens, parameter table), drawn with textContent only.

function fmt(t) {
  if (!Number.isFinite(t)) return "0:00.00";
  const m = Math.floor(t / 60);
  const s = (t - m * 60).toFixed(2).padStart(5, "0");
  return `${m}:${s}`;
}

function render({ model, el }) {
  const rpc = requester(model);
  const blobs = [];
  const root = make("div", "sn-compare");
  root.dataset.testid = "sn-compare";
  root.tabIndex = 0;
  const stage = make("div", "sn-compare-stage");
  const captions = make("div", "sn-compare-captions");
  const controls = make("div", "sn-compare-controls");
  const playBtn = make("button", "sn-cmp-play", "Play");
  const backBtn = make("button", "sn-cmp-back", "◀ frame");
  const fwdBtn = make("button", "sn-cmp-fwd", "frame ▶");
  backBtn.setAttribute("aria-label", "Previous frame");
  fwdBtn.setAttribute("aria-label", "Next frame");
  const seek = make("input", "sn-cmp-seek");
  seek.type = "range";
  seek.min = "0";
  seek.step = "0.001";
  seek.value = "0";
  seek.setAttribute("aria-label", "Seek");
  const time = make("span", "sn-cmp-time", "0:00.00");
  const speed = make("select", "sn-cmp-speed");
  speed.setAttribute("aria-label", "Speed");
  for (const r of [0.25, 0.5, 1, 1.5, 2]) {
    const opt = make("option", "", `${r}×`);
    opt.value = String(r);
    if (r === 1) opt.selected = true;
    speed.append(opt);
  }
  const wipeLabel = make("label", "sn-cmp-wipe-toggle");
  const wipeBox = make("input");
  wipeBox.type = "checkbox";
  wipeLabel.append(wipeBox, document.createTextNode(" Wipe"));
  const wipe = make("input", "sn-cmp-wipe");
  wipe.type = "range";
  wipe.min = "0";
  wipe.max = "100";
  wipe.value = "50";
  wipe.setAttribute("aria-label", "Wipe position");
  for (const b of [playBtn, backBtn, fwdBtn]) b.type = "button";
  controls.append(playBtn, backBtn, fwdBtn, seek, time, speed, wipeLabel, wipe);
  const table = make("table", "sn-compare-table");
  root.append(stage, controls, captions, table);
  el.append(root);

  let videos = [];
  const fallbackTried = new WeakSet();

  const master = () => videos[0];
  const playing = () => videos.some((v) => !v.paused);

  async function viaBytes(video, key) {
    if (fallbackTried.has(video)) return;
    fallbackTried.add(video);
    try {
      const { result, buffers } = await rpc.request("media", { key });
      const url = URL.createObjectURL(new Blob(buffers, { type: (result && result.mime) || "video/mp4" }));
      blobs.push(url);
      video.src = url;
    } catch (err) {
      video.parentElement?.append(make("div", "sn-compare-error", err.message));
    }
  }

  function build() {
    for (const v of videos) v.pause();
    stage.replaceChildren();
    captions.replaceChildren();
    const items = model.get("items");
    const prompts = model.get("prompts");
    videos = items.map((item, i) => {
      const cell = make("div", "sn-compare-cell");
      const video = make("video", "sn-compare-video");
      video.dataset.key = item.key;
      video.preload = "auto";
      video.playsInline = true;
      video.muted = i > 0; // one soundtrack at a time
      video.setAttribute("aria-label", `Video ${item.letter}`);
      if (item.poster) video.poster = item.poster;
      video.addEventListener("error", () => viaBytes(video, item.key));
      if (item.has_video) {
        const url = resolveUrl(item.src);
        if (url) video.src = url;
        else viaBytes(video, item.key);
      }
      const badge = make("span", "sn-compare-letter", item.letter);
      cell.append(video, badge);
      stage.append(cell);
      const cap = make("div", "sn-compare-caption");
      cap.append(make("div", "sn-compare-label", item.label));
      const prompt = make("div", "sn-compare-prompt");
      const tokens = prompts[i] || [];
      tokens.forEach(([text, flag], j) => {
        const tag = flag === "+" ? "ins" : flag === "-" ? "del" : "span";
        const cls = flag === "+" ? "sn-diff-ins" : flag === "-" ? "sn-diff-del" : "sn-diff-same";
        prompt.append(make(tag, cls, String(text)));
        if (j < tokens.length - 1) prompt.append(document.createTextNode(" "));
      });
      cap.append(prompt);
      captions.append(cap);
      return video;
    });
    stage.dataset.count = String(videos.length);
    captions.dataset.count = String(videos.length);
    const m = master();
    if (m) {
      m.addEventListener("timeupdate", onTime);
      m.addEventListener("loadedmetadata", onMeta);
      m.addEventListener("ended", onEnded);
    }
    wipeLabel.hidden = videos.length !== 2;
    if (videos.length !== 2) wipeBox.checked = false;
    applyWipe();
    applySpeed();
    playBtn.textContent = "Play";
  }

  function drawTable() {
    table.replaceChildren();
    const data = model.get("table") || {};
    const head = make("thead");
    const hr = make("tr");
    hr.append(make("th", "", "parameter"));
    for (const c of data.columns || []) hr.append(make("th", "", c));
    head.append(hr);
    const body = make("tbody");
    for (const row of data.rows || []) {
      const tr = make("tr", row.differs ? "sn-differs" : "");
      tr.append(make("th", "", row.name));
      for (const v of row.values) tr.append(make("td", "", v));
      body.append(tr);
    }
    table.append(head, body);
  }

  function onMeta() {
    const m = master();
    seek.max = String(m.duration || 0);
  }
  function onTime() {
    const m = master();
    seek.value = String(m.currentTime);
    time.textContent = `${fmt(m.currentTime)} / ${fmt(m.duration)}`;
    if (!m.paused) {
      for (const v of videos.slice(1)) {
        if (Math.abs(v.currentTime - m.currentTime) > 0.08) v.currentTime = m.currentTime;
      }
    }
  }
  function onEnded() {
    for (const v of videos) v.pause();
    playBtn.textContent = "Play";
  }
  function setTime(t) {
    const m = master();
    if (!m) return;
    const limit = Number.isFinite(m.duration) ? m.duration : t;
    const clamped = Math.max(0, Math.min(t, limit));
    for (const v of videos) v.currentTime = clamped;
    seek.value = String(clamped);
    time.textContent = `${fmt(clamped)} / ${fmt(m.duration)}`;
  }
  function togglePlay() {
    if (!videos.length) return;
    if (playing()) {
      for (const v of videos) v.pause();
      setTime(master().currentTime);
      playBtn.textContent = "Play";
    } else {
      setTime(master().currentTime);
      for (const v of videos) v.play().catch(() => {});
      playBtn.textContent = "Pause";
    }
  }
  function step(dir) {
    for (const v of videos) v.pause();
    playBtn.textContent = "Play";
    const m = master();
    if (m) setTime(m.currentTime + dir / (model.get("fps") || 24));
  }
  function applySpeed() {
    for (const v of videos) v.playbackRate = Number(speed.value) || 1;
  }
  function applyWipe() {
    const on = wipeBox.checked && videos.length === 2;
    stage.classList.toggle("sn-wiping", on);
    wipe.hidden = !on;
    stage.style.setProperty("--sn-wipe", `${Number(wipe.value)}%`);
  }

  const onSeek = () => setTime(Number(seek.value));
  const onBack = () => step(-1);
  const onFwd = () => step(1);
  const onKey = (event) => {
    if (event.target.tagName === "INPUT" || event.target.tagName === "SELECT") return;
    if (event.key === " " || event.key === "k") togglePlay();
    else if (event.key === ",") step(-1);
    else if (event.key === ".") step(1);
    else if (event.key === "ArrowLeft") setTime((master()?.currentTime || 0) - 1);
    else if (event.key === "ArrowRight") setTime((master()?.currentTime || 0) + 1);
    else return;
    event.preventDefault();
  };

  playBtn.addEventListener("click", togglePlay);
  backBtn.addEventListener("click", onBack);
  fwdBtn.addEventListener("click", onFwd);
  seek.addEventListener("input", onSeek);
  speed.addEventListener("change", applySpeed);
  wipeBox.addEventListener("change", applyWipe);
  wipe.addEventListener("input", applyWipe);
  root.addEventListener("keydown", onKey);
  model.on("change:items", build);
  model.on("change:prompts", build);
  model.on("change:table", drawTable);
  build();
  drawTable();

  return () => {
    model.off("change:items", build);
    model.off("change:prompts", build);
    model.off("change:table", drawTable);
    rpc.dispose();
    for (const v of videos) {
      v.pause();
      v.removeAttribute("src");
      v.load();
    }
    for (const url of blobs) URL.revokeObjectURL(url);
    root.remove();
  };
}

export default { render };
