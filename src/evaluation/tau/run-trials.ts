import type { ChatModel } from '../../models/chat-model.js';
import type { Prompt } from '../../teacher/prompts.js';
import { runPool } from '../pool.js';
import type { AgentModel } from './agent-model.js';
import type { DomainData, TauTask } from './domain-data.js';
import { SimulatedUser } from './simulated-user.js';
import { runTrial, type TrialResult } from './trial.js';

export interface TrialFailure {
  task_id: number;
  trial: number;
  error: string;
}

export interface RunTrialsOptions {
  data: DomainData;
  tasks: TauTask[];
  /** Trials per task; trial i seeds the agent and the user with i. */
  trials: number;
  agent: AgentModel;
  /** The user simulator's model for a trial's seed. */
  userModel: (seed: number) => ChatModel;
  userPrompt: Prompt;
  maxSteps?: number;
  /** The agent's system prompt, when not upstream's (the policy): the generic arm's, with its playbook. */
  systemPrompt?: string;
  concurrency: number;
  signal?: AbortSignal;
  /** Called as each trial finishes, in the order they finish. */
  onResult?: (result: TrialResult | TrialFailure) => void;
}

/**
 * Every task × trial, a few at a time. A trial whose model calls fail (after the clients' own
 * retries) is reported as a failure, not a reward of 0: it measured nothing.
 */
export async function runTrials(options: RunTrialsOptions): Promise<{ results: TrialResult[]; failures: TrialFailure[] }> {
  const { data, tasks, trials, agent, userModel, userPrompt, maxSteps, systemPrompt, concurrency, signal, onResult } = options;
  const units = tasks.flatMap((task) => Array.from({ length: trials }, (_, trial) => ({ task, trial })));
  const results: TrialResult[] = [];
  const failures: TrialFailure[] = [];
  await runPool(units, concurrency, async ({ task, trial }) => {
    if (signal?.aborted) return;
    try {
      const user = new SimulatedUser(userModel(trial), userPrompt, task.instruction, signal);
      const result = await runTrial({ data, task, trial, agent, user, maxSteps, systemPrompt, signal });
      results.push(result);
      onResult?.(result);
    } catch (err) {
      const failure = { task_id: task.task_id, trial, error: (err as Error).message };
      failures.push(failure);
      onResult?.(failure);
    }
  });
  const order = (a: { task_id: number; trial: number }, b: { task_id: number; trial: number }) => a.task_id - b.task_id || a.trial - b.trial;
  return { results: results.sort(order), failures: failures.sort(order) };
}
