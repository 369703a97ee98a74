import type { ModelPrice } from '../../config.js';
import { analyse, holmAdjustment, type Analysis, type MetricSpec } from '../analysis.js';
import type { ArmName } from '../arms.js';
import { armCost, libraryBreakEven, type ArmCost, type BreakEven, type LibraryBuild } from '../cost.js';
import { differencesChart } from '../differences-chart.js';
import { armValue, bootstrapMean, resampleClusters, type ClusteredTable, type Estimate, type Resamples } from '../stats.js';
import { colourOf, document, fmt, line, round, text, ticks } from '../svg.js';
import { passHatKByTask } from './pass-hat-k.js';
import type { TrialResult } from './trial.js';

/**
 * eval:tau's comparison of arms, on the same statistics as eval:dialogue: trials are paired by task
 * and trial index (both seed the agent and the user), the bootstrap resamples tasks with all their
 * trials, and the claim comparisons are Holm-adjusted. The report covers the arms of one
 * `--arms` run, each with its finished trials.
 */
export const TAU_METRICS = {
  reward: { label: 'Reward (share of trials earning 1)', better: 'higher', of: (r: TrialResult) => r.reward },
  tool_errors: { label: 'Tool errors per trial', better: 'lower', of: (r: TrialResult) => r.tool_errors },
  steps: { label: 'Agent steps per trial', better: null, of: (r: TrialResult) => r.steps },
} as const satisfies Record<string, MetricSpec & { of: (r: TrialResult) => number }>;

export type TauMetric = keyof typeof TAU_METRICS;

export interface TauArmRun {
  arm: ArmName;
  results: TrialResult[];
}

export interface TauArmCost extends ArmCost {
  /** The simulated user's tokens: the evaluation's overhead, not the arm's. */
  user_tokens_per_trial: number;
}

export interface TauReport {
  generated_at: string;
  run: Record<string, unknown>;
  warnings: string[];
  arms: ArmName[];
  tasks: number;
  trials: number;
  bootstrap: { iterations: number; seed: number; resampled: 'tasks, each with all its trials'; interval: '95% percentile'; adjustment: string };
  metrics: Record<TauMetric, { label: string; better: MetricSpec['better']; arms: Partial<Record<ArmName, Estimate>> }>;
  /** pass^1 … pass^n per arm, n its fewest trials of a task, each with its interval over tasks. */
  pass_hat_k: Partial<Record<ArmName, { k: number; estimate: Estimate }[]>>;
  comparisons: Analysis['comparisons'];
  recovered_share: Analysis['recovered_share'];
  claims: Analysis['claims'];
  cost: { arms: Partial<Record<ArmName, TauArmCost>>; library_build: LibraryBuild; break_even: BreakEven };
}

export interface TauReportInput {
  runs: TauArmRun[];
  prices: Record<string, ModelPrice>;
  bootstrap: { iterations: number; seed: number };
  libraryBuild: LibraryBuild;
  warnings: string[];
  run: Record<string, unknown>;
}

const taskKey = (id: number) => String(id).padStart(9, '0');

function trialTable(runs: TauArmRun[], value: (r: TrialResult) => number): ClusteredTable {
  const byTask = new Map<string, Map<number, Record<string, number>>>();
  for (const { arm, results } of runs) {
    for (const r of results) {
      const trials = byTask.get(taskKey(r.task_id)) ?? new Map<number, Record<string, number>>();
      trials.set(r.trial, { ...trials.get(r.trial), [arm]: value(r) });
      byTask.set(taskKey(r.task_id), trials);
    }
  }
  return new Map([...byTask].map(([task, trials]) => [task, [...trials.values()]]));
}

function passCurve(run: TauArmRun, resamples: Resamples): { k: number; estimate: Estimate }[] {
  const counts = new Map<number, number>();
  for (const r of run.results) counts.set(r.task_id, (counts.get(r.task_id) ?? 0) + 1);
  const n = counts.size === 0 ? 0 : Math.min(...counts.values());
  return Array.from({ length: n }, (_, i) => {
    const byTask = passHatKByTask(run.results, i + 1);
    const table: ClusteredTable = new Map([...byTask].map(([task, v]) => [taskKey(task), [{ [run.arm]: v }]]));
    return { k: i + 1, estimate: bootstrapMean(table, resamples, armValue(run.arm)).estimate };
  });
}

function tauCost(run: TauArmRun, prices: Record<string, ModelPrice>): TauArmCost {
  const { results } = run;
  return {
    ...armCost(
      results.map((r) => ({ usage: { model: r.agent_model, prompt_tokens: r.usage.agent.prompt_tokens, completion_tokens: r.usage.agent.completion_tokens }, resolved: r.reward === 1 })),
      prices,
    ),
    user_tokens_per_trial: results.reduce((s, r) => s + r.usage.user.total_tokens, 0) / results.length,
  };
}

export function buildTauReport(input: TauReportInput): TauReport {
  const runs = input.runs.filter((r) => r.results.length > 0);
  const arms = runs.map((r) => r.arm);
  const resamples = resampleClusters(
    runs.flatMap((r) => r.results.map((t) => taskKey(t.task_id))),
    input.bootstrap.iterations,
    input.bootstrap.seed,
  );
  const metrics = Object.fromEntries(Object.entries(TAU_METRICS).map(([name, m]) => [name, { label: m.label, better: m.better, table: trialTable(runs, m.of) }]));
  const analysis = analyse({ resamples, metrics, arms });
  const costs = Object.fromEntries(runs.map((r) => [r.arm, tauCost(r, input.prices)])) as Partial<Record<ArmName, TauArmCost>>;
  return {
    generated_at: new Date().toISOString(),
    run: input.run,
    warnings: input.warnings,
    arms,
    tasks: resamples.clusters.length,
    trials: runs.reduce((s, r) => s + r.results.length, 0),
    bootstrap: { ...input.bootstrap, resampled: 'tasks, each with all its trials', interval: '95% percentile', adjustment: holmAdjustment('its tested metrics (reward and tool errors)') },
    metrics: Object.fromEntries(Object.entries(TAU_METRICS).map(([name, m]) => [name, { label: m.label, better: m.better, arms: analysis.arms[name] ?? {} }])) as TauReport['metrics'],
    pass_hat_k: Object.fromEntries(runs.map((r) => [r.arm, passCurve(r, resamples)])),
    comparisons: analysis.comparisons,
    recovered_share: analysis.recovered_share,
    claims: analysis.claims,
    cost: { arms: costs, library_build: input.libraryBuild, break_even: libraryBreakEven(input.libraryBuild, costs.coach, costs.teacher) },
  };
}

const PLOT = { width: 640, height: 380, left: 60, right: 170, top: 50, bottom: 50 };

/** pass^k against k per arm, each point with its 95% interval over tasks as a shaded band. */
export function renderPassHatKChart(report: TauReport): string {
  const curves = report.arms.flatMap((arm) => {
    const points = report.pass_hat_k[arm] ?? [];
    return points.length === 0 ? [] : [{ arm, points }];
  });
  const kMax = Math.max(1, ...curves.map((c) => c.points.length));
  const plotW = PLOT.width - PLOT.left - PLOT.right;
  const plotH = PLOT.height - PLOT.top - PLOT.bottom;
  const x = (k: number) => PLOT.left + (kMax === 1 ? plotW / 2 : ((k - 1) / (kMax - 1)) * plotW);
  const y = (v: number) => PLOT.top + plotH - Math.min(Math.max(v, 0), 1) * plotH;
  const body: string[] = [text(20, 24, `τ-bench pass^k by arm (${report.tasks} tasks), with 95% intervals resampling tasks`, 'font-size="15" font-weight="bold"')];
  for (const t of ticks(0, 1, 5)) {
    body.push(line(PLOT.left, y(t), PLOT.left + plotW, y(t), 'stroke="#e5e5e5"'));
    body.push(text(PLOT.left - 6, y(t) + 4, String(t), 'text-anchor="end" font-size="10" fill="#555"'));
  }
  for (let k = 1; k <= kMax; k++) body.push(text(x(k), PLOT.top + plotH + 16, String(k), 'text-anchor="middle" font-size="10" fill="#555"'));
  body.push(text(PLOT.left + plotW / 2, PLOT.height - 12, 'k (trials that must all pass)', 'text-anchor="middle" font-size="11"'));
  curves.forEach(({ arm, points }, i) => {
    const colour = colourOf(arm, report.arms);
    const upper = points.map((p) => `${round(x(p.k))},${round(y(p.estimate.ci[1]))}`);
    const lower = points.map((p) => `${round(x(p.k))},${round(y(p.estimate.ci[0]))}`).reverse();
    body.push(`<polygon points="${[...upper, ...lower].join(' ')}" fill="${colour}" fill-opacity="0.15" stroke="none"/>`);
    body.push(`<polyline points="${points.map((p) => `${round(x(p.k))},${round(y(p.estimate.mean))}`).join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    for (const p of points) {
      body.push(
        `<circle cx="${round(x(p.k))}" cy="${round(y(p.estimate.mean))}" r="3.5" fill="${colour}"><title>${arm} pass^${p.k}: ${fmt(p.estimate.mean, 3)} [${fmt(p.estimate.ci[0], 3)}, ${fmt(p.estimate.ci[1], 3)}], ${p.estimate.scenarios} tasks</title></circle>`,
      );
    }
    const ly = PLOT.top + 10 + i * 18;
    body.push(`<rect x="${PLOT.left + plotW + 20}" y="${ly - 9}" width="12" height="12" fill="${colour}"/>`, text(PLOT.left + plotW + 37, ly + 1, arm, 'font-size="12"'));
  });
  body.push(line(PLOT.left, PLOT.top, PLOT.left, PLOT.top + plotH, 'stroke="#333"'));
  return document(PLOT.width, PLOT.height, body);
}

export function renderTauDifferencesChart(report: TauReport): string {
  return differencesChart({
    comparisons: report.comparisons,
    claims: report.claims,
    panels: Object.entries(TAU_METRICS)
      .filter(([, m]) => m.better !== null)
      .map(([metric, m]) => ({ metric, label: m.label })),
    cluster: 'tasks',
    title: `τ-bench paired differences by task and trial (${report.tasks} tasks); arms named first minus second`,
    footnote: 'Thick: 95% interval (bootstrap resampling tasks). Thin: Holm-adjusted within each comparison. Green: claim supported; red: not supported; grey: inconclusive or no claim.',
  });
}
