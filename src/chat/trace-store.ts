import type { Principal } from '../auth/principal.js';
import type { TraceConfig } from '../config/traces.js';
import type { Db } from '../db/db.js';
import type { Paged } from '../db/paged.js';
import { NotFoundError } from '../errors.js';
import type { ChatMessage, ToolCall } from '../messages.js';
import type { Usage } from '../models/chat-model.js';
import { redactMessages } from './redaction.js';
import { tracedToolCalls, type TracedToolResult } from './tool-traces.js';
import type { GuidanceRef } from './types.js';

export type Endpoint = 'compose' | 'chat' | 'chat.completions';
export type TraceStatus = 'ok' | 'error' | 'aborted';

export interface RetrievalOutcome {
  status: 'ok' | 'failed';
  error: string | null;
  ms: number;
}

export interface TraceRecord {
  id: string;
  libraryId: string;
  conversationId: string | null;
  keyId: string;
  endpoint: Endpoint;
  stream: boolean;
  model: string | null;
  guidance: GuidanceRef[];
  /** Per entry in the prompt, the offered tools its guidance names. */
  namedTools: Record<string, string[]>;
  retrieval: RetrievalOutcome;
  toolsOffered: string[];
  toolResults: TracedToolResult[];
  /** The calls the student answered with; their arguments are cut as results are. */
  toolCalls: ToolCall[];
  /** Entries the hold-out kept out of the prompt. */
  withheld: GuidanceRef[];
  /** The library's hold-out rate when the turn was served. */
  holdoutRate: number;
  /** The conversation the turn answered, as given: the store redacts it, or keeps none (TraceConfig). */
  messages: ChatMessage[];
  modelMs: number | null;
  usage: Usage | null;
  finishReason: string | null;
  status: TraceStatus;
  error: { code: string; message: string } | null;
}

/** A recorded turn, read back. */
export interface Trace extends Omit<TraceRecord, 'keyId' | 'messages'> {
  /** Redacted; null when not kept, or erased after the retention period. */
  messages: ChatMessage[] | null;
  createdAt: Date;
}

interface TraceRow {
  id: string;
  library_id: string;
  conversation_id: string | null;
  endpoint: Endpoint;
  stream: boolean;
  model: string | null;
  guidance: GuidanceRef[];
  finish_reason: string | null;
  status: TraceStatus;
  created_at: Date;
  retrieval_status: 'ok' | 'failed';
  retrieval_error: string | null;
  retrieval_ms: number;
  model_ms: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  total_tokens: number | null;
  error_code: string | null;
  error_message: string | null;
  tools_offered: string[];
  tool_calls: ToolCall[];
  tool_results: TracedToolResult[];
  named_tools: Record<string, string[]>;
  withheld: GuidanceRef[];
  holdout_rate: number;
  messages: ChatMessage[] | null;
}

const SELECT = `
  SELECT t.id, t.library_id, t.conversation_id, t.endpoint, t.stream, t.model, t.retrieval_status, t.retrieval_error,
         t.retrieval_ms, t.model_ms, t.prompt_tokens, t.completion_tokens, t.total_tokens, t.finish_reason, t.status,
         t.error_code, t.error_message, t.created_at, t.tools_offered, t.tool_calls, t.tool_results, t.holdout_rate, t.messages,
         coalesce((SELECT json_agg(json_build_object('id', w.entry_id, 'version', w.version, 'score', w.score) ORDER BY w.score DESC, w.entry_id)
                   FROM chat_trace_withheld w WHERE w.trace_id = t.id), '[]'::json) AS withheld,
         coalesce((SELECT json_agg(json_build_object('id', g.entry_id, 'version', g.version, 'score', g.score) ORDER BY g.rank)
                   FROM chat_trace_guidance g WHERE g.trace_id = t.id), '[]'::json) AS guidance,
         coalesce((SELECT json_object_agg(g.entry_id, g.named_tools)
                   FROM chat_trace_guidance g WHERE g.trace_id = t.id AND cardinality(g.named_tools) > 0), '{}'::json) AS named_tools
  FROM chat_traces t`;

function trace(row: TraceRow): Trace {
  return {
    id: row.id,
    libraryId: row.library_id,
    conversationId: row.conversation_id,
    endpoint: row.endpoint,
    stream: row.stream,
    model: row.model,
    guidance: row.guidance,
    namedTools: row.named_tools,
    retrieval: { status: row.retrieval_status, error: row.retrieval_error, ms: row.retrieval_ms },
    toolsOffered: row.tools_offered,
    toolResults: row.tool_results,
    toolCalls: row.tool_calls,
    withheld: row.withheld,
    holdoutRate: row.holdout_rate,
    messages: row.messages,
    modelMs: row.model_ms,
    usage:
      row.total_tokens === null
        ? null
        : { prompt_tokens: row.prompt_tokens ?? 0, completion_tokens: row.completion_tokens ?? 0, total_tokens: row.total_tokens },
    finishReason: row.finish_reason,
    status: row.status,
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
    createdAt: row.created_at,
  };
}

/** Filters of a trace listing; every one optional, all of them must hold. */
export interface TraceFilter {
  libraryId?: string;
  conversationId?: string;
  /** created_at ≥ from and < to. */
  from?: Date;
  to?: Date;
  status?: TraceStatus;
  model?: string;
  newestFirst: boolean;
  limit: number;
  offset: number;
}

const LIST_WHERE = `WHERE ($1::uuid[] IS NULL OR t.library_id = ANY($1::uuid[])) AND ($2::uuid IS NULL OR t.library_id = $2)
  AND ($3::text IS NULL OR t.conversation_id = $3) AND ($4::timestamptz IS NULL OR t.created_at >= $4)
  AND ($5::timestamptz IS NULL OR t.created_at < $5) AND ($6::text IS NULL OR t.status = $6) AND ($7::text IS NULL OR t.model = $7)`;

const visible = (principal: Principal, libraryId: string) => principal.libraryIds === null || principal.libraryIds.includes(libraryId);

export class TraceStore {
  constructor(
    private readonly db: Db,
    private readonly config: TraceConfig,
  ) {}

  async record(trace: TraceRecord): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO chat_traces (id, library_id, conversation_id, key_id, endpoint, stream, model, retrieval_status, retrieval_error,
           retrieval_ms, model_ms, prompt_tokens, completion_tokens, total_tokens, finish_reason, status, error_code, error_message,
           tools_offered, tool_calls, tool_results, holdout_rate, messages)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)`,
        [
          trace.id, trace.libraryId, trace.conversationId, trace.keyId, trace.endpoint, trace.stream, trace.model,
          trace.retrieval.status, trace.retrieval.error, trace.retrieval.ms, trace.modelMs,
          trace.usage?.prompt_tokens ?? null, trace.usage?.completion_tokens ?? null, trace.usage?.total_tokens ?? null,
          trace.finishReason, trace.status, trace.error?.code ?? null, trace.error?.message ?? null,
          trace.toolsOffered, JSON.stringify(tracedToolCalls(trace.toolCalls)), JSON.stringify(trace.toolResults),
          trace.holdoutRate, this.config.keepMessages ? JSON.stringify(redactMessages(trace.messages, this.config.redactions)) : null,
        ],
      );
      if (trace.withheld.length > 0) {
        await tx.query(
          `INSERT INTO chat_trace_withheld (trace_id, entry_id, version, score)
           SELECT $1, w.entry_id, w.version, w.score FROM unnest($2::uuid[], $3::int[], $4::float8[]) AS w(entry_id, version, score)`,
          [trace.id, trace.withheld.map((g) => g.id), trace.withheld.map((g) => g.version), trace.withheld.map((g) => g.score)],
        );
      }
      if (trace.guidance.length === 0) return;
      // Each entry's named tools as JSON text: unnest cannot take an array of arrays of different lengths.
      await tx.query(
        `INSERT INTO chat_trace_guidance (trace_id, entry_id, version, score, rank, named_tools)
         SELECT $1, g.entry_id, g.version, g.score, g.rank, coalesce((SELECT array_agg(x) FROM jsonb_array_elements_text(g.named::jsonb) x), '{}')
         FROM unnest($2::uuid[], $3::int[], $4::float8[], $5::int[], $6::text[]) AS g(entry_id, version, score, rank, named)`,
        [
          trace.id, trace.guidance.map((g) => g.id), trace.guidance.map((g) => g.version), trace.guidance.map((g) => g.score),
          trace.guidance.map((_, i) => i + 1), trace.guidance.map((g) => JSON.stringify(trace.namedTools[g.id] ?? [])),
        ],
      );
    });
  }

  /** The trace, if the caller's key may see its library; otherwise 404 either way. */
  async get(principal: Principal, id: string): Promise<Trace> {
    const [row] = await this.db.query<TraceRow>(`${SELECT} WHERE t.id = $1`, [id]);
    if (row === undefined || !visible(principal, row.library_id)) throw new NotFoundError('trace', id);
    return trace(row);
  }

  /**
   * Erases the messages of traces older than `retentionDays`, a batch at a time (the rest of the
   * trace stays: stats and provenance need it). True when a full batch went, so there may be more.
   */
  async eraseExpiredMessages(batch = 1000): Promise<boolean> {
    const erased = await this.db.query<{ id: string }>(
      `UPDATE chat_traces SET messages = NULL WHERE id IN (
         SELECT id FROM chat_traces WHERE messages IS NOT NULL AND created_at < now() - make_interval(days => $1) LIMIT $2)
       RETURNING id`,
      [this.config.retentionDays, batch],
    );
    return erased.length === batch;
  }

  /** Traces in the libraries the caller may see, by creation time. */
  async list(principal: Principal, filter: TraceFilter): Promise<Paged<Trace>> {
    const params = [
      principal.libraryIds, filter.libraryId ?? null, filter.conversationId ?? null, filter.from ?? null, filter.to ?? null,
      filter.status ?? null, filter.model ?? null,
    ];
    const direction = filter.newestFirst ? 'DESC' : 'ASC';
    const [count] = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM chat_traces t ${LIST_WHERE}`, params);
    const rows = await this.db.query<TraceRow>(
      `${SELECT} ${LIST_WHERE} ORDER BY t.created_at ${direction}, t.id ${direction} LIMIT $8 OFFSET $9`,
      [...params, filter.limit, filter.offset],
    );
    return { items: rows.map(trace), total: count!.n };
  }
}
