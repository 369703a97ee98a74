import type { DomainData, TauTask } from './domain-data.js';
import { TauEnvironment } from './environment.js';
import { jsonEqual } from './json-values.js';
import { TERMINATING_TOOLS } from './shared-tools.js';

/**
 * The database a task asks for: its gold actions replayed on a fresh copy, as upstream's reward
 * does (transfers skipped, a failing gold action simply leaving the database as it is).
 */
export function goldEnvironment(data: DomainData, task: TauTask): TauEnvironment {
  const env = new TauEnvironment(data);
  for (const action of task.actions) if (!TERMINATING_TOOLS.has(action.name)) env.callTool(action.name, action.kwargs);
  return env;
}

export interface RewardResult {
  reward: 0 | 1;
  /** The database equals the gold one. */
  data_matches: boolean;
  /** Each required output: whether one of the agent's messages contains it. */
  outputs: Record<string, boolean>;
}

/**
 * τ-bench's reward: 1 when the database equals the gold one and every required output appears in
 * some message of the agent (lower-cased, commas removed from the message but not the output).
 * Upstream compares sha256 hashes of the canonical form (dict keys sorted, lists in order); two
 * databases have equal canonical forms exactly when they are deep-equal, which is cheaper to ask.
 */
export function reward(env: TauEnvironment, task: TauTask): RewardResult {
  const data_matches = jsonEqual(env.db, goldEnvironment(env.data, task).db);
  const messages = env.messages.map((m) => m.toLowerCase().replaceAll(',', ''));
  const outputs = Object.fromEntries(task.outputs.map((output) => [output, messages.some((m) => m.includes(output.toLowerCase()))]));
  return { reward: data_matches && Object.values(outputs).every(Boolean) ? 1 : 0, data_matches, outputs };
}
