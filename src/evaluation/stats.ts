/** Pure statistics for the report: seeded bootstrap intervals paired by unit, win rates. */

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
  /** 95% percentile bootstrap interval; equal to the mean when there is one unit or no spread. */
  ci: [number, number];
  /** Units with a value. */
  n: number;
}

/** Values by unit (a scenario×seed) and by arm; an arm may lack units (e.g. failed conversations). */
export type PairedTable = Map<string, Partial<Record<string, number>>>;

export interface BootstrapOptions {
  iterations: number;
  seed: number;
  /** Also estimate every arm's difference from this arm, over the units both have. */
  baseline?: string;
}

export interface BootstrapResult {
  arms: Record<string, Estimate>;
  /** arm − baseline, paired by unit. */
  differences: Record<string, Estimate>;
}

function estimate(observed: number[], resampled: number[]): Estimate {
  const sorted = resampled.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  return { mean: mean(observed), ci: [quantile(sorted, 0.025), quantile(sorted, 0.975)], n: observed.length };
}

/**
 * Means with 95% bootstrap intervals, resampling whole units so that every arm (and every
 * difference) is recomputed on the same draw of scenarios and seeds: the pairing that lets a
 * difference be tighter than either arm's interval when arms move together across scenarios.
 */
export function pairedBootstrap(table: PairedTable, arms: string[], options: BootstrapOptions): BootstrapResult {
  const units = [...table.keys()].sort();
  const rows = units.map((u) => table.get(u)!);
  const random = seededRandom(options.seed);
  const { baseline } = options;
  const compared = baseline === undefined ? [] : arms.filter((a) => a !== baseline);
  const draws: Record<string, number[]> = Object.fromEntries(arms.map((a) => [a, []]));
  const diffDraws: Record<string, number[]> = Object.fromEntries(compared.map((a) => [a, []]));
  for (let i = 0; i < options.iterations && rows.length > 0; i++) {
    const sample = rows.map(() => rows[Math.floor(random() * rows.length)]!);
    for (const arm of arms) draws[arm]!.push(mean(sample.flatMap((row) => (row[arm] === undefined ? [] : [row[arm]!]))));
    for (const arm of compared) diffDraws[arm]!.push(mean(sample.flatMap((row) => differenceIn(row, arm, baseline!))));
  }
  return {
    arms: Object.fromEntries(arms.map((arm) => [arm, estimate(rows.flatMap((row) => (row[arm] === undefined ? [] : [row[arm]!])), draws[arm]!)])),
    differences: Object.fromEntries(compared.map((arm) => [arm, estimate(rows.flatMap((row) => differenceIn(row, arm, baseline!)), diffDraws[arm]!)])),
  };
}

function differenceIn(row: Partial<Record<string, number>>, arm: string, baseline: string): number[] {
  const a = row[arm];
  const b = row[baseline];
  return a === undefined || b === undefined ? [] : [a - b];
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
