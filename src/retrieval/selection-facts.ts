import type { Db } from '../db/db.js';
import { entryFilters } from './search-sql.js';
import type { GuidanceEntry } from '../library/types.js';
import type { ProcedureStepRow } from './procedures.js';
import type { PlacementRules } from './selection.js';

/** What a result shows of an entry. */
export type ShownEntry = Pick<GuidanceEntry, 'id' | 'external_id' | 'version' | 'scenario' | 'guidance' | 'tags' | 'policy_refs' | 'applies_when' | 'status' | 'always_on' | 'priority'>;

/** What selection needs beyond the search: rules of the candidates and the always-on core, and what the conversation was given. */
export interface SelectionFacts {
  /** Candidates with any rule, and the always-on entries that pass the request's filters. Others have none. */
  rules: (PlacementRules & { id: string })[];
  /** The entries asked for ahead (those most likely selected) and the always-on ones, to show. */
  entries: ShownEntry[];
  /** Notes of earlier answered turns of the conversation whose guidance named an offered tool. */
  served: ServedNote[];
  /** Every step, not retired, of the procedures the candidates are steps of. */
  steps: ProcedureStepRow[];
}

export interface ServedNote {
  entry_id: string;
  trace_id: string;
  /** The offered tools its guidance named in that turn. */
  named_tools: string[];
  /** Its applies_when.after_tools: preconditions, already run, so naming them is no step of the note's own. */
  after_tools: string[];
  /** The tools the student called in that turn's answer (chat; a compose turn's frontend model is unseen). */
  called_in_turn: string[];
  /** The tools whose results that turn's conversation already held. */
  ran_before: string[];
}

export interface FactsQuery {
  libraryId: string;
  candidateIds: string[];
  statuses: string[];
  tags: string[];
  anyTags: string[];
  toolsRun: string[];
  /** The conversation's tool state (toolCallState), which procedure steps' examples are counted in. */
  toolCallState: string;
  conversationId: string | null;
  /** Entries to read for showing right away: the best by relevance, which are selected unless a rule says otherwise. */
  prefetch: string[];
}

/** The library's always-on entries that pass the request's filters, as the search applies them. */
const ALWAYS_ON = `(e.library_id = $1 AND e.always_on AND ${entryFilters({ statuses: '$3', tags: '$4', anyTags: '$5', toolsRun: '$6' })})`;

export const SHOWN_COLUMNS = `'id', e.id, 'external_id', e.external_id, 'version', e.version, 'scenario', e.scenario, 'guidance', e.guidance,
  'tags', e.tags, 'policy_refs', e.policy_refs, 'status', e.status, 'always_on', e.always_on, 'priority', e.priority,
  'applies_when', json_build_object('after_tools', e.after_tools, 'before_tools', e.before_tools)`;

/** A ServedNote as a JSON object, from the rows of SERVED_NOTES_FROM. */
export const SERVED_NOTE_OBJECT = `json_build_object('entry_id', g.entry_id, 'trace_id', t.id, 'named_tools', g.named_tools, 'after_tools', e.after_tools,
      'called_in_turn', (SELECT coalesce(json_agg(c -> 'function' ->> 'name'), '[]'::json) FROM jsonb_array_elements(t.tool_calls) c),
      'ran_before', (SELECT coalesce(json_agg(r ->> 'name'), '[]'::json) FROM jsonb_array_elements(t.tool_results) r))`;

/** The notes answered turns were given that named an offered tool: only those can be seen followed. */
export const SERVED_NOTES_FROM = `chat_traces t
     JOIN chat_trace_guidance g ON g.trace_id = t.id AND t.status = 'ok' AND cardinality(g.named_tools) > 0
     JOIN guidance_entries e ON e.id = g.entry_id AND e.library_id = t.library_id`;

// One statement, so one round trip: with the entries to show read ahead, a turn whose rules change
// nothing costs the search and this. The served notes use chat_traces_conversation_idx and the
// trace guidance's primary key; the core uses guidance_entries_always_on_idx. The steps start
// from guidance_entries_procedure_idx, so a library without procedures reads no row for them.
export const SELECTION_FACTS = `
  SELECT
    (SELECT coalesce(json_agg(json_build_object('id', e.id, 'always_on', e.always_on, 'priority', e.priority,
                                                'excludes', e.excludes, 'requires', e.requires)), '[]'::json)
     FROM guidance_entries e
     WHERE (e.id = ANY($2::uuid[]) AND (e.always_on OR e.priority <> 0 OR cardinality(e.excludes) > 0 OR cardinality(e.requires) > 0))
        OR ${ALWAYS_ON}
    ) AS rules,
    (SELECT coalesce(json_agg(json_build_object(${SHOWN_COLUMNS})), '[]'::json)
     FROM guidance_entries e WHERE e.id = ANY($8::uuid[]) OR ${ALWAYS_ON}
    ) AS entries,
    (SELECT coalesce(json_agg(${SERVED_NOTE_OBJECT} ORDER BY t.created_at, t.id), '[]'::json)
     FROM ${SERVED_NOTES_FROM}
     WHERE $7::text IS NOT NULL AND t.conversation_id = $7 AND t.library_id = $1
    ) AS served,
    (SELECT coalesce(json_agg(json_build_object('id', s.id, 'name', s.procedure ->> 'name', 'step', (s.procedure ->> 'step')::int,
                                                'tool', s.procedure ->> 'tool',
                                                'state_examples', cardinality(array_positions(s.example_states, $9::text)))), '[]'::json)
     FROM guidance_entries s
     WHERE s.library_id = $1 AND s.procedure IS NOT NULL AND s.status = ANY($3::text[])
       AND EXISTS (SELECT 1 FROM guidance_entries c
                   WHERE c.library_id = $1 AND c.procedure IS NOT NULL AND (c.procedure ->> 'name') = (s.procedure ->> 'name')
                     AND c.id = ANY($2::uuid[]))
    ) AS steps`;

export async function selectionFacts(db: Db, q: FactsQuery): Promise<SelectionFacts> {
  const params = [q.libraryId, q.candidateIds, q.statuses, q.tags, q.anyTags, q.toolsRun, q.conversationId, q.prefetch, q.toolCallState];
  const [row] = await db.query<SelectionFacts>(SELECTION_FACTS, params, { prepared: true });
  return row!;
}

/**
 * The notes given in an earlier turn of this conversation whose step is done: a tool the note
 * named (beyond its own preconditions) was called after it was given, in that turn's answer or
 * later in the conversation. A note naming no tool offered then is never taken for followed: the
 * conversation gives no sign of it. Deterministic: by entry id, why.
 */
export function followedNotes(served: ServedNote[], toolsRunNow: string[]): Map<string, string> {
  const followed = new Map<string, string>();
  for (const note of served) {
    if (followed.has(note.entry_id)) continue;
    const steps = note.named_tools.filter((tool) => !note.after_tools.includes(tool));
    const done = steps.find((tool) => note.called_in_turn.includes(tool) || (toolsRunNow.includes(tool) && !note.ran_before.includes(tool)));
    if (done !== undefined) followed.set(note.entry_id, `given in an earlier turn of this conversation (trace ${note.trace_id}), and ${done}, which it names, has been called since`);
  }
  return followed;
}
