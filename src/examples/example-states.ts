import { withoutRedactionMarks } from '../chat/redaction.js';
import type { TraceConfig } from '../config/traces.js';
import type { Queryable } from '../db/db.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { ChatMessage } from '../messages.js';

/** A conversation state to learn from, and where it was found. */
export interface FoundState {
  messages: ChatMessage[];
  traceId?: string;
  conversationId?: string | null;
  jobId?: string;
  decisionPoint?: string;
}

/**
 * The conversation a trace's turn answered, as the trace keeps it (redacted before storage, see
 * TRACE_REDACT), without the redaction's marks: they were no words of the turn. A trace of another
 * library is not found, as the library-scope plugin answers for libraries; one whose messages are
 * gone says why, since retrying cannot bring them back.
 */
export async function traceState(db: Queryable, libraryId: string, traceId: string, traces: Pick<TraceConfig, 'retentionDays' | 'redactions'>): Promise<FoundState> {
  const { retentionDays } = traces;
  const [row] = await db.query<{ messages: ChatMessage[] | null; conversation_id: string | null; expired: boolean }>(
    `SELECT messages, conversation_id, created_at < now() - make_interval(days => $3) AS expired
     FROM chat_traces WHERE id = $1 AND library_id = $2`,
    [traceId, libraryId, retentionDays],
  );
  if (row === undefined) throw new NotFoundError('trace', traceId);
  if (row.messages === null) {
    throw row.expired
      ? new ConflictError(`trace ${traceId}'s messages were erased after TRACE_RETENTION_DAYS (${retentionDays} days); send the conversation as messages`, {
          field: 'trace_id',
          reason: 'messages_expired',
        })
      : new ConflictError(`trace ${traceId} kept no messages (TRACE_MESSAGES was off when it was served); send the conversation as messages`, {
          field: 'trace_id',
          reason: 'messages_not_kept',
        });
  }
  return { messages: withoutRedactionMarks(row.messages, traces.redactions), traceId, conversationId: row.conversation_id };
}

/**
 * A state a teacher job measured: the conversation before the agent's reply at one of its decision
 * points (`evidence.states[].key` of the entries it wrote, or of their held-out siblings).
 */
export async function teacherState(db: Queryable, libraryId: string, jobId: string, decisionPoint: string): Promise<FoundState> {
  const [row] = await db.query<{ state: ChatMessage[] }>(
    `SELECT s.value->'state' AS state
     FROM teacher_evidence x,
          jsonb_array_elements(coalesce(x.evidence->'states', '[]'::jsonb) || coalesce(x.evidence->'siblings', '[]'::jsonb)) s
     WHERE x.job_id = $1 AND x.library_id = $2 AND s.value->>'key' = $3
     ORDER BY x.created_at LIMIT 1`,
    [jobId, libraryId, decisionPoint],
  );
  if (row !== undefined) return { messages: row.state, jobId, decisionPoint };
  const [job] = await db.query('SELECT 1 FROM teacher_jobs WHERE id = $1 AND library_id = $2', [jobId, libraryId]);
  if (job === undefined) throw new NotFoundError('job', jobId);
  throw new NotFoundError(`decision point "${decisionPoint}" in the evidence of job`, jobId);
}
