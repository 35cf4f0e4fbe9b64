// Progress between messages: the formula of `studio/progress.py` and its words.

import { duration } from "./format.js";
import { ACTIVE } from "./jobs.js";

/** Where an unfinished job's fraction stops: only the server's `completed` is 1. */
export const CEILING = 0.99;
/** Under this many seconds to go by the estimate, a job is taking longer than estimated. */
export const DUE = 1;

/**
 * `Progress.at` of `studio/progress.py`: the straight line from `fraction` at `asOf` to 1
 * at `asOf + secondsLeft`, at most `CEILING`, never below `fraction`.
 * @param {import("./jobs.js").ProgressParams | null | undefined} p
 * @param {number} nowSeconds
 */
export function progressAt(p, nowSeconds) {
  if (!p) return 0;
  const [fraction, left, asOf] = p;
  if (fraction >= 1) return 1;
  if (!left) return fraction;
  return Math.max(fraction, Math.min(CEILING, fraction + ((nowSeconds - asOf) * (1 - fraction)) / left));
}

// The kernel's clock, estimated from the time it sent with the last state (its machine
// and the browser's may disagree); all progress and elapsed times are on that clock.
export const kernelClock = { offset: 0 };

export function kernelNow() {
  return Date.now() / 1000 + kernelClock.offset;
}

/** What each basis of an estimate adds to the time left (`Source` in `progress.py`). */
const BASIS_WORDS = {
  server: "",
  history: "estimated from earlier videos",
  pace: "a rough guess: no earlier video of this kind yet",
};

/**
 * The card's words for a job's time: done, how far, how long, and what the estimate
 * rests on; past its estimate it says so instead of a percentage and seconds left.
 * @param {import("./jobs.js").JobState} job
 * @param {number} now kernel seconds
 * @param {number} fraction what the bar shows
 */
export function timeText(job, now, fraction) {
  if (job.status === "completed") return job.done ? `took ${duration(job.done - job.submitted)}` : "done";
  if (!ACTIVE.has(job.status)) return job.done ? `ended after ${duration(job.done - job.submitted)}` : "";
  const elapsed = `${duration(now - job.submitted)} elapsed`;
  const [, left, asOf, basis] = job.p || [null, null, 0, ""];
  const remaining = left ? left - (now - asOf) : null;
  // Past its estimate the bar's number means little: say so, with no time left.
  if (remaining !== null && (basis === "overdue" || remaining < DUE)) return `${elapsed} · taking longer than estimated`;
  const parts = [`${Math.floor(fraction * 100)}%`, elapsed];
  if (remaining !== null) parts.push(`about ${duration(remaining)} left`, BASIS_WORDS[/** @type {keyof BASIS_WORDS} */ (basis)] || "");
  else if (job.status !== "in_progress") parts.push("waiting for the server");
  return parts.filter(Boolean).join(" · ");
}
