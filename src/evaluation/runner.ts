import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModelPrice } from '../config.js';
import type { Library } from '../library/types.js';
import type { Prompt } from '../teacher/prompts.js';
import { ArmAgent, BASELINE_ARM, coachRetrieval, genericGuidance, policyOnly, type ArmName, type PromptBuilder } from './arms.js';
import { renderChart } from './chart.js';
import type { CoachClient, LibrarySnapshot } from './coach-client.js';
import { runConversation } from './conversation.js';
import type { EvalModels } from './eval-models.js';
import { judgeSwapped } from './pairwise.js';
import { runPool } from './pool.js';
import type { EvalPrompts } from './prompts.js';
import { recordKey, type ConversationRecord, type PairwiseRecord } from './records.js';
import { buildReport, type Report } from './report.js';
import { ResultsFile } from './results-file.js';
import { checkManifest } from './run-manifest.js';
import type { EvalScenario } from './scenarios.js';
import { enforceSplit, trainingSourceIds } from './split.js';
import { renderSummary } from './summary.js';

export interface EvaluationOptions {
  libraryId: string;
  scenarios: EvalScenario[];
  scenarioSource: string;
  arms: ArmName[];
  seeds: number;
  outDir: string;
  force: boolean;
  maxTurns: number;
  concurrency: number;
  pairwise: boolean;
  /** The generic arm's notes budget; production's CHAT_GUIDANCE_TOKEN_BUDGET keeps the arms comparable. */
  guidanceTokenBudget: number;
  bootstrap: { iterations: number; seed: number };
  prices: Record<string, ModelPrice>;
  coach: CoachClient;
  models: EvalModels;
  customerPrompt: Prompt;
  prompts: EvalPrompts;
  signal: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

export type Phase = 'conversations' | 'pairwise';

export type ProgressEvent =
  | { type: 'start'; phase: Phase; total: number; done: number }
  | { type: 'tick'; phase: Phase; failed?: { key: string; error: string } };

export interface EvaluationResult {
  report: Report;
  failures: { key: string; error: string }[];
  files: { conversations: string; pairwise: string; report: string; summary: string; chart: string };
}

/** The library as the teacher's simulator wants it; only the policy matters to the arms. */
function asLibrary(snapshot: LibrarySnapshot): Library {
  const epoch = new Date(0);
  return { id: snapshot.id, name: snapshot.name, description: '', policy: snapshot.policy, embedder: '', embedding_dim: 0, created_at: epoch, updated_at: epoch };
}

async function trainingIds(coach: CoachClient, snapshot: LibrarySnapshot): Promise<Set<string>> {
  const provenances: Record<string, unknown>[] = [];
  for (const entry of snapshot.entries) provenances.push(...(await coach.provenanceHistory(snapshot.id, entry.id)));
  return trainingSourceIds(provenances);
}

function promptBuilder(arm: ArmName, options: EvaluationOptions, snapshot: LibrarySnapshot, conversationId: string): PromptBuilder {
  if (arm === 'coach') return coachRetrieval(options.coach, snapshot.id, conversationId);
  if (arm === 'generic') return genericGuidance(snapshot, options.guidanceTokenBudget);
  return policyOnly(snapshot.policy);
}

const failureOf = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

interface Unit {
  scenario: EvalScenario;
  seed: number;
  arm: ArmName;
}

/** One invocation: the library as read at the start, what is already finished, what failed. */
class Run {
  readonly finished: Map<string, ConversationRecord>;
  readonly judged: Map<string, PairwiseRecord>;
  readonly failures: EvaluationResult['failures'] = [];
  readonly seeds: number[];

  constructor(
    readonly options: EvaluationOptions,
    readonly snapshot: LibrarySnapshot,
    readonly conversations: ResultsFile<ConversationRecord>,
    readonly pairwise: ResultsFile<PairwiseRecord>,
    finished: ConversationRecord[],
    judged: PairwiseRecord[],
  ) {
    this.finished = new Map(finished.map((r) => [recordKey(r), r]));
    this.judged = new Map(judged.map((r) => [recordKey(r), r]));
    this.seeds = Array.from({ length: options.seeds }, (_, i) => i);
  }

  units(arms: ArmName[]): Unit[] {
    return this.options.scenarios.flatMap((scenario) => this.seeds.flatMap((seed) => arms.map((arm) => ({ scenario, seed, arm }))));
  }

  /** Runs the units not yet done, a failure costing only its own unit; stops starting new ones once aborted. */
  async each(phase: Phase, units: Unit[], done: Map<string, unknown>, work: (unit: Unit, key: string, signal: AbortSignal) => Promise<void>): Promise<void> {
    const { signal, concurrency } = this.options;
    const progress = this.options.onProgress ?? (() => {});
    const pending = units.filter((u) => !done.has(keyOf(u)));
    progress({ type: 'start', phase, total: units.length, done: units.length - pending.length });
    await runPool(pending, concurrency, async (unit) => {
      if (signal.aborted) return;
      const key = keyOf(unit);
      try {
        await work(unit, key, signal);
        progress({ type: 'tick', phase });
      } catch (err) {
        if (signal.aborted) return;
        const failure = { key: phase === 'pairwise' ? `pairwise:${key}` : key, error: failureOf(err) };
        this.failures.push(failure);
        progress({ type: 'tick', phase, failed: failure });
      }
    });
  }
}

const keyOf = (u: Unit) => recordKey({ scenario_id: u.scenario.id, seed: u.seed, arm: u.arm });

async function playConversations(run: Run): Promise<void> {
  const { options, snapshot } = run;
  const { models } = options;
  const library = asLibrary(snapshot);
  await run.each('conversations', run.units(options.arms), run.finished, async ({ scenario, seed, arm }, key, signal) => {
    const record = await runConversation({
      library,
      scenario,
      seed,
      arm,
      agent: new ArmAgent(promptBuilder(arm, options, snapshot, `eval:${scenario.id}:${seed}`.slice(0, 200))),
      agentModel: models.agent(arm, seed),
      customerModel: models.customer(seed),
      judgeModel: models.judge,
      customerPrompt: options.customerPrompt,
      prompts: options.prompts,
      maxTurns: options.maxTurns,
      signal,
    });
    await run.conversations.append(record);
    run.finished.set(key, record);
  });
}

async function judgePairs(run: Run): Promise<void> {
  const { options, snapshot } = run;
  const compared = options.arms.filter((arm) => arm !== BASELINE_ARM);
  await run.each('pairwise', run.units(compared), run.judged, async ({ scenario, seed }, key, signal) => {
    const own = run.finished.get(key);
    const baseline = run.finished.get(recordKey({ scenario_id: scenario.id, seed, arm: BASELINE_ARM }));
    if (own === undefined || baseline === undefined) throw new Error('a conversation of the pair did not finish; rerun to retry it');
    const record = await judgeSwapped(options.models.judge, options.prompts.pairwise, snapshot.policy, scenario, baseline, own, signal);
    await run.pairwise.append(record);
    run.judged.set(key, record);
  });
}

async function writeReport(run: Run, overlapping: string[], promptVersions: Record<string, string>): Promise<Omit<EvaluationResult, 'failures'>> {
  const { options, snapshot } = run;
  // Only this run's scenarios, seeds and arms: the directory may hold records of a wider earlier run.
  const ids = new Set(options.scenarios.map((s) => s.id));
  const inScope = (r: { scenario_id: string; seed: number; arm: ArmName }) => ids.has(r.scenario_id) && r.seed < options.seeds && options.arms.includes(r.arm);
  const report = buildReport({
    records: [...run.finished.values()].filter(inScope),
    pairwise: [...run.judged.values()].filter(inScope),
    arms: options.arms,
    prices: options.prices,
    bootstrap: options.bootstrap,
    run: {
      library: { id: snapshot.id, name: snapshot.name, entries: snapshot.entries.length },
      scenarios: { source: options.scenarioSource, count: options.scenarios.length, used_to_build_library: overlapping, forced: options.force },
      seeds: options.seeds,
      max_turns: options.maxTurns,
      models: options.models.names(options.arms),
      prompts: promptVersions,
      failures: run.failures.length,
    },
  });
  const files = {
    conversations: run.conversations.path,
    pairwise: run.pairwise.path,
    report: path.join(options.outDir, 'report.json'),
    summary: path.join(options.outDir, 'summary.md'),
    chart: path.join(options.outDir, 'chart.svg'),
  };
  await writeFile(files.report, JSON.stringify(report, null, 2) + '\n');
  await writeFile(files.summary, renderSummary(report));
  await writeFile(files.chart, renderChart(report));
  return { report, files };
}

/**
 * Plays every scenario × seed × arm not already in the output directory, judges pairs against the
 * student-alone arm, and writes the report from all finished records.
 */
export async function evaluate(options: EvaluationOptions): Promise<EvaluationResult> {
  const snapshot = await options.coach.library(options.libraryId);
  const overlapping = enforceSplit(options.scenarios, await trainingIds(options.coach, snapshot), options.force);

  await mkdir(options.outDir, { recursive: true });
  const promptVersions = { customer: options.customerPrompt.version, ...Object.fromEntries(Object.entries(options.prompts).map(([k, p]) => [k, p.version])) };
  await checkManifest(path.join(options.outDir, 'run.json'), { library_id: snapshot.id, models: options.models.names(options.arms), prompts: promptVersions, max_turns: options.maxTurns });

  const conversations = new ResultsFile<ConversationRecord>(path.join(options.outDir, 'conversations.jsonl'));
  const pairwise = new ResultsFile<PairwiseRecord>(path.join(options.outDir, 'pairwise.jsonl'));
  const run = new Run(options, snapshot, conversations, pairwise, await conversations.readAll(), await pairwise.readAll());
  await playConversations(run);
  if (options.pairwise && options.arms.includes(BASELINE_ARM)) await judgePairs(run);
  return { ...(await writeReport(run, overlapping, promptVersions)), failures: run.failures };
}
