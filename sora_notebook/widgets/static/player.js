// Players: a <video> for one job (URL or bytes, poster, spritesheet scrub on hover),
// the main player with its frame picker, and downloads.

import { messageOf } from "./channel.js";
import { button, make } from "./dom.js";

export function videoFor(ctx, job, { eager = false, testid = "sn-video" } = {}) {
  const box = make("div", "sn-media");
  const video = make("video", "sn-video");
  video.controls = true;
  video.playsInline = true;
  video.preload = "none";
  video.dataset.testid = testid;
  video.dataset.key = job.key;
  video.setAttribute("aria-label", `Video: ${job.prompt.slice(0, 120)}`);
  const [w, h] = String(job.size || "").split("x").map(Number);
  if (w > 0 && h > 0) box.style.aspectRatio = `${w} / ${h}`;
  if (h > w) box.classList.add("sn-portrait");
  const scrub = make("div", "sn-scrub");
  scrub.hidden = true;
  box.append(video, scrub);
  const media = job.media || {};
  if (media.thumbnail !== undefined) {
    ctx.store.url(job, "thumbnail").then((u) => { if (!video.poster) video.poster = u; }, () => {});
  }
  let loading = null;
  const load = () => {
    if (!loading && media.video !== undefined) {
      loading = ctx.store.url(job, "video").then((u) => { video.src = u; return u; });
      loading.catch((err) => { box.dataset.error = err.message; loading = null; });
    }
    return loading || Promise.reject(new Error("This video has no local file (yet)."));
  };
  video.addEventListener("play", () => { scrub.hidden = true; if (!video.src) load().then(() => video.play().catch(() => {})); });
  let viaKernel = false;
  video.addEventListener("error", () => {
    // A files/ URL this front end does not serve: ask the kernel for the bytes once.
    if (viaKernel || !video.src || video.src.startsWith("blob:")) return;
    viaKernel = true;
    loading = ctx.store.url(job, "video", true).then((u) => { video.src = u; return u; });
    loading.catch((err) => { box.dataset.error = err.message; });
  });
  if (eager) load().catch(() => {});
  if (media.grid) attachScrub(ctx, box, video, scrub, job);
  return { box, video, load };
}

function attachScrub(ctx, box, video, scrub, job) {
  const [cols, rows, frames] = job.media.grid;
  let sheet = null;
  const show = (event) => {
    if (!sheet || !video.paused || video.currentTime > 0) return;
    const rect = box.getBoundingClientRect();
    const f = rect.width ? (event.clientX - rect.left) / rect.width : 0;
    const i = Math.min(frames - 1, Math.max(0, Math.floor(f * frames)));
    scrub.style.backgroundImage = `url("${sheet.replace(/["\\]/g, "")}")`;
    scrub.style.backgroundSize = `${cols * 100}% ${rows * 100}%`;
    const x = cols > 1 ? ((i % cols) / (cols - 1)) * 100 : 0;
    const y = rows > 1 ? (Math.floor(i / cols) / (rows - 1)) * 100 : 0;
    scrub.style.backgroundPosition = `${x}% ${y}%`;
    scrub.hidden = false;
  };
  box.addEventListener("mouseenter", (event) => {
    ctx.store.url(job, "spritesheet").then((u) => { sheet = u; show(event); }, () => {});
  });
  box.addEventListener("mousemove", show);
  box.addEventListener("mouseleave", () => { scrub.hidden = true; });
  scrub.addEventListener("click", () => { scrub.hidden = true; video.play().catch(() => {}); });
}

function playWithSound(video) {
  // Browsers may refuse sound without a recent click: then play muted.
  return video.play().catch(() => { video.muted = true; return video.play().catch(() => {}); });
}

export function downloadJob(ctx, job) {
  ctx.store.url(job, "video").then((href) => {
    const a = make("a");
    a.href = href;
    a.download = `${(job.prompt || "video").slice(0, 40).replace(/[^\w -]+/g, "").trim() || "video"}.mp4`;
    a.click();
  }, (err) => ctx.say(err.message, "error"));
}

function captureFrame(ctx, video, job, status) {
  if (!video.videoWidth) {
    status.textContent = "Play or seek the video first, then use the frame.";
    return;
  }
  const canvas = make("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const drawing = canvas.getContext("2d");
  if (!drawing) { status.textContent = "This frame cannot be captured here."; return; }
  drawing.drawImage(video, 0, 0);
  const time = video.currentTime;
  canvas.toBlob(async (blob) => {
    if (!blob) { status.textContent = "This frame cannot be captured here."; return; }
    try {
      await ctx.rpc.request("frame", { key: job.key, time }, [await blob.arrayBuffer()]);
      status.textContent = `The frame at ${time.toFixed(2)} s is the reference of the next video.`;
      ctx.focusPrompt();
    } catch (err) {
      status.textContent = messageOf(err);
    }
  }, "image/png");
}

export function mainPlayer(ctx) {
  const section = make("section", "sn-main-player");
  section.dataset.testid = "sn-main-player";
  section.hidden = true;
  const holder = make("div", "sn-main-media");
  const caption = make("div", "sn-caption");
  const bar = make("div", "sn-row");
  const frameBtn = button("Use a frame as reference", "sn-use-frame", "Use the frame shown now as the first frame of a new video");
  const dlBtn = button("Download", "sn-download-main", "Download the MP4");
  const closeBtn = button("Close player", "sn-close-player");
  const status = make("div", "sn-muted");
  status.setAttribute("aria-live", "polite");
  bar.append(frameBtn, dlBtn, closeBtn, status);
  section.append(holder, caption, bar);
  let current = null;
  let shownKey = "";
  let closed = "";
  function update(force) {
    const key = ctx.model.get("playing");
    if (force) { closed = ""; shownKey = ""; }
    const job = closed === key ? null : ctx.byKey.get(key);
    section.hidden = !job;
    if (!job) { holder.replaceChildren(); shownKey = ""; current = null; return; }
    caption.textContent = job.prompt;
    if (key === shownKey && current) return;
    shownKey = key;
    current = videoFor(ctx, job, { eager: true, testid: "sn-main-video" });
    holder.replaceChildren(current.box);
    status.textContent = "";
    current.load().then(() => playWithSound(current.video), (err) => { status.textContent = err.message; });
  }
  frameBtn.addEventListener("click", () => current && captureFrame(ctx, current.video, ctx.byKey.get(shownKey), status));
  dlBtn.addEventListener("click", () => shownKey && downloadJob(ctx, ctx.byKey.get(shownKey)));
  closeBtn.addEventListener("click", () => { if (current) current.video.pause(); section.hidden = true; closed = shownKey; shownKey = ""; current = null; holder.replaceChildren(); });
  return { el: section, update, showFrame: () => frameBtn.focus() };
}
