/** z for a two-sided 95% interval. */
const Z = 1.959964;

/** Wilson score interval of a proportion: sound at small n and at 0 or n successes. */
export function wilson(successes: number, n: number, z = Z): [number, number] {
  if (n === 0) return [0, 1];
  const p = successes / n;
  const denominator = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denominator;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * Newcombe's hybrid score interval (method 10) of p1 − p2 for two independent proportions, built
 * from their Wilson intervals: unlike the Wald interval it keeps its coverage when a pass rate is 0
 * or 1, which a note with a clear effect produces.
 */
export function newcombe(x1: number, n1: number, x2: number, n2: number, z = Z): [number, number] {
  const p1 = n1 === 0 ? 0 : x1 / n1;
  const p2 = n2 === 0 ? 0 : x2 / n2;
  const [l1, u1] = wilson(x1, n1, z);
  const [l2, u2] = wilson(x2, n2, z);
  const d = p1 - p2;
  const round = (v: number) => Math.round(v * 1e4) / 1e4;
  return [round(d - Math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)), round(d + Math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))];
}
