import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, IdParams, json } from '../../http/schemas.js';
import type { Trace, TraceStore } from '../trace-store.js';
import { TraceList, TraceListQuery, TraceRef, type TraceView } from './trace-schemas.js';

function traceView(trace: Trace): TraceView {
  const { retrieval, modelMs, finishReason, createdAt, libraryId, conversationId, toolsOffered, toolCalls, toolResults, namedTools, ...same } = trace;
  return {
    ...same,
    tools: { offered: toolsOffered, calls: toolCalls, results: toolResults, named_by_guidance: namedTools },
    library_id: libraryId,
    conversation_id: conversationId,
    retrieval: { status: retrieval.status, error: retrieval.error, latency_ms: retrieval.ms },
    model_latency_ms: modelMs,
    finish_reason: finishReason,
    created_at: createdAt,
  };
}

/** Traces of chat turns; any key that may see the trace's library. */
export const traceRoutes = (traces: TraceStore): FastifyPluginAsyncTypebox => async (app) => {
  app.get(
    '/v1/traces/:id',
    {
      schema: {
        operationId: 'getTrace',
        tags: ['traces'],
        summary: 'One chat turn: guidance used, model, usage, latencies, errors',
        params: IdParams,
        response: { 200: json('The trace', TraceRef), ...errorResponses({ 404: "No such trace, or its library is outside the key's" }) },
      },
    },
    async (request) => traceView(await traces.get(request.principal, request.params.id)),
  );

  app.get(
    '/v1/traces',
    {
      schema: {
        operationId: 'listTraces',
        tags: ['traces'],
        summary: 'The turns of a conversation, oldest first',
        querystring: TraceListQuery,
        response: { 200: json('The traces of the turns, oldest first (none: an empty list)', TraceList), ...errorResponses() },
      },
    },
    async (request) => {
      const { conversation_id, limit } = request.query;
      return { items: (await traces.listByConversation(request.principal, conversation_id, limit)).map(traceView) };
    },
  );
};
