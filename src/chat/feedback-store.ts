import type { Principal } from '../auth/principal.js';
import type { Db, Queryable } from '../db/db.js';
import type { Paged } from '../db/paged.js';
import { NotFoundError } from '../errors.js';

/** What a caller says about one turn, or about a conversation (recorded against its latest turn). */
export type FeedbackInput = ({ traceId: string } | { conversationId: string }) & {
  rating?: number;
  resolved?: boolean;
  policyViolation?: boolean;
  comment?: string;
};

export interface Feedback {
  id: string;
  library_id: string;
  trace_id: string;
  conversation_id: string | null;
  rating: number | null;
  resolved: boolean | null;
  policy_violation: boolean | null;
  comment: string | null;
  created_at: Date;
}

export interface FeedbackFilter {
  libraryId?: string;
  conversationId?: string;
  traceId?: string;
  /** created_at ≥ from and < to. */
  from?: Date;
  to?: Date;
  limit: number;
  offset: number;
}

const LIST_WHERE = `WHERE ($1::uuid[] IS NULL OR f.library_id = ANY($1::uuid[])) AND ($2::uuid IS NULL OR f.library_id = $2)
  AND ($3::text IS NULL OR f.conversation_id = $3) AND ($4::uuid IS NULL OR f.trace_id = $4)
  AND ($5::timestamptz IS NULL OR f.created_at >= $5) AND ($6::timestamptz IS NULL OR f.created_at < $6)`;

interface Target {
  id: string;
  library_id: string;
  conversation_id: string | null;
}

/**
 * Feedback attaches to a conversation when the turn has one, so it counts for every turn of it;
 * given by conversation id, it is recorded against the conversation's latest turn.
 */
export class FeedbackStore {
  constructor(private readonly db: Db) {}

  /** `alsoStore` runs in the insert's transaction (an idempotent request's response commits with it). */
  async add(
    principal: Principal,
    input: FeedbackInput,
    alsoStore?: (tx: Queryable, libraryId: string, feedback: Feedback) => Promise<void>,
  ): Promise<Feedback> {
    const target = await this.target(principal, input);
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<Feedback>(
        `INSERT INTO chat_feedback (library_id, trace_id, conversation_id, rating, resolved, policy_violation, comment, key_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         RETURNING id, library_id, trace_id, conversation_id, rating, resolved, policy_violation, comment, created_at`,
        [
          target.library_id, target.id, target.conversation_id, input.rating ?? null, input.resolved ?? null,
          input.policyViolation ?? null, input.comment ?? null, principal.keyId,
        ],
      );
      await alsoStore?.(tx, row!.library_id, row!);
      return row!;
    });
  }

  /** Feedback in the libraries the caller may see, newest first. */
  async list(principal: Principal, filter: FeedbackFilter): Promise<Paged<Feedback>> {
    const params = [principal.libraryIds, filter.libraryId ?? null, filter.conversationId ?? null, filter.traceId ?? null, filter.from ?? null, filter.to ?? null];
    const [count] = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM chat_feedback f ${LIST_WHERE}`, params);
    const items = await this.db.query<Feedback>(
      `SELECT f.id, f.library_id, f.trace_id, f.conversation_id, f.rating, f.resolved, f.policy_violation, f.comment, f.created_at
       FROM chat_feedback f ${LIST_WHERE} ORDER BY f.created_at DESC, f.id DESC LIMIT $7 OFFSET $8`,
      [...params, filter.limit, filter.offset],
    );
    return { items, total: count!.n };
  }

  private async target(principal: Principal, input: FeedbackInput): Promise<Target> {
    if ('traceId' in input) {
      const [trace] = await this.db.query<Target>('SELECT id, library_id, conversation_id FROM chat_traces WHERE id = $1', [input.traceId]);
      if (trace === undefined || (principal.libraryIds !== null && !principal.libraryIds.includes(trace.library_id))) {
        throw new NotFoundError('trace', input.traceId);
      }
      return trace;
    }
    const [latest] = await this.db.query<Target>(
      `SELECT id, library_id, conversation_id FROM chat_traces
       WHERE conversation_id = $1 AND ($2::uuid[] IS NULL OR library_id = ANY($2::uuid[]))
       ORDER BY created_at DESC, id DESC LIMIT 1`,
      [input.conversationId, principal.libraryIds],
    );
    if (latest === undefined) throw new NotFoundError('conversation', input.conversationId);
    return latest;
  }
}
