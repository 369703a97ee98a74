import type { Db } from '../db/db.js';
import { NotFoundError } from '../errors.js';
import { causalOutcome, type ArmTally, type CausalOutcome } from './uplift.js';

/** Outcomes of the conversations with feedback in one group. Rates are null when nothing was said. */
export interface Outcome {
  conversations: number;
  mean_rating: number | null;
  resolution_rate: number | null;
  policy_violation_rate: number | null;
}

/**
 * Whether the student's next move matched the tools the note names. Correlational like the rest:
 * the student may have made that call without the note, and a note that names a tool to warn
 * against it counts a call to it as followed.
 */
export interface ToolCues {
  /** Answered turns with this entry in the prompt whose guidance named a tool offered in the turn. */
  turns: number;
  /** Of those, the turns whose first tool call was to a tool the guidance named. */
  followed: number;
  follow_rate: number | null;
}

/** The randomised comparison of one entry, over all models and per student model. */
export interface CausalStats extends CausalOutcome {
  by_model: (CausalOutcome & { model: string | null })[];
}

export interface GuidanceStats {
  entry_id: string;
  external_id: string | null;
  version: number;
  status: string;
  /** Turns whose prompt held this entry (failed model calls excluded). */
  exposures: number;
  conversations: number;
  last_used_at: Date | null;
  /** Correlational: conversations with the entry against the library's others. */
  when_used: Outcome;
  when_not_used: Outcome;
  tool_cues: ToolCues;
  causal: CausalStats;
}

export interface LibraryGuidanceStats {
  library_id: string;
  conversations_with_feedback: number;
  items: GuidanceStats[];
}

/** Sums and counts of one group, so "not used" is the library's totals minus "used". */
interface Tally {
  n: number;
  rated: number;
  rating_sum: number;
  resolved_known: number;
  resolved_n: number;
  violation_known: number;
  violated_n: number;
}

const CONVERSATION = (t: string) => `coalesce(${t}.conversation_id, 'trace:' || ${t}.id::text)`;

/**
 * One outcome per conversation with feedback: its mean rating, resolved if any feedback said so,
 * a policy violation if any feedback reported one. A turn without conversation id is its own
 * conversation.
 */
const FEEDBACK = `
  SELECT coalesce(f.conversation_id, 'trace:' || f.trace_id::text) AS conv, avg(f.rating)::float8 AS rating,
         bool_or(f.resolved) AS resolved, bool_or(f.policy_violation) AS violated
  FROM chat_feedback f WHERE f.library_id = $1 GROUP BY 1`;

const RATING_SQ = 'coalesce(sum(fb.rating * fb.rating), 0)::float8 AS rating_sq_sum';

const TALLY = `count(*)::int AS n, count(fb.rating)::int AS rated, coalesce(sum(fb.rating), 0)::float8 AS rating_sum,
  count(fb.resolved)::int AS resolved_known, (count(*) FILTER (WHERE fb.resolved))::int AS resolved_n,
  count(fb.violated)::int AS violation_known, (count(*) FILTER (WHERE fb.violated))::int AS violated_n`;

const PER_ENTRY = `
  WITH fb AS (${FEEDBACK}),
  exposed AS (
    SELECT g.entry_id, t.id AS trace_id, ${CONVERSATION('t')} AS conv, t.created_at
    FROM chat_trace_guidance g JOIN chat_traces t ON t.id = g.trace_id
    WHERE t.library_id = $1 AND t.status <> 'error'
  ),
  exposure AS (
    SELECT entry_id, count(*)::int AS exposures, count(DISTINCT conv)::int AS conversations, max(created_at) AS last_used_at
    FROM exposed GROUP BY entry_id
  ),
  outcome AS (
    SELECT u.entry_id, ${TALLY}
    FROM (SELECT DISTINCT entry_id, conv FROM exposed) u JOIN fb ON fb.conv = u.conv GROUP BY u.entry_id
  ),
  -- Compose turns are left out: the frontend's own model answered them, unseen.
  cues AS (
    SELECT g.entry_id, count(*)::int AS cue_turns,
           (count(*) FILTER (WHERE t.tool_calls -> 0 -> 'function' ->> 'name' = ANY(g.named_tools)))::int AS cues_followed
    FROM chat_trace_guidance g JOIN chat_traces t ON t.id = g.trace_id
    WHERE t.library_id = $1 AND t.status = 'ok' AND t.endpoint <> 'compose' AND cardinality(g.named_tools) > 0
    GROUP BY g.entry_id
  )
  SELECT e.id AS entry_id, e.external_id, e.version, e.status, coalesce(x.exposures, 0) AS exposures,
         coalesce(c.cue_turns, 0) AS cue_turns, coalesce(c.cues_followed, 0) AS cues_followed,
         coalesce(x.conversations, 0) AS conversations, x.last_used_at,
         coalesce(o.n, 0) AS n, coalesce(o.rated, 0) AS rated, coalesce(o.rating_sum, 0) AS rating_sum,
         coalesce(o.resolved_known, 0) AS resolved_known, coalesce(o.resolved_n, 0) AS resolved_n,
         coalesce(o.violation_known, 0) AS violation_known, coalesce(o.violated_n, 0) AS violated_n
  FROM guidance_entries e LEFT JOIN exposure x ON x.entry_id = e.id LEFT JOIN outcome o ON o.entry_id = e.id
       LEFT JOIN cues c ON c.entry_id = e.id
  WHERE e.library_id = $1 AND ($2::uuid IS NULL OR e.id = $2)
  ORDER BY coalesce(x.exposures, 0) DESC, e.seq`;

/**
 * The two arms of each entry's hold-out: conversations served while the library's hold-out rate
 * was above 0 in which the entry was eligible, split by whether it was shown or withheld. A
 * conversation in both (the rate changed mid-way, or the entry changed id) is in neither. Per
 * student model too: a conversation counts under each model that answered it.
 */
const ARMS = `
  WITH fb AS (${FEEDBACK}),
  eligible AS (
    SELECT g.entry_id, ${CONVERSATION('t')} AS conv, t.model, true AS shown
    FROM chat_trace_guidance g JOIN chat_traces t ON t.id = g.trace_id
    WHERE t.library_id = $1 AND t.status <> 'error' AND t.holdout_rate > 0 AND ($2::uuid IS NULL OR g.entry_id = $2)
    UNION ALL
    SELECT w.entry_id, ${CONVERSATION('t')}, t.model, false
    FROM chat_trace_withheld w JOIN chat_traces t ON t.id = w.trace_id
    WHERE t.library_id = $1 AND t.status <> 'error' AND t.holdout_rate > 0 AND ($2::uuid IS NULL OR w.entry_id = $2)
  ),
  overall AS (
    SELECT entry_id, conv, NULL::text AS model, false AS per_model, bool_and(shown) AS shown FROM eligible
    GROUP BY entry_id, conv HAVING bool_and(shown) OR NOT bool_or(shown)
  ),
  per_model AS (
    SELECT entry_id, conv, model, true, bool_and(shown) FROM eligible
    GROUP BY entry_id, conv, model HAVING bool_and(shown) OR NOT bool_or(shown)
  )
  SELECT a.entry_id, a.per_model, a.model, a.shown, ${TALLY}, ${RATING_SQ}
  FROM (SELECT * FROM overall UNION ALL SELECT * FROM per_model) a JOIN fb ON fb.conv = a.conv
  GROUP BY a.entry_id, a.per_model, a.model, a.shown
  ORDER BY a.entry_id, a.model NULLS FIRST`;

type ArmRow = ArmTally & { entry_id: string; per_model: boolean; model: string | null; shown: boolean };

const EMPTY_ARM: ArmTally = { n: 0, rated: 0, rating_sum: 0, rating_sq_sum: 0, resolved_known: 0, resolved_n: 0, violation_known: 0, violated_n: 0 };

function causalStats(rows: ArmRow[]): CausalStats {
  const arm = (model: string | null, perModel: boolean, shown: boolean) =>
    rows.find((r) => r.per_model === perModel && r.model === model && r.shown === shown) ?? EMPTY_ARM;
  const models = [...new Set(rows.filter((r) => r.per_model).map((r) => r.model))];
  return {
    ...causalOutcome(arm(null, false, true), arm(null, false, false)),
    by_model: models.map((model) => ({ model, ...causalOutcome(arm(model, true, true), arm(model, true, false)) })),
  };
}

type EntryRow = Omit<GuidanceStats, 'when_used' | 'when_not_used' | 'tool_cues'> & Tally & { cue_turns: number; cues_followed: number };

const ratio = (part: number, whole: number) => (whole === 0 ? null : part / whole);

function outcome(t: Tally): Outcome {
  return {
    conversations: t.n,
    mean_rating: ratio(t.rating_sum, t.rated),
    resolution_rate: ratio(t.resolved_n, t.resolved_known),
    policy_violation_rate: ratio(t.violated_n, t.violation_known),
  };
}

function minus(a: Tally, b: Tally): Tally {
  return {
    n: a.n - b.n,
    rated: a.rated - b.rated,
    rating_sum: a.rating_sum - b.rating_sum,
    resolved_known: a.resolved_known - b.resolved_known,
    resolved_n: a.resolved_n - b.resolved_n,
    violation_known: a.violation_known - b.violation_known,
    violated_n: a.violated_n - b.violated_n,
  };
}

/**
 * Per-entry effectiveness. Correlational: how conversations went when the entry was in the prompt
 * versus the library's other conversations with feedback; not causal, since entries are retrieved
 * for particular situations, which differ in difficulty. Causal: with the library's hold-out on,
 * the conversations where the entry was eligible, shown against withheld (see ARMS).
 */
export class GuidanceStatsStore {
  constructor(private readonly db: Db) {}

  async forLibrary(libraryId: string): Promise<LibraryGuidanceStats> {
    const totals = await this.totals(libraryId);
    const rows = await this.db.query<EntryRow>(PER_ENTRY, [libraryId, null]);
    const arms = await this.arms(libraryId, null);
    return { library_id: libraryId, conversations_with_feedback: totals.n, items: rows.map((row) => this.stats(row, totals, arms.get(row.entry_id) ?? [])) };
  }

  async forEntry(libraryId: string, entryId: string): Promise<GuidanceStats> {
    const [row] = await this.db.query<EntryRow>(PER_ENTRY, [libraryId, entryId]);
    if (row === undefined) throw new NotFoundError('guidance entry', entryId);
    const arms = await this.arms(libraryId, entryId);
    return this.stats(row, await this.totals(libraryId), arms.get(entryId) ?? []);
  }

  private async arms(libraryId: string, entryId: string | null): Promise<Map<string, ArmRow[]>> {
    const byEntry = new Map<string, ArmRow[]>();
    for (const row of await this.db.query<ArmRow>(ARMS, [libraryId, entryId])) {
      byEntry.set(row.entry_id, [...(byEntry.get(row.entry_id) ?? []), row]);
    }
    return byEntry;
  }

  private async totals(libraryId: string): Promise<Tally> {
    const [row] = await this.db.query<Tally>(`WITH fb AS (${FEEDBACK}) SELECT ${TALLY} FROM fb`, [libraryId]);
    return row!;
  }

  private stats(row: EntryRow, totals: Tally, arms: ArmRow[]): GuidanceStats {
    const { entry_id, external_id, version, status, exposures, conversations, last_used_at, cue_turns, cues_followed } = row;
    return {
      entry_id, external_id, version, status, exposures, conversations, last_used_at,
      when_used: outcome(row),
      when_not_used: outcome(minus(totals, row)),
      tool_cues: { turns: cue_turns, followed: cues_followed, follow_rate: ratio(cues_followed, cue_turns) },
      causal: causalStats(arms),
    };
  }
}
