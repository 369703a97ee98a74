import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { Usage } from '../../models/chat-model.js';
import type { AgentModel } from './agent-model.js';
import { changedRecords } from './changed-records.js';
import type { DomainData, TauTask } from './domain-data.js';
import { TauEnvironment } from './environment.js';
import { reward, type RewardResult } from './reward.js';
import { addUsage, emptyUsage, STOP, type SimulatedUser } from './simulated-user.js';

/** Upstream's default bound on agent steps (model calls) per conversation. */
export const DEFAULT_MAX_STEPS = 30;

export type TrialEnd = 'user_stop' | 'transfer' | 'max_steps';

export interface TrialResult {
  task_id: number;
  trial: number;
  /** The model that answered as the agent, for its cost. */
  agent_model: string;
  /** 0 when the conversation ran out of steps: upstream scores only conversations that ended. */
  reward: 0 | 1;
  data_matches: boolean;
  outputs: RewardResult['outputs'];
  tool_errors: number;
  /** Tool calls made. */
  actions: number;
  changed: Record<string, string[]>;
  ended: TrialEnd;
  steps: number;
  /** The agent's side of the conversation as its endpoint was sent it: the system prompt first, except through Coach, which composes its own. */
  messages: ChatCompletionMessageParam[];
  /** Through Coach: per agent step, the guidance entries (`id:version`) in its prompt. */
  guidance?: string[][];
  usage: { agent: Usage; user: Usage };
}

export interface TrialOptions {
  data: DomainData;
  task: TauTask;
  trial: number;
  agent: AgentModel;
  /** A fresh simulated user playing this task's instruction. */
  user: SimulatedUser;
  maxSteps?: number;
  /** The agent's system prompt; upstream's is the policy itself. Not sent to an agent that composes its own. */
  systemPrompt?: string;
  /** Names the conversation in a Coach's traces. */
  conversationId?: string;
  signal?: AbortSignal;
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // The environment answers a non-object with an error the agent can act on.
    return text;
  }
}

/**
 * One τ-bench conversation, as upstream's tool-calling agent runs it: the policy as system prompt,
 * the user's opening, then per step one model call. A reply with tool calls has its first call run
 * against this trial's environment (upstream keeps only that one, in the history too) and the
 * result fed back; a reply without is said to the user, whose answer comes back. It ends when the
 * user says ###STOP###, the agent transfers to a human, or the steps run out.
 */
export async function runTrial(options: TrialOptions): Promise<TrialResult> {
  const { data, task, trial, agent, user, maxSteps = DEFAULT_MAX_STEPS, systemPrompt = data.policy, conversationId, signal } = options;
  const env = new TauEnvironment(data);
  const usage = emptyUsage();
  const messages: ChatCompletionMessageParam[] = [
    ...(agent.composesPolicy === true ? [] : [{ role: 'system' as const, content: systemPrompt }]),
    { role: 'user', content: await user.start() },
  ];
  const guidance: string[][] = [];
  let ended: TrialEnd = 'max_steps';
  let steps = 0;
  while (steps < maxSteps) {
    steps += 1;
    const reply = await agent.reply(messages, data.tools, trial, signal, conversationId);
    addUsage(usage, reply.usage);
    if (reply.guidance !== undefined) guidance.push(reply.guidance);
    const call = reply.toolCalls[0];
    if (call !== undefined) {
      const outcome = env.callTool(call.function.name, parseArguments(call.function.arguments));
      messages.push({ role: 'assistant', content: reply.content, tool_calls: [call] }, { role: 'tool', tool_call_id: call.id, content: outcome.observation });
      if (outcome.terminates) {
        ended = 'transfer';
        break;
      }
      continue;
    }
    const content = reply.content ?? '';
    env.respond(content);
    const answer = await user.reply(content);
    messages.push({ role: 'assistant', content }, { role: 'user', content: answer });
    if (answer.includes(STOP)) {
      ended = 'user_stop';
      break;
    }
  }
  const scored = reward(env, task);
  return {
    task_id: task.task_id,
    trial,
    agent_model: agent.model,
    reward: ended === 'max_steps' ? 0 : scored.reward,
    data_matches: scored.data_matches,
    outputs: scored.outputs,
    tool_errors: env.toolErrors,
    actions: env.toolCalls,
    changed: changedRecords(data.db, env.db),
    ended,
    steps,
    messages,
    ...(agent.composesPolicy === true ? { guidance } : {}),
    usage: { agent: usage, user: { ...user.usage } },
  };
}
