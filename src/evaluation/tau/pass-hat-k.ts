/** Upstream counts a trial as passed when its reward is 1 (within float error). */
const passed = (reward: number) => reward >= 1 - 1e-6;

/**
 * Each task's C(c, k) / C(n, k), c of its n trials passed: the chance that k of its trials, drawn
 * without replacement, all pass. By task, so a bootstrap over tasks can resample them.
 */
export function passHatKByTask(trials: { task_id: number; reward: number }[], k: number): Map<number, number> {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`pass^k needs a whole k ≥ 1, got ${k}`);
  const byTask = new Map<number, { n: number; c: number }>();
  for (const { task_id, reward } of trials) {
    const counts = byTask.get(task_id) ?? { n: 0, c: 0 };
    counts.n += 1;
    if (passed(reward)) counts.c += 1;
    byTask.set(task_id, counts);
  }
  if (byTask.size === 0) throw new RangeError('pass^k of no trials');
  const result = new Map<number, number>();
  for (const [taskId, { n, c }] of byTask) {
    if (n < k) throw new RangeError(`pass^${k} needs at least ${k} trials per task; task ${taskId} has ${n}`);
    // C(c, k) / C(n, k) = ∏ (c − i) / (n − i) for i < k, without factorials that overflow.
    let ratio = 1;
    for (let i = 0; i < k; i++) ratio *= Math.max(0, c - i) / (n - i);
    result.set(taskId, ratio);
  }
  return result;
}

/**
 * τ-bench's pass^k: the per-task chance above averaged over tasks. An unbiased estimate of the
 * probability that k independent attempts all succeed; pass^1 is the mean reward.
 */
export function passHatK(trials: { task_id: number; reward: number }[], k: number): number {
  const byTask = [...passHatKByTask(trials, k).values()];
  return byTask.reduce((a, b) => a + b, 0) / byTask.length;
}

/** pass^1 … pass^n for the smallest trial count n of any task. */
export function passHatKs(trials: { task_id: number; reward: number }[]): Record<string, number> {
  const counts = new Map<number, number>();
  for (const { task_id } of trials) counts.set(task_id, (counts.get(task_id) ?? 0) + 1);
  const n = Math.min(...counts.values());
  return Object.fromEntries(Array.from({ length: Number.isFinite(n) ? n : 0 }, (_, i) => [`pass^${i + 1}`, passHatK(trials, i + 1)]));
}
