// Words and numbers as the view shows them (pure: no page, no clock).

/** Seconds as "42 s", "2 min 05 s" or "1 h 07 min"; "—" when unknown. @param {number | null | undefined} seconds */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || seconds < 0) return "—";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${String(s % 60).padStart(2, "0")} s` : `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

/** Dollars with cents, or "unknown" (never $0.00 for a price not known). @param {number | null | undefined} value */
export function money(value) {
  if (value === null || value === undefined) return "unknown";
  return `$${Number(value).toFixed(2)}`;
}

/**
 * What a job cost: billed, not billed, or its quote.
 * @param {{billed?: number | null, cost?: number | null}} job
 */
export function billedText(job) {
  if (job.billed === 0) return "not billed";
  if (job.billed === null || job.billed === undefined) return job.cost === null || job.cost === undefined ? "" : `quote ${money(job.cost)}`;
  return `billed ${money(job.billed)}`;
}

/** `text` on one line, cut to `n` characters with an ellipsis. @param {unknown} text @param {number} n */
export function short(text, n) {
  const t = String(text || "").replace(/\s+/g, " ").trim();
  return t.length <= n ? t : `${t.slice(0, n - 1)}…`;
}

export const RATING_LABELS = ["rate", "★", "★★", "★★★", "★★★★", "★★★★★"];
