import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModelPrice } from '../config.js';
import type { Library } from '../library/types.js';
import type { Prompt } from '../teacher/prompts.js';
import { COMPARISONS } from './analysis.js';
import { ArmAgent, coachRetrieval, genericGuidance, policyOnly, type ArmName, type PromptBuilder } from './arms.js';
import { renderChart, renderDifferencesChart } from './chart.js';
import type { CoachClient, LibrarySnapshot } from './coach-client.js';
import { runConversation } from './conversation.js';
import type { EvalModels } from './eval-models.js';
import { genericPlaybook, type GenericPlaybook } from './generic-playbook.js';
import { libraryBuildCost, libraryProvenances, teacherJobIds } from './library-build.js';
import { judgeSwapped } from './pairwise.js';
import { runPool } from './pool.js';
import type { EvalPrompts } from './prompts.js';
import { pairKey, recordKey, type ConversationRecord, type PairwiseRecord } from './records.js';
import { buildReport, type Report } from './report.js';
import { ResultsFile } from './results-file.js';
import { checkManifest } from './run-manifest.js';
import type { EvalScenario } from './scenarios.js';
import { enforceSplit, trainingSourceIds } from './split.js';
import { renderSummary } from './summary.js';
import type { ConversationUsage } from './usage-tally.js';

export interface EvaluationOptions {
  libraryId: string;
  scenarios: EvalScenario[];
  scenarioSource: string;
  arms: ArmName[];
  seeds: number;
  outDir: string;
  /** Where generic playbooks are cached, beside the run directories so every run of a policy shares one. */
  playbookCacheDir: string;
  force: boolean;
  maxTurns: number;
  concurrency: number;
  pairwise: boolean;
  /** The notes budget of the generic playbook; production's CHAT_GUIDANCE_TOKEN_BUDGET keeps the arms comparable. */
  guidanceTokenBudget: number;
  bootstrap: { iterations: number; seed: number };
  /** A conversation counts as resolved (for the cost per resolved task) from this judge resolution score. */
  resolvedAt: number;
  /** Other student models the same library is served to: their student, generic and coach arms. */
  transferModels: string[];
  prices: Record<string, ModelPrice>;
  coach: CoachClient;
  models: EvalModels;
  customerPrompt: Prompt;
  prompts: EvalPrompts;
  /** Setup problems (a judge that is the teacher) to record in the report. */
  warnings: string[];
  signal: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

export type Phase = 'conversations' | 'pairwise';

export type ProgressEvent =
  | { type: 'start'; phase: Phase; total: number; done: number }
  | { type: 'tick'; phase: Phase; tokens: number; failed?: { key: string; error: string } };

export interface EvaluationResult {
  report: Report;
  failures: { key: string; error: string }[];
  files: { conversations: string; pairwise: string; report: string; summary: string; chart: string; differences: string };
}

/** The library as the teacher's simulator wants it; only the policy matters to the arms. */
function asLibrary(snapshot: LibrarySnapshot): Library {
  const epoch = new Date(0);
  return { id: snapshot.id, name: snapshot.name, description: '', policy: snapshot.policy, embedder: '', embedding_dim: 0, holdout_rate: 0, serve_needs_review: true, retrieval: {}, created_at: epoch, updated_at: epoch };
}

const failureOf = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));
const tokensIn = (usage: ConversationUsage) => Object.values(usage).reduce((sum, u) => sum + u.prompt_tokens + u.completion_tokens, 0);

interface Unit {
  scenario: EvalScenario;
  seed: number;
  arm: ArmName;
  /** The comparison's other arm (pairwise), or the transfer model (conversations). */
  baseline?: ArmName;
  transfer?: string;
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
    readonly playbook: GenericPlaybook | null,
    readonly conversations: ResultsFile<ConversationRecord>,
    readonly pairwise: ResultsFile<PairwiseRecord>,
    finished: ConversationRecord[],
    judged: PairwiseRecord[],
  ) {
    this.finished = new Map(finished.map((r) => [recordKey(r), r]));
    this.judged = new Map(judged.map((r) => [pairKey(r), r]));
    this.seeds = Array.from({ length: options.seeds }, (_, i) => i);
  }

  units(each: Omit<Unit, 'scenario' | 'seed'>[]): Unit[] {
    return this.options.scenarios.flatMap((scenario) => this.seeds.flatMap((seed) => each.map((u) => ({ scenario, seed, ...u }))));
  }

  /** Runs the units not yet done, a failure costing only its own unit; stops starting new ones once aborted. */
  async each(phase: Phase, units: Unit[], keyOf: (u: Unit) => string, done: Map<string, unknown>, work: (unit: Unit, key: string, signal: AbortSignal) => Promise<number>): Promise<void> {
    const { signal, concurrency } = this.options;
    const progress = this.options.onProgress ?? (() => {});
    const pending = units.filter((u) => !done.has(keyOf(u)));
    progress({ type: 'start', phase, total: units.length, done: units.length - pending.length });
    await runPool(pending, concurrency, async (unit) => {
      if (signal.aborted) return;
      const key = keyOf(unit);
      try {
        const tokens = await work(unit, key, signal);
        progress({ type: 'tick', phase, tokens });
      } catch (err) {
        if (signal.aborted) return;
        const failure = { key: phase === 'pairwise' ? `pairwise:${key}` : key, error: failureOf(err) };
        this.failures.push(failure);
        progress({ type: 'tick', phase, tokens: 0, failed: failure });
      }
    });
  }

  promptBuilder(arm: ArmName, conversationId: string): PromptBuilder {
    if (arm === 'coach') return coachRetrieval(this.options.coach, this.snapshot.id, conversationId);
    if (arm === 'generic') return genericGuidance(this.snapshot.policy, this.playbook!);
    return policyOnly(this.snapshot.policy);
  }
}

const conversationKey = (u: Unit) => recordKey({ scenario_id: u.scenario.id, seed: u.seed, arm: u.arm, transfer: u.transfer });
const comparisonUnitKey = (u: Unit) => pairKey({ scenario_id: u.scenario.id, seed: u.seed, arm: u.arm, baseline: u.baseline! });

/** The arms that serve the student, and so can serve another student the same library. */
const TRANSFERABLE: ArmName[] = ['student', 'generic', 'coach'];

async function playConversations(run: Run): Promise<void> {
  const { options } = run;
  const { models } = options;
  const library = asLibrary(run.snapshot);
  const kinds = [
    ...options.arms.map((arm) => ({ arm })),
    ...options.transferModels.flatMap((transfer) => options.arms.filter((arm) => TRANSFERABLE.includes(arm)).map((arm) => ({ arm, transfer }))),
  ];
  await run.each('conversations', run.units(kinds), conversationKey, run.finished, async ({ scenario, seed, arm, transfer }, key, signal) => {
    const conversationId = `eval:${scenario.id}:${seed}${transfer === undefined ? '' : `:${transfer}`}`.slice(0, 200);
    const record = await runConversation({
      library,
      scenario,
      seed,
      arm,
      transfer,
      agent: new ArmAgent(run.promptBuilder(arm, conversationId)),
      agentModel: models.agent(arm, seed, transfer),
      customerModel: models.customer(seed),
      judgeModel: models.judge,
      customerPrompt: options.customerPrompt,
      prompts: options.prompts,
      maxTurns: options.maxTurns,
      signal,
    });
    await run.conversations.append(record);
    run.finished.set(key, record);
    return tokensIn(record.usage);
  });
}

/** Each claim comparison judged pair by pair, in both orders, on the same scenario and seed. */
async function judgePairs(run: Run): Promise<void> {
  const { options, snapshot } = run;
  const pairs = COMPARISONS.filter(([a, b]) => options.arms.includes(a as ArmName) && options.arms.includes(b as ArmName)).map(([arm, baseline]) => ({
    arm: arm as ArmName,
    baseline: baseline as ArmName,
  }));
  await run.each('pairwise', run.units(pairs), comparisonUnitKey, run.judged, async ({ scenario, seed, arm, baseline }, key, signal) => {
    const own = run.finished.get(recordKey({ scenario_id: scenario.id, seed, arm }));
    const other = run.finished.get(recordKey({ scenario_id: scenario.id, seed, arm: baseline! }));
    if (own === undefined || other === undefined) throw new Error('a conversation of the pair did not finish; rerun to retry it');
    const record = await judgeSwapped(options.models.judge, options.prompts.pairwise, snapshot.policy, scenario, other, own, signal);
    await run.pairwise.append(record);
    run.judged.set(key, record);
    return tokensIn(record.usage);
  });
}

async function writeReport(run: Run, overlapping: string[], promptVersions: Record<string, string>, jobIds: string[]): Promise<Omit<EvaluationResult, 'failures'>> {
  const { options, snapshot } = run;
  // Only this run's scenarios, seeds and arms: the directory may hold records of a wider earlier run.
  const ids = new Set(options.scenarios.map((s) => s.id));
  const inScope = (r: { scenario_id: string; seed: number; arm: ArmName }) => ids.has(r.scenario_id) && r.seed < options.seeds && options.arms.includes(r.arm);
  const finished = [...run.finished.values()].filter(inScope);
  const report = buildReport({
    records: finished.filter((r) => r.transfer === undefined),
    pairwise: [...run.judged.values()].filter((p) => inScope(p) && options.arms.includes(p.baseline)),
    transfer: options.transferModels.map((model) => ({ model, records: finished.filter((r) => r.transfer === model) })),
    arms: options.arms,
    prices: options.prices,
    bootstrap: options.bootstrap,
    resolvedAt: options.resolvedAt,
    libraryBuild: await libraryBuildCost(options.coach, jobIds, options.prices),
    genericPlaybook: run.playbook,
    warnings: options.warnings,
    run: {
      library: { id: snapshot.id, name: snapshot.name, entries: snapshot.entries.length, teacher_jobs: jobIds },
      scenarios: { source: options.scenarioSource, count: options.scenarios.length, used_to_build_library: overlapping, forced: options.force },
      seeds: options.seeds,
      max_turns: options.maxTurns,
      models: options.models.names(options.arms),
      transfer_models: options.transferModels,
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
    differences: path.join(options.outDir, 'differences.svg'),
  };
  await writeFile(files.report, JSON.stringify(report, null, 2) + '\n');
  await writeFile(files.summary, renderSummary(report));
  await writeFile(files.chart, renderChart(report));
  await writeFile(files.differences, renderDifferencesChart(report));
  return { report, files };
}

/**
 * Plays every scenario × seed × arm (and transfer model) not already in the output directory,
 * judges the claim comparisons pair by pair, and writes the report from all finished records.
 */
export async function evaluate(options: EvaluationOptions): Promise<EvaluationResult> {
  const snapshot = await options.coach.library(options.libraryId);
  const history = await libraryProvenances(options.coach, snapshot);
  const overlapping = enforceSplit(options.scenarios, trainingSourceIds(history), options.force);

  await mkdir(options.outDir, { recursive: true });
  const promptVersions = { customer: options.customerPrompt.version, ...Object.fromEntries(Object.entries(options.prompts).map(([k, p]) => [k, p.version])) };
  const playbook = options.arms.includes('generic')
    ? await genericPlaybook({
        policy: snapshot.policy,
        prompt: options.prompts.genericPlaybook,
        budget: options.guidanceTokenBudget,
        teacher: options.models.teacher(),
        cacheDir: options.playbookCacheDir,
        signal: options.signal,
      })
    : null;
  await checkManifest(path.join(options.outDir, 'run.json'), {
    library_id: snapshot.id,
    models: options.models.names(options.arms),
    prompts: promptVersions,
    max_turns: options.maxTurns,
    ...(playbook === null ? {} : { generic_playbook: playbook.key }),
  });

  const conversations = new ResultsFile<ConversationRecord>(path.join(options.outDir, 'conversations.jsonl'));
  const pairwise = new ResultsFile<PairwiseRecord>(path.join(options.outDir, 'pairwise.jsonl'));
  const run = new Run(options, snapshot, playbook, conversations, pairwise, await conversations.readAll(), await pairwise.readAll());
  await playConversations(run);
  if (options.pairwise) await judgePairs(run);
  return { ...(await writeReport(run, overlapping, promptVersions, teacherJobIds(history))), failures: run.failures };
}
