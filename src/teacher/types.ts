import type { ModelRole } from '../config.js';
import type { ChatMessage, ToolDefinition } from '../messages.js';

export const JOB_KINDS = ['scenarios', 'transcripts', 'validate'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export const JOB_STATUSES = ['pending', 'running', 'done', 'partial', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export type StepKind = 'generate' | 'scenario' | 'transcript' | 'evaluate' | 'validate_entry';

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
  /** Refinements of a note whose lift was not shown. */
  rounds: number;
  auto_approve: boolean;
  /** Plays of each scenario; rollout r samples with seed `seed + r`. */
  rollouts: number;
  /** Student replies per state and arm when a note's lift is measured (seeds `seed + 100 + i`). */
  samples: number;
  /** A note is accepted when the lower bound of its lift's 95% interval is above this. */
  min_lift: number;
  seed: number;
  /** Adaptive rounds of teaching, each followed by a measurement on the validation set. */
  max_rounds: number;
  /** Stop when the validation failure rate fell by less than this in a round. */
  min_gain: number;
  /** Stop the job once it has used this much (null: no limit). */
  max_tokens: number | null;
  max_cost_usd: number | null;
}

/** Who plays each part in a job: the judge compares and marks replies (the teacher unless JUDGE_* is configured). */
export type JobRole = ModelRole | 'judge';

/** Model name per role for one job. */
export type JobModels = Record<JobRole, string>;

/** Fingerprint of the endpoint serving each role; only an instance with the same ones runs the job. */
export type JobEndpoints = Record<ModelRole, string> & { judge?: string };

/** An evaluate step: the round it closes, and (round 0) the first round's steps, run after the baseline. */
export interface EvaluateInput {
  round: number;
  /** The fixed validation set, the same every round. */
  validation: Scenario[];
  /** How many scenarios a later round generates. */
  count: number;
  first?: { kind: StepKind; input: StepInput }[];
}

export interface ValidateEntryInput {
  entry_id: string;
}

export type StepInput = { count: number; aim?: AimInput } | Scenario | Transcript | EvaluateInput | ValidateEntryInput;

/** What a generate step of a later round aims at. */
export interface AimInput {
  /** The round the scenarios are for; their ids are prefixed with it, so no round reuses another's. */
  round: number;
  failing: string[];
  untouched: string[];
}

export const SHORTFALL_KINDS = ['missed_step', 'wrong_order', 'policy_risk', 'tone', 'tool_too_early', 'tool_wrong_arguments', 'tool_not_called'] as const;
export type ShortfallKind = (typeof SHORTFALL_KINDS)[number];

/** An agent turn whose move mattered, judged by the teacher. */
export interface DecisionPoint {
  /** Unique within the job: `<source id>#<turn>` (`<source id>/<rollout>#<turn>` for later rollouts). */
  key: string;
  sourceId: string;
  rollout?: number;
  /** The state in general terms, as the judge described it: states alike are grouped by it. */
  situation?: string;
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
  /** What customers said in such states, for retrieval. */
  examples?: string[];
}

/** Decision points of one kind of state, one note written for them. */
export interface DecisionGroup {
  /** Unique within the job; names the entry written for it. */
  key: string;
  sourceId: string;
  situation: string;
  /** Where the student fell short: the states the note is written from. */
  points: DecisionPoint[];
  /** The same kind of state where the student did not fall short (other rollouts): held-out states to measure on. */
  siblings: DecisionPoint[];
}

export interface LiftMeasurement {
  student_model: string;
  judge_model: string;
  passed_with: number;
  n_with: number;
  passed_without: number;
  n_without: number;
  lift: number;
  /** 95% Newcombe (Wilson score) interval of the difference of the two pass rates. */
  interval: [number, number];
  min_lift: number;
  states: number;
  retrieved_states: number;
  /** 1 = the top note; null when never retrieved. */
  best_rank: number | null;
  median_rank: number | null;
  /** Every source state retrieved the note. */
  retrieved: boolean;
  accepted: boolean;
  per_state: { key: string; source: boolean; rank: number | null; passed_with: number; passed_without: number; n: number }[];
}

export interface RetestRound {
  round: number;
  guidance: string;
  lift: LiftMeasurement;
  /** Agent moves with the note that still did not match, for the refinement (a few). */
  misses: { state: string; reply: string; explanation: string }[];
}

export interface PolicyVerdict {
  conflict: boolean;
  clauses: string[];
  explanation: string;
}

/** Where a group's note went: a new draft, a new version of a draft near-duplicate, or a pending revision of an approved one. */
export interface WrittenEntry {
  entryId: string;
  version: number;
  action: 'created' | 'merged' | 'revised';
  revisionId?: string;
  /** The near-duplicate merged into, at the version it was read. */
  mergedInto?: { id: string; version: number };
}

/** What was decided for one group once its note was measured. */
export interface DecisionOutcome {
  draft: EntryDraft;
  rounds: RetestRound[];
  accepted: boolean;
  policy: PolicyVerdict;
  approved: boolean;
}
