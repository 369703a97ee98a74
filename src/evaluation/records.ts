import type { TextMessage } from '../messages.js';
import type { ArmName } from './arms.js';
import type { PairwiseVerdict, Rating, Scores } from './output-schemas.js';
import type { ConversationUsage } from './usage-tally.js';

/** One finished, rated and judged conversation: a line of conversations.jsonl. */
export interface ConversationRecord {
  scenario_id: string;
  seed: number;
  arm: ArmName;
  /** The model that answered as the agent. */
  agent_model: string;
  /** Set when the conversation transfers the library to another student model (--student-model): that model. */
  transfer?: string;
  messages: TextMessage[];
  /** Guidance entries in the agent's prompt, by the index of the agent's message. */
  guidance: Record<number, string[]>;
  agent_turns: number;
  /** False when the conversation hit --max-turns before the customer ended it. */
  ended_by_customer: boolean;
  rating: Rating;
  scores: Scores;
  usage: ConversationUsage;
  duration_ms: number;
}

/** Both orders of one comparison, arm against baseline: a line of pairwise.jsonl. */
export interface PairwiseRecord {
  scenario_id: string;
  seed: number;
  arm: ArmName;
  /** The arm compared against: the win rate is arm's, as arm − baseline is the difference. */
  baseline: ArmName;
  /** The arm's conversation shown second (B), then first (A). */
  arm_second: PairwiseVerdict;
  arm_first: PairwiseVerdict;
  /** The judge's tokens for both orders. */
  usage: ConversationUsage;
}

export const recordKey = (r: { scenario_id: string; seed: number; arm: string; transfer?: string }): string =>
  JSON.stringify(r.transfer === undefined ? [r.scenario_id, r.seed, r.arm] : [r.scenario_id, r.seed, r.arm, r.transfer]);

export const pairKey = (r: { scenario_id: string; seed: number; arm: string; baseline: string }): string => JSON.stringify([r.scenario_id, r.seed, r.arm, r.baseline]);
