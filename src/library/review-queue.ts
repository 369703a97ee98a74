import type { Db } from '../db/db.js';
import type { Paged } from '../db/paged.js';
import { OPEN_FLAG, type PolicyFlag } from './policy-flags.js';
import type { GuidanceStatus } from './types.js';

/**
 * Why an entry waits for a person. Each kind is one SQL source below and one variant of the wire
 * union; a new kind is one more of each.
 */
export const REVIEW_KINDS = ['draft', 'needs_review', 'pending_revision'] as const;
export type ReviewKind = (typeof REVIEW_KINDS)[number];

/** What a reviewer weighs an entry by, without opening its evidence. */
export interface EvidenceSummary {
  /** Decision points of teacher jobs that wrote or changed the entry. */
  teacher_evidence: number;
  /** Of the latest of those: whether the re-test passed, whether the policy check found a conflict. */
  latest_retest_passed: boolean | null;
  latest_policy_conflict: boolean | null;
  /** Turns whose prompt held the entry (failed model calls excluded), and their conversations. */
  exposures: number;
  conversations: number;
}

export interface ReviewItem {
  kind: ReviewKind;
  /** Since when the entry waits: its last change (draft), its first open flag (needs_review), the revision's proposal (pending_revision). */
  since: Date;
  entry: {
    id: string;
    external_id: string | null;
    version: number;
    status: GuidanceStatus;
    scenario: string;
    guidance: string;
    policy_refs: string[];
  };
  evidence: EvidenceSummary;
  /** needs_review: the open flags, with the old and the new clause. Empty for other kinds. */
  policy_flags: PolicyFlag[];
  /** pending_revision: the revision waiting (the entry is served as it is until it is approved); null for other kinds. */
  revision_id: string | null;
}

/** Each kind's entries, since when they wait and the revision waiting (if that is why); $1 is the library. */
const SOURCES: Record<ReviewKind, string> = {
  draft: `SELECT 'draft' AS kind, e.id AS entry_id, e.updated_at AS since, NULL::uuid AS revision_id FROM guidance_entries e WHERE e.library_id = $1 AND e.status = 'draft'`,
  needs_review: `SELECT 'needs_review', e.id, min(f.created_at), NULL::uuid FROM guidance_policy_flags f JOIN guidance_entries e ON e.id = f.entry_id
    WHERE f.library_id = $1 AND ${OPEN_FLAG} GROUP BY e.id`,
  pending_revision: `SELECT 'pending_revision', r.entry_id, r.created_at, r.id FROM guidance_revisions r WHERE r.library_id = $1 AND r.status = 'pending'`,
};

const QUEUE = `WITH queue AS (${REVIEW_KINDS.map((kind) => SOURCES[kind]).join('\n  UNION ALL\n  ')})`;

/** One queue row as the SQL returns it: the item's entry and evidence flattened into columns. */
type Row = ReviewItem['entry'] & EvidenceSummary & Pick<ReviewItem, 'kind' | 'since' | 'policy_flags' | 'revision_id'>;

export class ReviewQueue {
  constructor(private readonly db: Db) {}

  /** Oldest waiting first. */
  async list(libraryId: string, kinds: readonly ReviewKind[], limit: number, offset: number): Promise<Paged<ReviewItem>> {
    const [count] = await this.db.query<{ n: number }>(`${QUEUE} SELECT count(*)::int AS n FROM queue WHERE kind = ANY($2::text[])`, [libraryId, kinds]);
    const rows = await this.db.query<Row>(
      `${QUEUE}
       SELECT q.kind, q.since, q.revision_id, e.id, e.external_id, e.version, e.status, e.scenario, e.guidance, e.policy_refs,
              (SELECT count(*)::int FROM teacher_evidence x WHERE x.entry_id = e.id) AS teacher_evidence,
              latest.retest_passed AS latest_retest_passed, latest.policy_conflict AS latest_policy_conflict,
              (SELECT count(*)::int FROM chat_trace_guidance g JOIN chat_traces t ON t.id = g.trace_id WHERE g.entry_id = e.id AND t.status <> 'error') AS exposures,
              (SELECT count(DISTINCT coalesce(t.conversation_id, 'trace:' || t.id::text))::int
                 FROM chat_trace_guidance g JOIN chat_traces t ON t.id = g.trace_id WHERE g.entry_id = e.id AND t.status <> 'error') AS conversations,
              CASE WHEN q.kind = 'needs_review' THEN coalesce((
                SELECT json_agg(json_build_object('id', f.id, 'library_id', f.library_id, 'entry_id', f.entry_id, 'entry_version', f.entry_version,
                         'policy_ref', f.policy_ref, 'old_clause', f.old_clause, 'new_clause', f.new_clause, 'created_at', f.created_at)
                       ORDER BY f.created_at, f.id)
                FROM guidance_policy_flags f WHERE f.entry_id = e.id AND ${OPEN_FLAG}), '[]'::json) ELSE '[]'::json END AS policy_flags
       FROM queue q JOIN guidance_entries e ON e.id = q.entry_id
       LEFT JOIN LATERAL (SELECT x.retest_passed, x.policy_conflict FROM teacher_evidence x WHERE x.entry_id = e.id
                          ORDER BY x.created_at DESC, x.id DESC LIMIT 1) latest ON true
       WHERE q.kind = ANY($2::text[])
       ORDER BY q.since, e.id, q.kind LIMIT $3 OFFSET $4`,
      [libraryId, kinds, limit, offset],
    );
    return {
      total: count!.n,
      items: rows.map((r) => ({
        kind: r.kind,
        since: r.since,
        entry: { id: r.id, external_id: r.external_id, version: r.version, status: r.status, scenario: r.scenario, guidance: r.guidance, policy_refs: r.policy_refs },
        evidence: {
          teacher_evidence: r.teacher_evidence,
          latest_retest_passed: r.latest_retest_passed,
          latest_policy_conflict: r.latest_policy_conflict,
          exposures: r.exposures,
          conversations: r.conversations,
        },
        // Timestamps inside JSON arrive as text.
        policy_flags: r.policy_flags.map((f) => ({ ...f, created_at: new Date(f.created_at) })),
        revision_id: r.revision_id,
      })),
    };
  }
}
