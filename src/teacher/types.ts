import type { ModelRole } from '../config.js';
import type { ChatMessage, ToolDefinition } from '../messages.js';

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
  /** Tool calls and results included, from a human agent's tools or a model's. */
  messages: ChatMessage[];
  /** The tools the agent had, offered to the student again when it re-tests a decision point. */
  tools?: ToolDefinition[];
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

export const SHORTFALL_KINDS = ['missed_step', 'wrong_order', 'policy_risk', 'tone', 'tool_too_early', 'tool_wrong_arguments', 'tool_not_called'] as const;
export type ShortfallKind = (typeof SHORTFALL_KINDS)[number];

/** An agent turn whose move mattered, judged by the teacher. */
export interface DecisionPoint {
  /** Unique within the job: `<source id>#<turn>`; names the entry written for it. */
  key: string;
  sourceId: string;
  /** Index of the agent's message in the conversation. */
  turn: number;
  /** The conversation before the agent's reply. */
  state: ChatMessage[];
  /** The tools the agent had in that state (transcripts that list them). */
  tools?: ToolDefinition[];
  /** What the agent said and the tools it called, as text (see agentMove). */
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
  /** The entry's applies_when: tools that must have run, and tools that must not have yet. */
  after_tools?: string[];
  before_tools?: string[];
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
