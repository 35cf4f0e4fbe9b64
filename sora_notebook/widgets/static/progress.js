// Progress between messages: the formula of `studio/progress.py` and its words.

import { duration } from "./format.js";
import { ACTIVE } from "./jobs.js";

// The Progress formula of the engine: never backwards, 1 only when completed.
export function progressAt(p, nowSeconds) {
  if (!p) return 0;
  const [fraction, left, asOf] = p;
  if (fraction >= 1) return 1;
  if (!left) return fraction;
  return Math.max(fraction, Math.min(0.99, fraction + ((nowSeconds - asOf) * (1 - fraction)) / left));
}

// The kernel's clock, estimated from the time it sent with the last state (its machine
// and the browser's may disagree); all progress and elapsed times are on that clock.
export const kernelClock = { offset: 0 };

export function kernelNow() {
  return Date.now() / 1000 + kernelClock.offset;
}

export function timeText(job, now, fraction) {
  if (job.status === "completed") return job.done ? `took ${duration(job.done - job.submitted)}` : "done";
  if (!ACTIVE.has(job.status)) return job.done ? `ended after ${duration(job.done - job.submitted)}` : "";
  const parts = [`${Math.round(fraction * 100)}%`, `${duration(now - job.submitted)} elapsed`];
  const [, left, asOf, source] = job.p || [];
  if (left) {
    const remaining = left - (now - asOf);
    parts.push(remaining > 1 ? `about ${duration(remaining)} left` : "taking longer than usual");
    if (source === "predicted") parts.push("estimated from earlier videos");
  } else if (job.status !== "in_progress") parts.push("waiting for the server");
  return parts.join(" · ");
}
