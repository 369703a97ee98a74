/**
 * Pure statistics for the reports of both harnesses: a bootstrap clustered by scenario (or τ-bench
 * task), paired differences, ratios of differences, bootstrap p-values, Holm's step-down, win rates.
 */

/** A small seeded generator (mulberry32): the same seed gives the same intervals on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function mean(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** The p-quantile of sorted values, interpolating linearly between order statistics (R's type 7). */
export function quantile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * p;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

export interface Estimate {
  mean: number;
  /** 95% percentile bootstrap interval; equal to the mean when there is one scenario or no spread. */
  ci: [number, number];
  /** Units (scenario × seed, or task × trial) with a value. */
  n: number;
  /** Scenarios (clusters) with a value: the number of independent draws the interval rests on. */
  scenarios: number;
}

/** One unit's values by arm (or by comparison, for pairwise verdicts); an arm may lack a value. */
export type Row = Partial<Record<string, number>>;

/** Rows grouped by the scenario they belong to: the seeds of one scenario are not independent. */
export type ClusteredTable = Map<string, Row[]>;

/**
 * Which scenarios each bootstrap draw takes, drawn once and shared by every statistic of a report,
 * so that arms, differences and ratios are all recomputed on the same resampled scenarios.
 */
export interface Resamples {
  clusters: string[];
  draws: Uint32Array[];
}

export function resampleClusters(clusters: Iterable<string>, iterations: number, seed: number): Resamples {
  const sorted = [...new Set(clusters)].sort();
  const random = seededRandom(seed);
  const draws = Array.from({ length: sorted.length === 0 ? 0 : iterations }, () => Uint32Array.from(sorted, () => Math.floor(random() * sorted.length)));
  return { clusters: sorted, draws };
}

/** A row's contribution to a mean: its value, or undefined when the row does not count. */
export type RowValue = (row: Row) => number | undefined;

export const armValue =
  (arm: string): RowValue =>
  (row) =>
    row[arm];

/** arm − other on the rows that have both: a paired difference. */
export const differenceValue =
  (arm: string, other: string): RowValue =>
  (row) => {
    const a = row[arm];
    const b = row[other];
    return a === undefined || b === undefined ? undefined : a - b;
  };

/** A mean over units, observed and as recomputed on every bootstrap draw. */
export interface Bootstrapped {
  estimate: Estimate;
  /** One value per draw; NaN when a draw held no scenario with a value. */
  draws: Float64Array;
}

/**
 * The mean of `value` over all units, and its bootstrap distribution when whole scenarios are
 * resampled with all their seeds: per scenario the sum and count are taken once, so each draw
 * costs one pass over its scenarios.
 */
export function bootstrapMean(table: ClusteredTable, resamples: Resamples, value: RowValue): Bootstrapped {
  const sums = new Float64Array(resamples.clusters.length);
  const counts = new Float64Array(resamples.clusters.length);
  resamples.clusters.forEach((cluster, i) => {
    for (const row of table.get(cluster) ?? []) {
      const v = value(row);
      if (v === undefined) continue;
      sums[i]! += v;
      counts[i]! += 1;
    }
  });
  const draws = new Float64Array(resamples.draws.length);
  resamples.draws.forEach((draw, d) => {
    let sum = 0;
    let count = 0;
    for (const i of draw) {
      sum += sums[i]!;
      count += counts[i]!;
    }
    draws[d] = count === 0 ? Number.NaN : sum / count;
  });
  const n = counts.reduce((a, b) => a + b, 0);
  const total = sums.reduce((a, b) => a + b, 0);
  const observed = n === 0 ? Number.NaN : total / n;
  return { estimate: { mean: observed, ci: interval(draws, observed, 0.05), n, scenarios: counts.filter((c) => c > 0).length }, draws };
}

const finiteSorted = (draws: Float64Array): number[] => [...draws].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);

/** The percentile interval at level 1 − alpha; the observed value itself when no draw is usable. */
export function interval(draws: Float64Array, observed: number, alpha: number): [number, number] {
  const sorted = finiteSorted(draws);
  if (sorted.length === 0) return [observed, observed];
  return [quantile(sorted, alpha / 2), quantile(sorted, 1 - alpha / 2)];
}

/**
 * The two-sided bootstrap p-value of "no difference": twice the smaller share of draws on either
 * side of 0, with the +1 of Davison & Hinkley so that no finite resampling claims p = 0.
 */
export function bootstrapP(draws: Float64Array): number {
  const sorted = finiteSorted(draws);
  if (sorted.length === 0) return 1;
  const below = sorted.filter((v) => v <= 0).length;
  const above = sorted.filter((v) => v >= 0).length;
  return Math.min(1, (2 * (Math.min(below, above) + 1)) / (sorted.length + 1));
}

/** The ratio of two bootstrapped means, draw by draw (e.g. the share of a gap that an arm recovers). */
export function ratioDraws(numerator: Bootstrapped, denominator: Bootstrapped): Float64Array {
  return numerator.draws.map((v, i) => v / denominator.draws[i]!);
}

/** One hypothesis of a Holm family: a difference whose interval is tested against 0. */
export interface HolmInput {
  key: string;
  observed: number;
  draws: Float64Array;
}

export interface HolmResult {
  /** Raw two-sided bootstrap p. */
  p: number;
  /** Holm-adjusted p: max over the smaller raw p's of min(1, (m − rank) × p), ranks from 0. */
  p_holm: number;
  /** The level the adjusted interval is taken at (1 − alpha_holm). */
  alpha_holm: number;
  /** The percentile interval at that level: it excludes 0 exactly when Holm's procedure rejects. */
  ci_holm: [number, number];
  rejected: boolean;
}

const excludesZero = ([lo, hi]: [number, number]) => lo > 0 || hi < 0;

/**
 * Holm's step-down over a family at family-wise level `alpha`, stated as intervals: by ascending
 * raw p, the hypothesis of rank r (from 0) is tested with the interval at level 1 − alpha/(m − r),
 * and once one is not rejected every later one keeps that same (stricter than its own) level, so
 * an adjusted interval excludes 0 if and only if the procedure rejects its hypothesis.
 */
export function holm(family: HolmInput[], alpha = 0.05): Record<string, HolmResult> {
  const m = family.length;
  const ranked = family.map((h) => ({ ...h, p: bootstrapP(h.draws) })).sort((a, b) => a.p - b.p || a.key.localeCompare(b.key));
  const result: Record<string, HolmResult> = {};
  let stoppedAt: number | undefined;
  let adjusted = 0;
  ranked.forEach((h, rank) => {
    adjusted = Math.max(adjusted, Math.min(1, (m - rank) * h.p));
    const level = stoppedAt ?? alpha / (m - rank);
    const ci = interval(h.draws, h.observed, level);
    const rejected = stoppedAt === undefined && excludesZero(ci);
    if (!rejected && stoppedAt === undefined) stoppedAt = level;
    result[h.key] = { p: h.p, p_holm: adjusted, alpha_holm: level, ci_holm: ci, rejected };
  });
  return result;
}

export type Winner = 'A' | 'B' | 'tie';

/** 1 when the arm won the judgement, 0.5 for a tie, 0 when the other conversation won. */
export function winValue(winner: Winner, armShownAs: 'A' | 'B'): number {
  if (winner === 'tie') return 0.5;
  return winner === armShownAs ? 1 : 0;
}

export interface SwappedJudgement {
  /** The verdict with the arm's conversation shown second, as B. */
  armSecond: Winner;
  /** The verdict with the arm's conversation shown first, as A. */
  armFirst: Winner;
}

/**
 * The arm's score for one pair judged in both orders: the mean of the two win values, so a judge
 * that always prefers one position scores every pair 0.5 instead of favouring an arm.
 */
export function swappedWinValue(j: SwappedJudgement): number {
  return (winValue(j.armSecond, 'B') + winValue(j.armFirst, 'A')) / 2;
}

/** Whether both orders named the same conversation (or both said tie): how far to trust the judge. */
export function consistent(j: SwappedJudgement): boolean {
  return winValue(j.armSecond, 'B') === winValue(j.armFirst, 'A');
}

export interface WinTally {
  /** Judgements (two per pair) the arm won, tied and lost. */
  wins: number;
  ties: number;
  losses: number;
  /** Mean of the pairs' swapped win values: ties count half. */
  win_rate: number;
  pairs: number;
  /** Share of pairs whose two orders agreed. */
  position_consistency: number;
}

export function tallyWins(judgements: SwappedJudgement[]): WinTally {
  const values = judgements.flatMap((j) => [winValue(j.armSecond, 'B'), winValue(j.armFirst, 'A')]);
  return {
    wins: values.filter((v) => v === 1).length,
    ties: values.filter((v) => v === 0.5).length,
    losses: values.filter((v) => v === 0).length,
    win_rate: mean(judgements.map(swappedWinValue)),
    pairs: judgements.length,
    position_consistency: mean(judgements.map((j) => (consistent(j) ? 1 : 0))),
  };
}
