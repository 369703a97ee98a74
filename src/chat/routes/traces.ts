import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ValidationError } from '../../errors.js';
import { page } from '../../http/paging.js';
import { errorResponses, IdParams, json } from '../../http/schemas.js';
import type { Trace, TraceStore } from '../trace-store.js';
import { TraceList, TraceListQuery, TraceRef, type TraceView } from './trace-schemas.js';

function traceView(trace: Trace): TraceView {
  const { retrieval, modelMs, finishReason, createdAt, libraryId, conversationId, toolsOffered, toolCalls, toolResults, namedTools, holdoutRate, ...same } = trace;
  return {
    ...same,
    tools: { offered: toolsOffered, calls: toolCalls, results: toolResults, named_by_guidance: namedTools },
    holdout_rate: holdoutRate,
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
        summary: 'Traces by library, conversation, time range, status and model, paged with the total',
        description: "library_id or conversation_id is required. Only traces of the libraries the key may use; a library_id outside them lists nothing.",
        querystring: TraceListQuery,
        response: { 200: json('A page of the matching traces by creation time, and how many match', TraceList), ...errorResponses() },
      },
    },
    async (request) => {
      const { library_id, conversation_id, from, to, status, model, newest_first, limit, offset } = request.query;
      if (library_id === undefined && conversation_id === undefined) {
        throw ValidationError.fields([
          { field: 'query.library_id', message: 'give library_id or conversation_id' },
          { field: 'query.conversation_id', message: 'give library_id or conversation_id' },
        ]);
      }
      const filter = {
        libraryId: library_id, conversationId: conversation_id, from: from === undefined ? undefined : new Date(from), to: to === undefined ? undefined : new Date(to),
        status, model, newestFirst: newest_first, limit, offset,
      };
      return page(await traces.list(request.principal, filter), offset, traceView);
    },
  );
};
