// PlayerView: one MP4 by URL, or by bytes over the widget channel when the URL fails.
// Python owns the state (src, poster, sprite, picking); this file only draws it.
// Text reaches the page through textContent only.

const MIME = { video: "video/mp4", spritesheet: "image/jpeg", thumbnail: "image/webp" };

function render({ model, el }) {
  const rpc = requester(model);
  const blobs = [];
  const root = make("div", "sn-player-root");
  const box = make("div", "sn-player-box");
  const video = make("video", "sn-player");
  video.controls = true;
  video.playsInline = true;
  video.preload = "metadata";
  video.dataset.testid = "sn-player";
  const scrub = make("div", "sn-scrub");
  scrub.hidden = true;
  scrub.tabIndex = -1;
  const status = make("div", "sn-player-status");
  status.setAttribute("aria-live", "polite");
  const bar = make("div", "sn-player-bar");
  const pick = make("button", "sn-use-frame", "Use this frame");
  pick.type = "button";
  pick.dataset.testid = "sn-use-frame";
  box.append(video, scrub);
  bar.append(pick);
  root.append(box, status, bar);
  el.append(root);

  let triedBytes = false;
  let spriteUrl = null;
  let spriteLoading = null;

  async function viaBytes(variant) {
    const { result, buffers } = await rpc.request("media", { variant });
    const blob = new Blob(buffers, { type: (result && result.mime) || MIME[variant] });
    const url = URL.createObjectURL(blob);
    blobs.push(url);
    return url;
  }

  async function fallback() {
    if (triedBytes || !model.get("has_video")) return;
    triedBytes = true;
    status.textContent = "Loading the video over the kernel connection…";
    try {
      video.src = await viaBytes("video");
      status.textContent = "";
    } catch (err) {
      status.textContent = `Cannot play this video: ${err.message}`;
    }
  }

  function load() {
    triedBytes = false;
    spriteUrl = null;
    spriteLoading = null;
    const poster = model.get("poster");
    if (poster) video.poster = poster;
    else video.removeAttribute("poster");
    video.setAttribute("aria-label", model.get("label") || "video");
    root.classList.toggle("sn-compact", model.get("compact"));
    if (!model.get("has_video")) {
      video.removeAttribute("src");
      status.textContent = model.get("message") || "";
      return;
    }
    status.textContent = model.get("message") || "";
    const url = resolveUrl(model.get("src"));
    if (url) video.src = url;
    else if (model.get("compact")) {
      // a card: fetch the bytes only when someone plays it
      video.removeAttribute("src");
      video.preload = "none";
    } else fallback();
  }

  function showPicking() {
    bar.hidden = !model.get("picking");
    root.classList.toggle("sn-picking", model.get("picking"));
  }

  // Spritesheet scrub: shown over the poster before playback starts.
  function sprite() {
    const s = model.get("sprite") || {};
    return s.frames > 0 && s.cols > 0 && s.rows > 0 ? s : null;
  }
  function loadSprite(s) {
    if (spriteUrl) return Promise.resolve(spriteUrl);
    if (spriteLoading) return spriteLoading;
    const direct = resolveUrl(s.url);
    spriteLoading = new Promise((resolve) => {
      if (!direct) return resolve(null);
      const img = new Image();
      img.onload = () => resolve(direct);
      img.onerror = () => resolve(null);
      img.src = direct;
    })
      .then((url) => url || viaBytes("spritesheet"))
      .then((url) => (spriteUrl = url))
      .catch(() => null);
    return spriteLoading;
  }
  function scrubTo(fraction) {
    const s = sprite();
    if (!s || !spriteUrl) return;
    const i = Math.min(s.frames - 1, Math.max(0, Math.floor(fraction * s.frames)));
    const col = i % s.cols;
    const row = Math.floor(i / s.cols);
    scrub.style.backgroundImage = `url("${spriteUrl.replace(/["\\]/g, "")}")`;
    scrub.style.backgroundSize = `${s.cols * 100}% ${s.rows * 100}%`;
    const x = s.cols > 1 ? (col / (s.cols - 1)) * 100 : 0;
    const y = s.rows > 1 ? (row / (s.rows - 1)) * 100 : 0;
    scrub.style.backgroundPosition = `${x}% ${y}%`;
  }
  const onEnter = (event) => {
    const s = sprite();
    if (!s || !video.paused || video.currentTime > 0 || model.get("picking")) return;
    loadSprite(s).then((url) => {
      if (!url || !video.paused || video.currentTime > 0) return;
      scrub.hidden = false;
      const rect = box.getBoundingClientRect();
      scrubTo(rect.width ? (event.clientX - rect.left) / rect.width : 0);
    });
  };
  const onMove = (event) => {
    if (scrub.hidden) return;
    const rect = box.getBoundingClientRect();
    scrubTo(rect.width ? (event.clientX - rect.left) / rect.width : 0);
  };
  const onLeave = () => {
    scrub.hidden = true;
  };
  const onScrubClick = () => {
    scrub.hidden = true;
    video.play().catch(() => {});
  };
  const onPlay = () => {
    scrub.hidden = true;
    if (!video.currentSrc && model.get("has_video") && !triedBytes) {
      fallback().then(() => video.play().catch(() => {}));
    }
  };
  const onError = () => fallback();

  const onPick = () => {
    if (!video.videoWidth) {
      status.textContent = "Play or seek the video first, then pick the frame.";
      return;
    }
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    const time = video.currentTime;
    canvas.toBlob(async (blob) => {
      if (!blob) {
        status.textContent = "This frame cannot be captured here.";
        return;
      }
      try {
        await rpc.request("frame", { time }, [await blob.arrayBuffer()]);
        status.textContent = `Frame at ${time.toFixed(2)} s is now the reference.`;
      } catch (err) {
        status.textContent = err.message;
      }
    }, "image/png");
  };

  const onCommand = (msg) => {
    if (!msg || msg.kind !== "command") return;
    if (msg.name === "play") {
      // Browsers may refuse sound without a recent click: then play muted.
      video.play().catch(() => {
        video.muted = true;
        video.play().catch(() => {});
      });
    }
    else if (msg.name === "pause") video.pause();
    else if (msg.name === "seek") video.currentTime = Number(msg.args && msg.args.time) || 0;
    else if (msg.name === "download") {
      const ready = video.currentSrc || video.src ? Promise.resolve() : fallback();
      ready.then(() => {
        const href = video.currentSrc || video.src;
        if (!href) return;
        const a = document.createElement("a");
        a.href = href;
        a.download = (msg.args && msg.args.filename) || "video.mp4";
        a.click();
      });
    }
  };

  box.addEventListener("mouseenter", onEnter);
  box.addEventListener("mousemove", onMove);
  box.addEventListener("mouseleave", onLeave);
  scrub.addEventListener("click", onScrubClick);
  video.addEventListener("play", onPlay);
  video.addEventListener("error", onError);
  pick.addEventListener("click", onPick);
  model.on("msg:custom", onCommand);
  model.on("change:src", load);
  model.on("change:has_video", load);
  model.on("change:poster", load);
  model.on("change:message", load);
  model.on("change:picking", showPicking);
  load();
  showPicking();

  return () => {
    model.off("msg:custom", onCommand);
    model.off("change:src", load);
    model.off("change:has_video", load);
    model.off("change:poster", load);
    model.off("change:message", load);
    model.off("change:picking", showPicking);
    rpc.dispose();
    video.pause();
    video.removeAttribute("src");
    video.load();
    for (const url of blobs) URL.revokeObjectURL(url);
    root.remove();
  };
}

export default { render };
