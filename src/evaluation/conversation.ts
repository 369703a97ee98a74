import type { Library } from '../library/types.js';
import type { ChatModel } from '../models/chat-model.js';
import { ModelCalls } from '../teacher/model-calls.js';
import type { Prompt } from '../teacher/prompts.js';
import { simulate } from '../teacher/simulate.js';
import type { ArmAgent, ArmName } from './arms.js';
import { rateSatisfaction } from './customer-rating.js';
import { scoreConversation } from './judge.js';
import type { EvalPrompts } from './prompts.js';
import type { ConversationRecord } from './records.js';
import { toSimulatorScenario, type EvalScenario } from './scenarios.js';
import { UsageTally } from './usage-tally.js';

export interface ConversationSetup {
  library: Library;
  scenario: EvalScenario;
  seed: number;
  arm: ArmName;
  /** The other student model a transfer conversation is played with. */
  transfer?: string;
  agent: ArmAgent;
  agentModel: ChatModel;
  /** Carries the seed, so every arm meets the same customer. */
  customerModel: ChatModel;
  judgeModel: ChatModel;
  customerPrompt: Prompt;
  prompts: EvalPrompts;
  maxTurns: number;
  signal: AbortSignal;
}

/** Plays one scenario against one arm, then has the customer rate it and the judge score it. */
export async function runConversation(setup: ConversationSetup): Promise<ConversationRecord> {
  const started = performance.now();
  const tally = new UsageTally();
  const { agentModel, customerModel, judgeModel, signal } = setup;
  const playing = new ModelCalls(
    { student: agentModel, customer: customerModel, teacher: customerModel },
    tally.sink({ student: 'agent', customer: 'customer', teacher: 'customer' }),
    signal,
  );
  const simulation = await simulate(playing, setup.agent, setup.library, setup.customerPrompt, toSimulatorScenario(setup.scenario), setup.maxTurns);
  const { messages } = simulation;
  const rating = await rateSatisfaction(playing, setup.prompts.customerRating, setup.scenario, messages);
  const judging = new ModelCalls({ student: judgeModel, customer: judgeModel, teacher: judgeModel }, tally.sink({ student: 'judge', customer: 'judge', teacher: 'judge' }), signal);
  const scores = await scoreConversation(judging, setup.prompts.judgeScores, setup.library.policy, setup.scenario, messages);
  const agentTurns = messages.filter((m) => m.role === 'assistant').length;
  return {
    scenario_id: setup.scenario.id,
    seed: setup.seed,
    arm: setup.arm,
    agent_model: agentModel.model,
    ...(setup.transfer === undefined ? {} : { transfer: setup.transfer }),
    messages,
    guidance: simulation.guidance,
    agent_turns: agentTurns,
    // Only a customer's [END] stops the simulator before its last agent turn.
    ended_by_customer: agentTurns < setup.maxTurns,
    rating,
    scores,
    usage: tally.usage,
    duration_ms: Math.round(performance.now() - started),
  };
}
