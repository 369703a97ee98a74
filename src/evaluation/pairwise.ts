import type { ChatModel } from '../models/chat-model.js';
import { ModelCalls } from '../teacher/model-calls.js';
import type { Prompt } from '../teacher/prompts.js';
import { comparePair } from './judge.js';
import type { ConversationRecord, PairwiseRecord } from './records.js';
import type { EvalScenario } from './scenarios.js';
import { UsageTally } from './usage-tally.js';

/** An arm's conversation against another arm's in the same scenario and seed, judged in both orders. */
export async function judgeSwapped(
  judge: ChatModel,
  prompt: Prompt,
  policy: string,
  scenario: EvalScenario,
  baseline: ConversationRecord,
  arm: ConversationRecord,
  signal: AbortSignal,
): Promise<PairwiseRecord> {
  const tally = new UsageTally();
  const calls = new ModelCalls({ student: judge, customer: judge, teacher: judge }, tally.sink({ student: 'judge', customer: 'judge', teacher: 'judge' }), signal);
  const armSecond = await comparePair(calls, prompt, policy, scenario, baseline.messages, arm.messages);
  const armFirst = await comparePair(calls, prompt, policy, scenario, arm.messages, baseline.messages);
  return { scenario_id: scenario.id, seed: arm.seed, arm: arm.arm, baseline: baseline.arm, arm_second: armSecond, arm_first: armFirst, usage: tally.usage };
}
