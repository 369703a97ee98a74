import {
  armValue,
  bootstrapMean,
  differenceValue,
  holm,
  interval,
  ratioDraws,
  type Bootstrapped,
  type ClusteredTable,
  type Estimate,
  type HolmResult,
  type Resamples,
} from './stats.js';

/**
 * The comparisons that test the method's claim, shared by eval:dialogue and eval:tau: guidance the
 * student retrieves (coach) against the student alone, against non-customised guidance (generic)
 * and against fine-tuning on the teacher's outputs (sft); and what is left of the teacher's lead.
 */
export const CLAIM_ARM = 'coach';
export const CLAIM_RIVALS = ['student', 'generic', 'sft'] as const;
/** teacher − coach: the gap coach leaves; teacher − student: the gap there was to close. */
export const COMPARISONS: readonly [string, string][] = [
  ['coach', 'student'],
  ['coach', 'generic'],
  ['coach', 'sft'],
  ['teacher', 'coach'],
  ['teacher', 'student'],
];

/** How the report states its multiple-comparison adjustment, `family` naming what each comparison's family holds. */
export const holmAdjustment = (family: string) =>
  `Holm's step-down at a family-wise 5% within each comparison, across ${family}; ` +
  'adjusted intervals are the percentile intervals at the level Holm tests each metric at, so they exclude 0 exactly when Holm rejects; raw and Holm-adjusted p are reported beside them';

export const comparisonKey = (arm: string, against: string) => `${arm}−${against}`;

export interface MetricSpec {
  label: string;
  /** Which direction is better; null for descriptive metrics (agent turns), kept out of claims and Holm. */
  better: 'higher' | 'lower' | null;
}

/** A paired difference: its 95% interval, raw bootstrap p, and Holm's adjustment within its family. */
export interface Difference extends Estimate {
  /** Raw two-sided bootstrap p; null for descriptive metrics, which are not tested. */
  p: number | null;
  /** null for descriptive metrics, which are not tested. */
  holm: Omit<HolmResult, 'p'> | null;
}

export interface ComparisonResult {
  key: string;
  arm: string;
  against: string;
  metrics: Record<string, Difference>;
  /** The metrics Holm's procedure was applied across for this comparison. */
  family: string[];
}

/** (coach − student) / (teacher − student): how much of the teacher's advantage coach recovers. */
export type ShareResult =
  | { defined: true; estimate: Estimate; denominator_ci: [number, number] }
  | { defined: false; reason: string; denominator_ci: [number, number] | null };

export type Verdict = 'supported' | 'not supported' | 'inconclusive';

export interface Claim {
  /** coach − rival. */
  comparison: string;
  rival: string;
  metric: string;
  verdict: Verdict;
  mean: number;
  /** The Holm-adjusted interval the verdict reads. */
  ci_holm: [number, number];
  n: number;
  scenarios: number;
}

/** A test that is not a difference of arm means but belongs to a comparison's family (the judge's pairwise preference). */
export interface ExtraTest extends MetricSpec {
  metric: string;
  better: 'higher' | 'lower';
  /** Centred so that 0 is "no difference" (a win rate minus 0.5). */
  centred: Bootstrapped;
}

export interface AnalysisInput {
  resamples: Resamples;
  metrics: Record<string, MetricSpec & { table: ClusteredTable }>;
  /** Arms with records; comparisons need both of theirs. */
  arms: string[];
  extra?: Record<string, ExtraTest[]>;
  alpha?: number;
}

export interface Analysis {
  arms: Record<string, Partial<Record<string, Estimate>>>;
  comparisons: ComparisonResult[];
  /** By metric; absent when coach, student or teacher was not run. */
  recovered_share: Record<string, ShareResult>;
  claims: Claim[];
}

function verdict(better: 'higher' | 'lower', [lo, hi]: [number, number]): Verdict {
  const favours = better === 'higher' ? lo > 0 : hi < 0;
  const against = better === 'higher' ? hi < 0 : lo > 0;
  return favours ? 'supported' : against ? 'not supported' : 'inconclusive';
}

const coversZero = ([lo, hi]: [number, number]) => !(lo > 0 || hi < 0);

function share(coachGain: Bootstrapped, teacherGain: Bootstrapped): ShareResult {
  const denominator = teacherGain.estimate;
  if (denominator.n === 0) return { defined: false, reason: 'no unit has both teacher and student', denominator_ci: null };
  if (coversZero(denominator.ci)) {
    return { defined: false, reason: 'the interval of teacher − student covers 0: there is no teacher advantage to recover a share of', denominator_ci: denominator.ci };
  }
  const observed = coachGain.estimate.mean / denominator.mean;
  const draws = ratioDraws(coachGain, teacherGain);
  return {
    defined: true,
    estimate: { mean: observed, ci: interval(draws, observed, 0.05), n: coachGain.estimate.n, scenarios: coachGain.estimate.scenarios },
    denominator_ci: denominator.ci,
  };
}

/**
 * Every arm's mean per metric and every claim comparison, all on the same resampled scenarios.
 * Holm's family is one comparison's tested metrics (plus its extra tests): each comparison is its
 * own claim ("coach beats generic guidance"), asserted on several metrics at once.
 */
export function analyse(input: AnalysisInput): Analysis {
  const { resamples, metrics, arms } = input;
  const alpha = input.alpha ?? 0.05;
  const armEstimates: Analysis['arms'] = {};
  for (const [name, metric] of Object.entries(metrics)) {
    const own: Partial<Record<string, Estimate>> = {};
    for (const arm of arms) {
      const { estimate } = bootstrapMean(metric.table, resamples, armValue(arm));
      if (estimate.n > 0) own[arm] = estimate;
    }
    armEstimates[name] = own;
  }

  const comparisons: ComparisonResult[] = [];
  const betterOf: Record<string, 'higher' | 'lower' | null> = Object.fromEntries(Object.entries(metrics).map(([name, m]) => [name, m.better]));
  const gains: Record<string, Record<string, Bootstrapped>> = {};
  for (const [arm, against] of COMPARISONS) {
    if (!arms.includes(arm) || !arms.includes(against)) continue;
    const key = comparisonKey(arm, against);
    const differences = Object.fromEntries(Object.entries(metrics).map(([name, metric]) => [name, bootstrapMean(metric.table, resamples, differenceValue(arm, against))]));
    gains[key] = differences;
    const tested = Object.entries(differences).filter(([name, d]) => metrics[name]!.better !== null && d.estimate.n > 0);
    const extra = (input.extra?.[key] ?? []).filter((e) => e.centred.estimate.n > 0);
    const adjusted = holm(
      [...tested.map(([name, d]) => ({ key: name, observed: d.estimate.mean, draws: d.draws })), ...extra.map((e) => ({ key: e.metric, observed: e.centred.estimate.mean, draws: e.centred.draws }))],
      alpha,
    );
    const result: Record<string, Difference> = {};
    for (const [name, d] of Object.entries(differences)) {
      if (d.estimate.n === 0) continue;
      const h = adjusted[name];
      result[name] = { ...d.estimate, p: h?.p ?? null, holm: h === undefined ? null : { p_holm: h.p_holm, alpha_holm: h.alpha_holm, ci_holm: h.ci_holm, rejected: h.rejected } };
    }
    for (const e of extra) {
      const h = adjusted[e.metric]!;
      result[e.metric] = { ...e.centred.estimate, p: h.p, holm: { p_holm: h.p_holm, alpha_holm: h.alpha_holm, ci_holm: h.ci_holm, rejected: h.rejected } };
    }
    comparisons.push({ key, arm, against, metrics: result, family: [...tested.map(([name]) => name), ...extra.map((e) => e.metric)] });
    for (const e of extra) betterOf[e.metric] = e.better;
  }

  const recovered: Analysis['recovered_share'] = {};
  const coachGain = gains[comparisonKey('coach', 'student')];
  const teacherGain = gains[comparisonKey('teacher', 'student')];
  if (coachGain !== undefined && teacherGain !== undefined) {
    for (const [name, metric] of Object.entries(metrics)) if (metric.better !== null) recovered[name] = share(coachGain[name]!, teacherGain[name]!);
  }

  const claims: Claim[] = [];
  for (const rival of CLAIM_RIVALS) {
    const comparison = comparisons.find((c) => c.arm === CLAIM_ARM && c.against === rival);
    if (comparison === undefined) continue;
    for (const name of comparison.family) {
      const d = comparison.metrics[name]!;
      claims.push({ comparison: comparison.key, rival, metric: name, verdict: verdict(betterOf[name]!, d.holm!.ci_holm), mean: d.mean, ci_holm: d.holm!.ci_holm, n: d.n, scenarios: d.scenarios });
    }
  }
  return { arms: armEstimates, comparisons, recovered_share: recovered, claims };
}
