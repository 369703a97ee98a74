import type { ChatMessage } from '../messages.js';
import { NO_RULES } from '../library/types.js';
import type { FusedEntry } from './fusion.js';
import { NEXT_STEP_BONUS, nextSteps, type NextStep, type ProcedureStepRow } from './procedures.js';
import { selectEntries, type PlacementRules, type Selection } from './selection.js';

/**
 * From fused hits to the entries a turn gets: the tool-state and next-step bonuses, min_score and
 * the selection rules. Live retrieval runs it on what the search and the selection facts found;
 * release replay on a side's versions, so a replay ranks as a live turn would.
 */

/**
 * Added to the score of an entry whose after_tools have all run. A note written for the state
 * after a call fits it better than one that ignores tools, and the text alone, mostly the
 * customer's words, cannot tell the two apart. A tenth of the score range: enough to lift such a
 * note over an otherwise close match, not over a clearly better one.
 */
export const TOOL_STATE_BONUS = 0.1;

export interface Scored {
  hit: FusedEntry;
  /** The fused score plus the tool-state bonus, and the next-step bonus once placed. */
  relevance: number;
}

/** Where the entry stands in its procedure, for an entry that is a procedure step. */
export interface ProcedureStanding {
  name: string;
  step: number;
  tool: string | null;
  /** The procedure's next step (see nextSteps). */
  next: boolean;
  /** Why it is next: its examples in this tool state, or the documented order; null when not next. */
  next_by: 'examples' | 'order' | null;
  /** How many of its examples were taken in the conversation's tool state. */
  state_examples: number;
  /** NEXT_STEP_BONUS for the next step; for another step its examples took in this tool state, its share (see stepBonus); else 0. */
  bonus: number;
}

/** Ties keep the fused order (sorting is stable), which fuseHits made reproducible. */
export const byRelevance = (a: Scored, b: Scored) => b.relevance - a.relevance;

/** The fused hits with the tool-state bonus for the entries whose after_tools have all run. */
export function withToolState(fused: FusedEntry[], afterToolsMet: ReadonlySet<string>): Scored[] {
  return fused.map((hit) => ({ hit, relevance: hit.score + (afterToolsMet.has(hit.entryId) ? TOOL_STATE_BONUS : 0) }));
}

export interface PlacementInput {
  scored: Scored[];
  /** Every step of the procedures the candidates are steps of. */
  steps: ProcedureStepRow[];
  messages: ChatMessage[];
  /** The rules of the candidates that have any, and of the always-on entries that fit the turn. */
  rules: (PlacementRules & { id: string })[];
  /** Notes already given and followed in the conversation, with why (see followedNotes). */
  followed: Map<string, string>;
  minScore: number;
  k: number;
}

export interface Placement extends Selection {
  /** Every scored entry by id, its relevance with the next-step bonus. */
  scored: Map<string, Scored>;
  procedures: Map<string, ProcedureStanding>;
}

export function placeEntries(input: PlacementInput): Placement {
  const procedures = procedureStanding(input.steps, input.messages);
  const scored = input.scored.map(({ hit, relevance }) => ({ hit, relevance: relevance + (procedures.get(hit.entryId)?.bonus ?? 0) }));
  const byId = new Map(scored.map((entry) => [entry.hit.entryId, entry]));
  const rulesOf = new Map<string, PlacementRules>(input.rules.map(({ id, ...rules }) => [id, rules]));
  const candidate = (id: string, relevance: number) => ({ id, relevance, rules: rulesOf.get(id) ?? NO_RULES });
  const selection = selectEntries({
    candidates: scored.filter((entry) => entry.relevance >= input.minScore).sort(byRelevance).map((entry) => candidate(entry.hit.entryId, entry.relevance)),
    alwaysOn: input.rules.filter((r) => r.always_on).map((r) => candidate(r.id, byId.get(r.id)?.relevance ?? 0)),
    followed: input.followed,
    k: input.k,
  });
  return { ...selection, scored: byId, procedures };
}

/** Each procedure step's standing in the conversation, by entry id, with its next-step bonus. */
function procedureStanding(steps: ProcedureStepRow[], messages: ChatMessage[]): Map<string, ProcedureStanding> {
  const next = nextSteps(steps, messages);
  return new Map(
    steps.map((row) => {
      const { id, name, step, tool, state_examples } = row;
      const procedureNext = next.get(name);
      const by = procedureNext?.step.id === id ? procedureNext.by : null;
      return [id, { name, step, tool, next: by !== null, next_by: by, state_examples, bonus: stepBonus(row, procedureNext) }];
    }),
  );
}

/**
 * NEXT_STEP_BONUS for the procedure's next step. Where the next step was learned from examples,
 * another step its examples took in the same tool state gets the bonus in proportion (half as
 * many examples, half the bonus): agents in that state did both, and the conversation's words
 * decide between them rather than the count alone. On ABCD's state-level benchmark (dev 5-fold
 * CV, n = 3,107) acc@1 .781 → .785, recall@5 .960 → .962 and MRR .860 → .864 against the whole
 * bonus to the most frequent step alone.
 */
function stepBonus(step: ProcedureStepRow, next: NextStep | undefined): number {
  if (next === undefined) return 0;
  if (next.step.id === step.id) return NEXT_STEP_BONUS;
  return next.by === 'examples' ? (NEXT_STEP_BONUS * step.state_examples) / next.step.state_examples : 0;
}
