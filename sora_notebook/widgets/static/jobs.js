// The job list in the page: patches from Python applied, filtered and ordered (pure).

/**
 * A job's progress as `widgets/state.py` sends it: the parameters of `Progress.at`
 * (`studio/progress.py`) and what the estimate rests on.
 * @typedef {[fraction: number, secondsLeft: number | null, asOf: number, basis: string]} ProgressParams
 */

/**
 * One job as Python draws it (`widgets/state.py: job_state`).
 * @typedef {object} JobState
 * @property {string} key
 * @property {string} status
 * @property {ProgressParams | null} [p]
 * @property {string} prompt
 * @property {string} [model]
 * @property {string} [target] "backend:model"
 * @property {string | null} [person] who made it (a team library)
 * @property {number} [kids] videos made from it
 * @property {string} [size]
 * @property {string} [seconds]
 * @property {string | null} [parent]
 * @property {string} [from]
 * @property {number | null} [cost]
 * @property {number | null} [billed]
 * @property {number} submitted
 * @property {number | null} [done]
 * @property {number} [rating]
 * @property {string} [notes]
 * @property {string[]} tags
 * @property {string} [error]
 * @property {string} [hint]
 * @property {boolean} [ref]
 * @property {Record<string, any>} [media]
 */

/**
 * A patch of the job list (`widgets/patches.py`).
 * @typedef {object} JobPatch
 * @property {number} [seq]
 * @property {JobState[]} [changed]
 * @property {(Partial<JobState> & {key: string})[]} [fields]
 * @property {string[]} [removed]
 * @property {string[]} [order]
 */

/**
 * The card grid's filters.
 * @typedef {{q: string, status: string, rating: string, tag: string, group: boolean, person?: string}} Filters
 */

export const ACTIVE = new Set(["pending", "queued", "in_progress"]);

/**
 * The jobs after one patch from Python (`patches.py`): changed jobs replace theirs by
 * key, `fields` update only the fields they name, removed keys go, and the order is the
 * patch's when it has one, else the old order with new keys appended.
 * @param {JobState[]} jobs
 * @param {JobPatch} patch
 * @returns {JobState[]}
 */
export function patchJobs(jobs, patch) {
  /** @type {Map<string, JobState>} */
  const byKey = new Map(jobs.map((j) => [j.key, j]));
  for (const key of patch.removed || []) byKey.delete(key);
  const order = patch.order || [...jobs.map((j) => j.key), ...(patch.changed || []).map((j) => j.key).filter((k) => !byKey.has(k))];
  for (const job of patch.changed || []) byKey.set(job.key, job);
  for (const part of patch.fields || []) {
    const old = byKey.get(part.key);
    if (old) byKey.set(part.key, { ...old, ...part });
  }
  return order.flatMap((k) => byKey.get(k) ?? []);
}

/** The person filter's value for jobs made before the library kept people. */
export const NOBODY = "\u0000earlier";

/**
 * Whether `job` passes the grid's filters.
 * @param {JobState} job
 * @param {Filters} f
 */
export function keep(job, f) {
  if (f.person && (job.person ?? NOBODY) !== f.person) return false;
  if (f.q && !job.prompt.toLowerCase().includes(f.q)) return false;
  if (f.status === "active" && !ACTIVE.has(job.status)) return false;
  if (f.status === "completed" && job.status !== "completed") return false;
  if (f.status === "failed" && !job.error) return false;
  if (f.rating === "unrated" && job.rating) return false;
  if (/^\d$/.test(f.rating) && !((job.rating || 0) >= Number(f.rating))) return false;
  if (f.tag && !job.tags.some((t) => t.toLowerCase().includes(f.tag))) return false;
  return true;
}

/**
 * Newest first; with `group`, each lineage together (oldest first inside it), the
 * lineage with the newest job first.
 * @param {JobState[]} jobs
 * @param {boolean} group
 * @returns {JobState[]}
 */
export function ordered(jobs, group) {
  const newest = [...jobs].sort((a, b) => b.submitted - a.submitted || (a.key < b.key ? 1 : -1));
  if (!group) return newest;
  const byKey = new Map(jobs.map((j) => [j.key, j]));
  /** @param {JobState} j */
  const root = (j) => {
    let r = j;
    const seen = new Set();
    for (let up = r.parent && byKey.get(r.parent); up && !seen.has(r.key); up = r.parent && byKey.get(r.parent)) {
      seen.add(r.key);
      r = up;
    }
    return r.key;
  };
  /** @type {Map<string, number>} */
  const latest = new Map();
  for (const j of newest) { const r = root(j); if (!latest.has(r)) latest.set(r, latest.size); }
  const rank = (/** @type {JobState} */ j) => latest.get(root(j)) ?? 0;
  return newest.sort((a, b) => rank(a) - rank(b) || a.submitted - b.submitted);
}

/**
 * One row per prompt (the newest prompt first) and one column per model: each job with
 * its column (1-based) in `targets` order, the targets sorted by name.
 * @param {JobState[]} jobs
 * @returns {{ jobs: JobState[], columns: Map<string, number>, targets: string[] }}
 */
export function byPrompt(jobs) {
  const newest = ordered(jobs, false);
  const targetOf = (/** @type {JobState} */ j) => j.target || j.model || "server default";
  const targets = [...new Set(newest.map(targetOf))].sort();
  /** @type {Map<string, number>} */
  const row = new Map();
  for (const j of newest) if (!row.has(j.prompt)) row.set(j.prompt, row.size);
  const col = (/** @type {JobState} */ j) => targets.indexOf(targetOf(j));
  const sorted = [...newest].sort((a, b) => (row.get(a.prompt) ?? 0) - (row.get(b.prompt) ?? 0) || col(a) - col(b) || a.submitted - b.submitted);
  return { jobs: sorted, columns: new Map(sorted.map((j) => [j.key, col(j) + 1])), targets };
}

