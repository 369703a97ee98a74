import type { ModelRole } from '../config.js';
import type { ChatMessage } from '../messages.js';

export const JOB_KINDS = ['scenarios', 'transcripts'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export const JOB_STATUSES = ['pending', 'running', 'done', 'partial', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export type StepKind = 'generate' | 'scenario' | 'transcript';

export interface Scenario {
  id: string;
  description: string;
  customer_goal: string;
  persona?: string;
  opening?: string;
}

export interface Transcript {
  id: string;
  messages: ChatMessage[];
  outcome?: string;
}

export interface JobOptions {
  max_turns: number;
  rounds: number;
  auto_approve: boolean;
}

/** Model name per role for one job. */
export type JobModels = Record<ModelRole, string>;

/** Fingerprint of the endpoint serving each role; only an instance with the same ones runs the job. */
export type JobEndpoints = Record<ModelRole, string>;

export type StepInput = { count: number } | Scenario | Transcript;

export type ShortfallKind = 'missed_step' | 'wrong_order' | 'policy_risk' | 'tone';

/** An agent turn whose move mattered, judged by the teacher. */
export interface DecisionPoint {
  /** Unique within the job: `<source id>#<turn>`; names the entry written for it. */
  key: string;
  sourceId: string;
  /** Index of the agent's message in the conversation. */
  turn: number;
  /** The conversation before the agent's reply. */
  state: ChatMessage[];
  agentReply: string;
  teacherReply: string;
  shortfall: boolean;
  kinds: ShortfallKind[];
  explanation: string;
}

export interface EntryDraft {
  scenario: string;
  guidance: string;
  policy_refs: string[];
  tags: string[];
  rationale: string;
}

export interface RetestRound {
  round: number;
  guidance: string;
  student_reply: string;
  passed: boolean;
  explanation: string;
}

export interface PolicyVerdict {
  conflict: boolean;
  clauses: string[];
  explanation: string;
}

/** Everything decided for one decision point before the library is written: the planned write. */
export interface DecisionOutcome {
  draft: EntryDraft;
  /** The near-duplicate this becomes a new version of, at the version it was read. */
  mergeInto: { id: string; version: number } | null;
  rounds: RetestRound[];
  passed: boolean;
  policy: PolicyVerdict;
  status: 'draft' | 'approved';
}

export interface WrittenEntry {
  entryId: string;
  version: number;
  action: 'created' | 'merged';
}
