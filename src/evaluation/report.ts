import type { ModelPrice } from '../config.js';
import { BASELINE_ARM, type ArmName } from './arms.js';
import type { ConversationRecord, PairwiseRecord } from './records.js';
import { mean, pairedBootstrap, swappedWinValue, tallyWins, type Estimate, type PairedTable, type WinTally } from './stats.js';
import { costOf, tokensOf } from './usage-tally.js';

/** What each per-conversation metric reads from a record, and its scale for the chart. */
export const METRICS = {
  resolution: { label: 'Resolution (1–7)', scale: [1, 7], of: (r: ConversationRecord) => r.scores.resolution },
  policy_correctness: { label: 'Policy correctness (1–7)', scale: [1, 7], of: (r: ConversationRecord) => r.scores.policy_correctness },
  empathy: { label: 'Empathy (1–7)', scale: [1, 7], of: (r: ConversationRecord) => r.scores.empathy },
  efficiency: { label: 'Efficiency (1–7)', scale: [1, 7], of: (r: ConversationRecord) => r.scores.efficiency },
  satisfaction: { label: 'Customer satisfaction (1–5)', scale: [1, 5], of: (r: ConversationRecord) => r.rating.satisfaction },
  violation_free: { label: 'Share without policy violations', scale: [0, 1], of: (r: ConversationRecord) => (r.scores.violations.length === 0 ? 1 : 0) },
  violations: { label: 'Policy violations per conversation', scale: [0, null], of: (r: ConversationRecord) => r.scores.violations.length },
  agent_turns: { label: 'Agent turns', scale: [0, null], of: (r: ConversationRecord) => r.agent_turns },
} as const satisfies Record<string, { label: string; scale: readonly [number, number | null]; of: (r: ConversationRecord) => number }>;

export type MetricName = keyof typeof METRICS;

export interface MetricResult {
  label: string;
  arms: Partial<Record<ArmName, Estimate>>;
  /** Arm minus the student-alone arm, paired by scenario and seed. */
  vs_baseline: Partial<Record<ArmName, Estimate>>;
}

export interface CostResult {
  conversations: number;
  agent_model: string;
  agent_tokens_per_conversation: number;
  /** USD, from MODEL_PRICES; null when the agent model has no price. */
  agent_cost_usd_per_conversation: number | null;
  /** Customer simulator and judge tokens: the evaluation's own overhead, not the arm's. */
  evaluation_tokens_per_conversation: number;
}

export interface ReportInput {
  records: ConversationRecord[];
  pairwise: PairwiseRecord[];
  arms: ArmName[];
  prices: Record<string, ModelPrice>;
  bootstrap: { iterations: number; seed: number };
  run: Record<string, unknown>;
}

export interface Report {
  generated_at: string;
  run: Record<string, unknown>;
  arms: ArmName[];
  baseline: ArmName;
  units: number;
  bootstrap: { iterations: number; seed: number; paired_by: 'scenario×seed'; interval: '95% percentile' };
  metrics: Record<MetricName, MetricResult>;
  /** Against the student-alone arm, each pair judged in both orders. */
  win_rates: Partial<Record<ArmName, WinTally & { ci: [number, number] }>>;
  cost: Partial<Record<ArmName, CostResult>>;
}

const unitOf = (r: { scenario_id: string; seed: number }) => JSON.stringify([r.scenario_id, r.seed]);

function table<T extends { scenario_id: string; seed: number; arm: string }>(records: T[], value: (r: T) => number): PairedTable {
  const rows: PairedTable = new Map();
  for (const r of records) {
    const row = rows.get(unitOf(r)) ?? {};
    row[r.arm] = value(r);
    rows.set(unitOf(r), row);
  }
  return rows;
}

function costs(records: ConversationRecord[], arms: ArmName[], prices: Record<string, ModelPrice>): Partial<Record<ArmName, CostResult>> {
  const result: Partial<Record<ArmName, CostResult>> = {};
  for (const arm of arms) {
    const own = records.filter((r) => r.arm === arm);
    if (own.length === 0) continue;
    const agentCosts = own.map((r) => costOf(r.usage.agent, prices));
    result[arm] = {
      conversations: own.length,
      agent_model: own[0]!.agent_model,
      agent_tokens_per_conversation: mean(own.map((r) => tokensOf(r.usage.agent))),
      agent_cost_usd_per_conversation: agentCosts.includes(null) ? null : mean(agentCosts as number[]),
      evaluation_tokens_per_conversation: mean(own.map((r) => tokensOf(r.usage.customer) + tokensOf(r.usage.judge))),
    };
  }
  return result;
}

function winRates(pairwise: PairwiseRecord[], arms: ArmName[], bootstrap: ReportInput['bootstrap']): Report['win_rates'] {
  const compared = arms.filter((a) => a !== BASELINE_ARM && pairwise.some((p) => p.arm === a));
  const intervals = pairedBootstrap(
    table(pairwise, (p: PairwiseRecord) => swappedWinValue({ armSecond: p.arm_second.winner, armFirst: p.arm_first.winner })),
    compared,
    bootstrap,
  );
  return Object.fromEntries(
    compared.map((arm) => {
      const own = pairwise.filter((p) => p.arm === arm).map((p) => ({ armSecond: p.arm_second.winner, armFirst: p.arm_first.winner }));
      return [arm, { ...tallyWins(own), ci: intervals.arms[arm]!.ci }];
    }),
  );
}

/** Everything the report says, computed from the finished records alone (so a resumed run reports the same). */
export function buildReport(input: ReportInput): Report {
  const { records, arms, bootstrap } = input;
  const baseline = arms.includes(BASELINE_ARM) ? BASELINE_ARM : undefined;
  const metrics = Object.fromEntries(
    (Object.keys(METRICS) as MetricName[]).map((name) => {
      const result = pairedBootstrap(table(records, METRICS[name].of), arms, { ...bootstrap, baseline });
      return [name, { label: METRICS[name].label, arms: result.arms, vs_baseline: result.differences }];
    }),
  ) as Record<MetricName, MetricResult>;
  return {
    generated_at: new Date().toISOString(),
    run: input.run,
    arms,
    baseline: BASELINE_ARM,
    units: new Set(records.map(unitOf)).size,
    bootstrap: { ...bootstrap, paired_by: 'scenario×seed', interval: '95% percentile' },
    metrics,
    win_rates: winRates(input.pairwise, arms, bootstrap),
    cost: costs(records, arms, input.prices),
  };
}
