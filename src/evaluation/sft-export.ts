import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { composePrompt } from '../chat/composer.js';
import type { ChatMessage } from '../messages.js';
import type { Library } from '../library/types.js';
import type { ChatModel } from '../models/chat-model.js';
import { ModelCalls } from '../teacher/model-calls.js';
import type { Prompt } from '../teacher/prompts.js';
import { simulate } from '../teacher/simulate.js';
import { ArmAgent, policyOnly } from './arms.js';
import type { CoachClient, Evidence } from './coach-client.js';
import { runPool } from './pool.js';
import { toSimulatorScenario, type EvalScenario } from './scenarios.js';
import { sftProblems, type SftExample, type SftMessage, type SftTool } from './sft-format.js';
import { servedPrompt } from './tau/arm-agents.js';
import { runTrials, type RunTrialsOptions } from './tau/run-trials.js';
import { UsageTally } from './usage-tally.js';

/**
 * The `sft` arm's training data: the teacher's own conversations on the scenarios that built the
 * library, in OpenAI's fine-tuning format, so the same student can be fine-tuned on them elsewhere
 * and plugged into eval:dialogue (or eval:tau) as the sft arm. The system message is the one the
 * sft arm is served with, the policy composed as for the student alone, so training and serving match.
 */
export interface ExportResult {
  examples: SftExample[];
  /** What could not be exported, and why. */
  skipped: { source: string; problem: string }[];
  /** Trials left out on purpose (--passed-only). */
  filtered: number;
}

const policySystem = (policy: string, messages: ChatMessage[] = []) => composePrompt({ policy, guidance: [], messages, guidanceTokenBudget: 0 }).messages;

/** Messages as stored (with tool calls and results, once conversations carry them) in the format's shape. */
function asSftMessages(messages: readonly unknown[], assistantWeight?: 0): SftMessage[] {
  return messages.map((raw) => {
    const m = raw as { role: string; content: string | null; tool_calls?: unknown; tool_call_id?: string };
    if (m.role === 'assistant') {
      return {
        role: 'assistant',
        content: m.content,
        ...(m.tool_calls === undefined ? {} : { tool_calls: m.tool_calls as never }),
        ...(assistantWeight === undefined ? {} : { weight: assistantWeight }),
      };
    }
    if (m.role === 'tool') return { role: 'tool', tool_call_id: m.tool_call_id ?? '', content: m.content ?? '' };
    return { role: m.role as 'system' | 'user', content: m.content ?? '' };
  });
}

/** Up to the last assistant message: a conversation ends on the customer's goodbye, which is not the agent's to learn. */
function endingOnAssistant(messages: SftMessage[]): SftMessage[] {
  let end = messages.length;
  while (end > 0 && messages[end - 1]!.role !== 'assistant') end--;
  return messages.slice(0, end);
}

function collect(result: ExportResult, source: string, example: SftExample): void {
  const problems = sftProblems(example);
  if (problems.length === 0) result.examples.push(example);
  else result.skipped.push({ source, problem: problems.join('; ') });
}

/**
 * From what Coach stored: for every decision point a teacher job wrote or changed an entry from,
 * the conversation state before the student's reply (its earlier agent turns are the student's,
 * kept as context with weight 0) and the teacher's reply in that state, the one to learn.
 * Only decision points that became entries are stored (for scenario jobs, the student's turns that
 * fell short), so this is the teacher's judgement where the library has guidance, not whole
 * conversations. One example per decision point, ordered by job and decision key.
 */
/**
 * The states of one evidence item with the teacher's move at each: a group's states and held-out
 * siblings (each its own decision point; rollouts that reached the same state and move count once),
 * or the one state of evidence written before groups.
 */
function decisionStates(item: Evidence): { source: string; state: unknown; teacher_reply: unknown }[] {
  const source = `job ${item.job_id} ${item.decision_key}`;
  const { states, siblings } = item.evidence;
  if (!Array.isArray(states)) return [{ source, state: item.evidence.state, teacher_reply: item.evidence.teacher_reply }];
  const points = [...states, ...(Array.isArray(siblings) ? siblings : [])] as { key?: unknown; state?: unknown; teacher_reply?: unknown }[];
  const distinct = new Map(points.map((point) => [JSON.stringify([point.state, point.teacher_reply]), point]));
  return [...distinct.values()].map((point) => ({ source: `${source} ${String(point.key)}`, state: point.state, teacher_reply: point.teacher_reply }));
}

export async function fromEvidence(coach: CoachClient, libraryId: string, jobs: string[] | undefined): Promise<ExportResult> {
  const library = await coach.library(libraryId);
  const seen = new Map<string, Evidence>();
  for (const entry of library.entries) {
    for (const item of await coach.evidence(libraryId, entry.id)) {
      if (jobs !== undefined && !jobs.includes(item.job_id)) continue;
      seen.set(`${item.job_id}\u0000${item.decision_key}`, item);
    }
  }
  const result: ExportResult = { examples: [], skipped: [], filtered: 0 };
  const items = [...seen.values()].sort((a, b) => a.job_id.localeCompare(b.job_id) || a.decision_key.localeCompare(b.decision_key));
  for (const item of items) {
    for (const { source, state, teacher_reply } of decisionStates(item)) {
      if (!Array.isArray(state) || typeof teacher_reply !== 'string') {
        result.skipped.push({ source, problem: 'the evidence has no state and teacher reply' });
        continue;
      }
      const composed = policySystem(library.policy, state as ChatMessage[]);
      collect(result, source, { messages: [...asSftMessages(composed, 0), { role: 'assistant', content: teacher_reply }] });
    }
  }
  if (jobs !== undefined) {
    const found = new Set(items.map((i) => i.job_id));
    for (const job of jobs.filter((j) => !found.has(j))) result.skipped.push({ source: `job ${job}`, problem: 'no entry of the library has evidence from this job' });
  }
  return result;
}

export interface ScenarioExportOptions {
  policy: string;
  scenarios: EvalScenario[];
  seeds: number;
  maxTurns: number;
  concurrency: number;
  /** The teacher as the agent, seeded per conversation. */
  teacher: (seed: number) => ChatModel;
  customer: (seed: number) => ChatModel;
  customerPrompt: Prompt;
  signal: AbortSignal;
}

/**
 * The teacher playing each scenario as the agent, served the policy alone as the student alone is,
 * against the same customer simulator as eval:dialogue: whole conversations, every agent turn the
 * teacher's. One example per scenario × seed.
 */
export async function fromScenarios(options: ScenarioExportOptions): Promise<ExportResult> {
  const epoch = new Date(0);
  const library: Library = { id: 'export', name: 'export', description: '', policy: options.policy, embedder: '', embedding_dim: 0, holdout_rate: 0, serve_needs_review: true, retrieval: {}, created_at: epoch, updated_at: epoch };
  const units = options.scenarios.flatMap((scenario) => Array.from({ length: options.seeds }, (_, seed) => ({ scenario, seed })));
  const done = new Map<string, SftExample | { problem: string }>();
  await runPool(units, options.concurrency, async ({ scenario, seed }) => {
    if (options.signal.aborted) return;
    const source = `scenario ${scenario.id} seed ${seed}`;
    try {
      const customer = options.customer(seed);
      const calls = new ModelCalls({ student: options.teacher(seed), customer, teacher: customer }, new UsageTally().sink({ student: 'agent', customer: 'customer', teacher: 'customer' }), options.signal);
      const { messages } = await simulate(calls, new ArmAgent(policyOnly(options.policy)), library, options.customerPrompt, toSimulatorScenario(scenario), options.maxTurns);
      done.set(source, { messages: endingOnAssistant(asSftMessages(policySystem(options.policy, messages))) });
    } catch (err) {
      done.set(source, { problem: (err as Error).message });
    }
  });
  return inOrder(units.map(({ scenario, seed }) => `scenario ${scenario.id} seed ${seed}`), done);
}

function inOrder(sources: string[], done: Map<string, SftExample | { problem: string }>, filtered = 0): ExportResult {
  const result: ExportResult = { examples: [], skipped: [], filtered };
  for (const source of sources) {
    const outcome = done.get(source);
    if (outcome === undefined) continue;
    if ('problem' in outcome) result.skipped.push({ source, problem: outcome.problem });
    else collect(result, source, outcome);
  }
  return result;
}

/** The trials to run, with the teacher as the τ-bench agent (the domain's tools offered). */
export interface TauExportOptions extends Required<Pick<RunTrialsOptions, 'data' | 'tasks' | 'trials' | 'agent' | 'userModel' | 'userPrompt' | 'maxSteps' | 'concurrency' | 'signal'>> {
  /** Only trials that earned reward 1. */
  passedOnly: boolean;
}

/**
 * The teacher as τ-bench's tool-calling agent, each task × trial against the simulated user: the
 * policy composed as eval:tau serves the sft arm, and the domain's tools, with its tool calls
 * and the environment's answers. One example per trial (with --passed-only, per trial that earned 1).
 */
export async function fromTauTasks(options: TauExportOptions): Promise<ExportResult> {
  // The sft arm is served this prompt: training and serving match.
  const { results, failures } = await runTrials({ ...options, systemPrompt: servedPrompt(options.data.policy) });
  const done = new Map<string, SftExample | { problem: string }>();
  const sourceOf = (r: { task_id: number; trial: number }) => `task ${r.task_id} trial ${r.trial}`;
  for (const f of failures) done.set(sourceOf(f), { problem: f.error });
  let filtered = 0;
  for (const r of results) {
    if (options.passedOnly && r.reward !== 1) {
      filtered += 1;
      continue;
    }
    done.set(sourceOf(r), { messages: endingOnAssistant(asSftMessages(r.messages as ChatCompletionMessageParam[])), tools: options.data.tools as SftTool[] });
  }
  const sources = options.tasks.flatMap((task) => Array.from({ length: options.trials }, (_, trial) => sourceOf({ task_id: task.task_id, trial })));
  return inOrder(sources, done, filtered);
}
