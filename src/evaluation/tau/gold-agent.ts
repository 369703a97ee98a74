import { changedRecords } from './changed-records.js';
import type { DomainData, TauTask } from './domain-data.js';
import { TauEnvironment } from './environment.js';
import { reward, type RewardResult } from './reward.js';
import { TERMINATING_TOOLS } from './shared-tools.js';

/** One line of the check mode's results.jsonl. */
export interface GoldReplayResult {
  task_id: number;
  reward: 0 | 1;
  tool_errors: number;
  /** Tool calls made. */
  actions: number;
  /** Per table, the ids of the records the replay changed versus the initial database. */
  changed: Record<string, string[]>;
}

/** What the gold agent says last: each required output on a line of its own. */
function goldFinalMessage(task: TauTask): string {
  return task.outputs.length > 0 ? task.outputs.join('\n') : 'Your request has been handled.';
}

/**
 * The agent that knows the answer: it makes the task's gold tool calls through the environment in
 * order, as a model would, and states the required outputs in its last message (before a transfer,
 * which ends the conversation: nothing after it is done). Upstream's environment gives every dev
 * task a reward of 1 without a tool error this way, so anything else points at a difference.
 */
export function replayGold(data: DomainData, task: TauTask): { line: GoldReplayResult; detail: RewardResult; env: TauEnvironment } {
  const env = new TauEnvironment(data);
  const end = task.actions.findIndex((a) => TERMINATING_TOOLS.has(a.name));
  for (const action of end === -1 ? task.actions : task.actions.slice(0, end)) env.callTool(action.name, action.kwargs);
  env.respond(goldFinalMessage(task));
  if (end !== -1) env.callTool(task.actions[end]!.name, task.actions[end]!.kwargs);
  const detail = reward(env, task);
  return { line: { task_id: task.task_id, reward: detail.reward, tool_errors: env.toolErrors, actions: env.toolCalls, changed: changedRecords(data.db, env.db) }, detail, env };
}
