import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { TraceStore } from '../../chat/trace-store.js';
import { errorResponses, IdParams, Uuid } from '../../http/schemas.js';
import { ConversationId, Nullable } from './chat-schemas.js';

const TraceView = Type.Object(
  {
    id: Uuid,
    library_id: Uuid,
    conversation_id: Nullable(Type.String()),
    endpoint: Type.Union([Type.Literal('compose'), Type.Literal('chat'), Type.Literal('chat.completions')]),
    stream: Type.Boolean(),
    model: Nullable(Type.String({ description: 'The student model that answered; null for compose' })),
    guidance: Type.Array(Type.Ref('GuidanceRef'), { description: 'Entry versions in the prompt, by descending score' }),
    retrieval: Type.Object({
      status: Type.Union([Type.Literal('ok'), Type.Literal('failed')]),
      error: Nullable(Type.String()),
      latency_ms: Type.Integer(),
    }),
    model_latency_ms: Nullable(Type.Integer()),
    usage: Nullable(Type.Ref('Usage')),
    finish_reason: Nullable(Type.String()),
    status: Type.Union([Type.Literal('ok'), Type.Literal('error'), Type.Literal('aborted')], { description: 'aborted: the client disconnected' }),
    error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
    created_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'Trace' },
);

const ListQuery = Type.Object(
  { conversation_id: ConversationId, limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) },
  { additionalProperties: false },
);

/** Traces of chat turns; any key that may see the trace's library. */
export function traceRoutes(app: FastifyInstance, traces: TraceStore): void {
  app.addSchema(TraceView);
  const TraceRef = Type.Ref('Trace');

  app.get<{ Params: { id: string } }>(
    '/v1/traces/:id',
    { schema: { tags: ['traces'], summary: 'One chat turn: guidance used, model, usage, latencies, errors', params: IdParams, response: { 200: TraceRef, ...errorResponses() } } },
    async (request) => traces.get(request.principal, request.params.id),
  );

  app.get<{ Querystring: { conversation_id: string; limit: number } }>(
    '/v1/traces',
    {
      schema: {
        tags: ['traces'],
        summary: 'The turns of a conversation, oldest first',
        querystring: ListQuery,
        response: { 200: Type.Object({ items: Type.Array(TraceRef) }), ...errorResponses() },
      },
    },
    async (request) => ({ items: await traces.listByConversation(request.principal, request.query.conversation_id, request.query.limit) }),
  );
}
