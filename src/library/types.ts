import type { RetrievalSettings } from './retrieval-settings.js';

export const STATUSES = ['draft', 'approved', 'retired'] as const;
export type GuidanceStatus = (typeof STATUSES)[number];

export interface Library {
  id: string;
  name: string;
  description: string;
  policy: string;
  embedder: string;
  embedding_dim: number;
  /** Probability that an entry about to enter a prompt is withheld, per conversation and entry (see holdout.ts). */
  holdout_rate: number;
  /** Whether entries flagged by a policy edit are served until someone reviews them. */
  serve_needs_review: boolean;
  /** k and min_score for chat and compose, per library and per student model (see retrieval-settings.ts). */
  retrieval: RetrievalSettings;
  created_at: Date;
  updated_at: Date;
}

/**
 * The tools that must have run (all of after_tools) and must not have run yet (any of before_tools)
 * for an entry to apply to a conversation; empty lists set no condition.
 */
export interface AppliesWhen {
  after_tools: string[];
  before_tools: string[];
}

/** The fields a caller writes; everything else is the service's bookkeeping. */
export interface GuidanceContent {
  scenario: string;
  guidance: string;
  examples: string[];
  tags: string[];
  policy_refs: string[];
  applies_when: AppliesWhen;
}

/**
 * How an entry is chosen beside its relevance (see retrieval/selection.ts). References are entry
 * ids of the same library; a write may give external_ids, which are resolved to ids.
 */
export interface SelectionRules {
  /** In every prompt, ahead of retrieved entries and outside their k (at most MAX_ALWAYS_ON per library). */
  always_on: boolean;
  /** Ranks retrieved entries: PRIORITY_STEP per unit is added to the score, after min_score. */
  priority: number;
  /** Entries that never share a prompt with this one: whichever ranks first keeps its place. */
  excludes: string[];
  /** Entries this one is selected only with (in the prompt, or already given and followed). */
  requires: string[];
  /** The step of a procedure this entry is, or null (see retrieval/procedures.ts). */
  procedure: ProcedureStep | null;
}

/**
 * One step of an ordered procedure. `tool` carries the step out: the n-th step of the procedure
 * with that tool is done once the conversation has called it n times. A step without a tool is
 * advice along the way: it neither becomes the next step nor holds the procedure back.
 */
export interface ProcedureStep {
  name: string;
  step: number;
  tool: string | null;
}

/** A procedure step as a caller may write it: the tool left out is none. */
export type ProcedureInput = Omit<ProcedureStep, 'tool'> & { tool?: string | null };

/** Selection rules as a caller writes them. */
export type RulesInput = Partial<Omit<SelectionRules, 'procedure'>> & { procedure?: ProcedureInput | null };

export const NO_RULES: SelectionRules = { always_on: false, priority: 0, excludes: [], requires: [], procedure: null };

/** The texts an entry is searched by (see chunk-index/entry-chunks.ts). */
export type SearchedContent = Pick<GuidanceContent, 'scenario' | 'guidance' | 'examples'>;

export interface GuidanceEntry extends GuidanceContent, SelectionRules {
  id: string;
  library_id: string;
  external_id: string | null;
  status: GuidanceStatus;
  version: number;
  provenance: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  /** Only on a single entry read: the revision of it waiting for review, or null. */
  pending_revision?: { id: string; base_version: number; created_at: Date } | null;
}

export interface GuidanceInput extends Partial<Omit<GuidanceContent, 'scenario' | 'guidance' | 'applies_when'>>, RulesInput {
  scenario: string;
  guidance: string;
  applies_when?: Partial<AppliesWhen>;
  /** Matches an existing entry of the same library on re-import (an export carries it). */
  id?: string;
  external_id?: string | null;
  status?: GuidanceStatus;
  provenance?: Record<string, unknown>;
}

export interface GuidanceVersion extends GuidanceContent, SelectionRules {
  entry_id: string;
  version: number;
  status: GuidanceStatus;
  provenance: Record<string, unknown>;
  change: 'create' | 'update' | 'status' | 'restore';
  reason: string | null;
  changed_by: string | null;
  created_at: Date;
}

/** Who made a change and why, recorded with every version. */
export interface Actor {
  keyId: string | null;
  reason?: string;
}
