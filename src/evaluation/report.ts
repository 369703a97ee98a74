import type { ModelPrice } from '../config.js';
import { analyse, comparisonKey, holmAdjustment, type Analysis, type ExtraTest, type MetricSpec } from './analysis.js';
import type { ArmName } from './arms.js';
import { armCost, libraryBreakEven, type ArmCost, type BreakEven, type LibraryBuild } from './cost.js';
import type { GenericPlaybook } from './generic-playbook.js';
import type { ConversationRecord, PairwiseRecord } from './records.js';
import { armValue, bootstrapMean, resampleClusters, swappedWinValue, tallyWins, type ClusteredTable, type Resamples, type WinTally } from './stats.js';
import type { LabelUsage } from './usage-tally.js';

/** What each per-conversation metric reads from a record, which way is better, and its scale for the chart. */
export const METRICS = {
  resolution: { label: 'Resolution (1–7)', better: 'higher', scale: [1, 7], of: (r: ConversationRecord) => r.scores.resolution },
  policy_correctness: { label: 'Policy correctness (1–7)', better: 'higher', scale: [1, 7], of: (r: ConversationRecord) => r.scores.policy_correctness },
  empathy: { label: 'Empathy (1–7)', better: 'higher', scale: [1, 7], of: (r: ConversationRecord) => r.scores.empathy },
  efficiency: { label: 'Efficiency (1–7)', better: 'higher', scale: [1, 7], of: (r: ConversationRecord) => r.scores.efficiency },
  satisfaction: { label: 'Customer satisfaction (1–5)', better: 'higher', scale: [1, 5], of: (r: ConversationRecord) => r.rating.satisfaction },
  violation_free: { label: 'Share without policy violations', better: 'higher', scale: [0, 1], of: (r: ConversationRecord) => (r.scores.violations.length === 0 ? 1 : 0) },
  violations: { label: 'Policy violations per conversation', better: 'lower', scale: [0, null], of: (r: ConversationRecord) => r.scores.violations.length },
  agent_turns: { label: 'Agent turns', better: null, scale: [0, null], of: (r: ConversationRecord) => r.agent_turns },
} as const satisfies Record<string, MetricSpec & { scale: readonly [number, number | null]; of: (r: ConversationRecord) => number }>;

export type MetricName = keyof typeof METRICS;

/** The judge's pairwise preference, tested with the rubric's metrics in its comparison's Holm family. */
export const PAIRWISE_METRIC = 'pairwise_preference';
export const PAIRWISE_LABEL = "Judge's pairwise preference (win rate − 0.5)";

export interface MetricResult {
  label: string;
  better: MetricSpec['better'];
  arms: Partial<Record<ArmName, Analysis['arms'][string][string]>>;
}

export interface DialogueArmCost extends ArmCost {
  /** Customer simulator and judge tokens: the evaluation's own overhead, not the arm's. */
  evaluation_tokens_per_conversation: number;
}

export interface CostReport {
  arms: Partial<Record<ArmName, DialogueArmCost>>;
  /** A conversation counts as resolved when the judge's resolution score is at least this. */
  resolved_at: number;
  library_build: LibraryBuild;
  break_even: BreakEven;
}

export interface TransferReport {
  /** The other student model the same library was served to. */
  student_model: string;
  arms: ArmName[];
  metrics: Record<MetricName, MetricResult>;
  comparisons: Analysis['comparisons'];
  recovered_share: Analysis['recovered_share'];
  claims: Analysis['claims'];
  cost: Partial<Record<ArmName, DialogueArmCost>>;
}

export interface ReportInput {
  records: ConversationRecord[];
  pairwise: PairwiseRecord[];
  /** Conversations of the transfer models, by model. */
  transfer: { model: string; records: ConversationRecord[] }[];
  arms: ArmName[];
  prices: Record<string, ModelPrice>;
  bootstrap: { iterations: number; seed: number };
  resolvedAt: number;
  libraryBuild: LibraryBuild;
  genericPlaybook: GenericPlaybook | null;
  /** Setup problems the reader must know of, e.g. a judge that is the teacher. */
  warnings: string[];
  run: Record<string, unknown>;
}

export interface Report {
  generated_at: string;
  run: Record<string, unknown>;
  warnings: string[];
  arms: ArmName[];
  units: number;
  scenarios: number;
  bootstrap: {
    iterations: number;
    seed: number;
    resampled: 'scenarios, each with all its seeds';
    interval: '95% percentile';
    adjustment: string;
  };
  metrics: Record<MetricName, MetricResult>;
  comparisons: Analysis['comparisons'];
  recovered_share: Analysis['recovered_share'];
  claims: Analysis['claims'];
  /** By comparison (`coach−generic`): the first arm's wins, each pair judged in both orders. */
  win_rates: Record<string, WinTally & { ci: [number, number]; scenarios: number }>;
  cost: CostReport;
  generic_playbook: GenericPlaybook | null;
  transfer: TransferReport[];
}

const unitOf = (r: { scenario_id: string; seed: number }) => JSON.stringify([r.scenario_id, r.seed]);

/** Rows per scenario, one per seed, holding each arm's (or comparison's) value. */
function clustered<T extends { scenario_id: string; seed: number }>(records: T[], column: (r: T) => string, value: (r: T) => number): ClusteredTable {
  const bySeed = new Map<string, Map<number, Record<string, number>>>();
  for (const r of records) {
    const seeds = bySeed.get(r.scenario_id) ?? new Map<number, Record<string, number>>();
    const row = seeds.get(r.seed) ?? {};
    row[column(r)] = value(r);
    seeds.set(r.seed, row);
    bySeed.set(r.scenario_id, seeds);
  }
  return new Map([...bySeed].map(([scenario, seeds]) => [scenario, [...seeds.values()]]));
}

const metricTables = (records: ConversationRecord[]) =>
  Object.fromEntries(
    (Object.keys(METRICS) as MetricName[]).map((name) => [name, { label: METRICS[name].label, better: METRICS[name].better, table: clustered(records, (r) => r.arm, METRICS[name].of) }]),
  );

const agentTokens = (usage: LabelUsage | undefined, model: string) => ({ model: usage?.model ?? model, prompt_tokens: usage?.prompt_tokens ?? 0, completion_tokens: usage?.completion_tokens ?? 0 });
const tokens = (usage: LabelUsage | undefined) => (usage === undefined ? 0 : usage.prompt_tokens + usage.completion_tokens);

function costs(records: ConversationRecord[], arms: ArmName[], prices: Record<string, ModelPrice>, resolvedAt: number): Partial<Record<ArmName, DialogueArmCost>> {
  const result: Partial<Record<ArmName, DialogueArmCost>> = {};
  for (const arm of arms) {
    const own = records.filter((r) => r.arm === arm);
    if (own.length === 0) continue;
    result[arm] = {
      ...armCost(own.map((r) => ({ usage: agentTokens(r.usage.agent, r.agent_model), resolved: r.scores.resolution >= resolvedAt })), prices),
      evaluation_tokens_per_conversation: own.reduce((s, r) => s + tokens(r.usage.customer) + tokens(r.usage.judge), 0) / own.length,
    };
  }
  return result;
}

/** Win rates with their clustered intervals, and the same as tests centred on 0.5 for the Holm families. */
function winRates(pairwise: PairwiseRecord[], resamples: Resamples): { rates: Report['win_rates']; extra: Record<string, ExtraTest[]> } {
  const table = clustered(
    pairwise,
    (p) => comparisonKey(p.arm, p.baseline),
    (p) => swappedWinValue({ armSecond: p.arm_second.winner, armFirst: p.arm_first.winner }),
  );
  const rates: Report['win_rates'] = {};
  const extra: Record<string, ExtraTest[]> = {};
  for (const key of [...new Set(pairwise.map((p) => comparisonKey(p.arm, p.baseline)))]) {
    const own = pairwise.filter((p) => comparisonKey(p.arm, p.baseline) === key).map((p) => ({ armSecond: p.arm_second.winner, armFirst: p.arm_first.winner }));
    const b = bootstrapMean(table, resamples, armValue(key));
    rates[key] = { ...tallyWins(own), ci: b.estimate.ci, scenarios: b.estimate.scenarios };
    const e = b.estimate;
    extra[key] = [
      {
        metric: PAIRWISE_METRIC,
        label: PAIRWISE_LABEL,
        better: 'higher',
        centred: { estimate: { ...e, mean: e.mean - 0.5, ci: [e.ci[0] - 0.5, e.ci[1] - 0.5] }, draws: b.draws.map((v) => v - 0.5) },
      },
    ];
  }
  return { rates, extra };
}

const asMetrics = (analysis: Analysis) =>
  Object.fromEntries(
    (Object.keys(METRICS) as MetricName[]).map((name) => [name, { label: METRICS[name].label, better: METRICS[name].better, arms: analysis.arms[name] ?? {} }]),
  ) as Record<MetricName, MetricResult>;

/**
 * The same library served to another student: its student, generic and coach conversations,
 * against the teacher's conversations of the main run (the teacher does not depend on the student).
 */
function transferReport(input: ReportInput, resamples: Resamples, model: string, records: ConversationRecord[]): TransferReport {
  const teacher = input.records.filter((r) => r.arm === 'teacher');
  const arms = input.arms.filter((arm) => arm === 'teacher' || records.some((r) => r.arm === arm));
  const analysis = analyse({ resamples, metrics: metricTables([...records, ...teacher]), arms });
  return {
    student_model: model,
    arms,
    metrics: asMetrics(analysis),
    comparisons: analysis.comparisons,
    recovered_share: analysis.recovered_share,
    claims: analysis.claims,
    cost: costs(records, arms, input.prices, input.resolvedAt),
  };
}

/** Everything the report says, computed from the finished records alone (so a resumed run reports the same). */
export function buildReport(input: ReportInput): Report {
  const { records, arms, bootstrap } = input;
  const everyRecord = [...records, ...input.pairwise, ...input.transfer.flatMap((t) => t.records)];
  const resamples = resampleClusters(
    everyRecord.map((r) => r.scenario_id),
    bootstrap.iterations,
    bootstrap.seed,
  );
  const wins = winRates(input.pairwise, resamples);
  const analysis = analyse({ resamples, metrics: metricTables(records), arms, extra: wins.extra });
  const armCosts = costs(records, arms, input.prices, input.resolvedAt);
  const build = input.libraryBuild;
  return {
    generated_at: new Date().toISOString(),
    run: input.run,
    warnings: input.warnings,
    arms,
    units: new Set(records.map(unitOf)).size,
    scenarios: new Set(records.map((r) => r.scenario_id)).size,
    bootstrap: { ...bootstrap, resampled: 'scenarios, each with all its seeds', interval: '95% percentile', adjustment: holmAdjustment("its tested metrics (every metric with a direction, and the judge's pairwise preference)") },
    metrics: asMetrics(analysis),
    comparisons: analysis.comparisons,
    recovered_share: analysis.recovered_share,
    claims: analysis.claims,
    win_rates: wins.rates,
    cost: {
      arms: armCosts,
      resolved_at: input.resolvedAt,
      library_build: build,
      break_even: libraryBreakEven(build, armCosts.coach, armCosts.teacher),
    },
    generic_playbook: input.genericPlaybook,
    transfer: input.transfer.map((t) => transferReport(input, resamples, t.model, t.records)),
  };
}
