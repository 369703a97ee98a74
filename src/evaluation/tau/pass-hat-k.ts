/** Upstream counts a trial as passed when its reward is 1 (within float error). */
const passed = (reward: number) => reward >= 1 - 1e-6;

/**
 * τ-bench's pass^k: the chance that k trials of a task, drawn from its n without replacement, all
 * pass, C(c, k) / C(n, k) with c of the n passed, averaged over tasks. An unbiased estimate of the
 * probability that k independent attempts all succeed; pass^1 is the mean reward.
 */
export function passHatK(trials: { task_id: number; reward: number }[], k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`pass^k needs a whole k ≥ 1, got ${k}`);
  const byTask = new Map<number, { n: number; c: number }>();
  for (const { task_id, reward } of trials) {
    const counts = byTask.get(task_id) ?? { n: 0, c: 0 };
    counts.n += 1;
    if (passed(reward)) counts.c += 1;
    byTask.set(task_id, counts);
  }
  if (byTask.size === 0) throw new RangeError('pass^k of no trials');
  let sum = 0;
  for (const [taskId, { n, c }] of byTask) {
    if (n < k) throw new RangeError(`pass^${k} needs at least ${k} trials per task; task ${taskId} has ${n}`);
    // C(c, k) / C(n, k) = ∏ (c − i) / (n − i) for i < k, without factorials that overflow.
    let ratio = 1;
    for (let i = 0; i < k; i++) ratio *= Math.max(0, c - i) / (n - i);
    sum += ratio;
  }
  return sum / byTask.size;
}

/** pass^1 … pass^n for the smallest trial count n of any task. */
export function passHatKs(trials: { task_id: number; reward: number }[]): Record<string, number> {
  const counts = new Map<number, number>();
  for (const { task_id } of trials) counts.set(task_id, (counts.get(task_id) ?? 0) + 1);
  const n = Math.min(...counts.values());
  return Object.fromEntries(Array.from({ length: Number.isFinite(n) ? n : 0 }, (_, i) => [`pass^${i + 1}`, passHatK(trials, i + 1)]));
}
