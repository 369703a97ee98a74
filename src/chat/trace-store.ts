import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/db.js';
import { NotFoundError } from '../errors.js';
import type { ToolCall } from '../messages.js';
import type { Usage } from '../models/chat-model.js';
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
  modelMs: number | null;
  usage: Usage | null;
  finishReason: string | null;
  status: TraceStatus;
  error: { code: string; message: string } | null;
}

/** A recorded turn, read back. */
export interface Trace extends Omit<TraceRecord, 'keyId'> {
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
}

const SELECT = `
  SELECT t.id, t.library_id, t.conversation_id, t.endpoint, t.stream, t.model, t.retrieval_status, t.retrieval_error,
         t.retrieval_ms, t.model_ms, t.prompt_tokens, t.completion_tokens, t.total_tokens, t.finish_reason, t.status,
         t.error_code, t.error_message, t.created_at, t.tools_offered, t.tool_calls, t.tool_results,
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

const visible = (principal: Principal, libraryId: string) => principal.libraryIds === null || principal.libraryIds.includes(libraryId);

export class TraceStore {
  constructor(private readonly db: Db) {}

  async record(trace: TraceRecord): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO chat_traces (id, library_id, conversation_id, key_id, endpoint, stream, model, retrieval_status, retrieval_error,
           retrieval_ms, model_ms, prompt_tokens, completion_tokens, total_tokens, finish_reason, status, error_code, error_message,
           tools_offered, tool_calls, tool_results)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
        [
          trace.id, trace.libraryId, trace.conversationId, trace.keyId, trace.endpoint, trace.stream, trace.model,
          trace.retrieval.status, trace.retrieval.error, trace.retrieval.ms, trace.modelMs,
          trace.usage?.prompt_tokens ?? null, trace.usage?.completion_tokens ?? null, trace.usage?.total_tokens ?? null,
          trace.finishReason, trace.status, trace.error?.code ?? null, trace.error?.message ?? null,
          trace.toolsOffered, JSON.stringify(tracedToolCalls(trace.toolCalls)), JSON.stringify(trace.toolResults),
        ],
      );
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

  /** The turns of a conversation in the libraries the caller may see, oldest first. */
  async listByConversation(principal: Principal, conversationId: string, limit: number): Promise<Trace[]> {
    const rows = await this.db.query<TraceRow>(
      `${SELECT} WHERE t.conversation_id = $1 AND ($2::uuid[] IS NULL OR t.library_id = ANY($2::uuid[]))
       ORDER BY t.created_at, t.id LIMIT $3`,
      [conversationId, principal.libraryIds, limit],
    );
    return rows.map(trace);
  }
}
