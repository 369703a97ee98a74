import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ValidationError } from '../../errors.js';
import { IdempotencyHeaders, type IdempotencyKeys } from '../../http/idempotency.js';
import { page } from '../../http/paging.js';
import { errorResponses, json } from '../../http/schemas.js';
import type { FeedbackInput, FeedbackStore } from '../feedback-store.js';
import { FeedbackBody, FeedbackListQuery, FeedbackPage, FeedbackView } from './feedback-schemas.js';

/** The body's target (exactly one of trace and conversation) and at least one thing said about it. */
function feedbackInput({ trace_id, conversation_id, rating, resolved, policy_violation, comment }: FeedbackBody): FeedbackInput {
  const said = { rating, resolved, policyViolation: policy_violation, comment };
  if ((trace_id === undefined) === (conversation_id === undefined)) {
    throw new ValidationError('body.trace_id or body.conversation_id is required (exactly one)', [{ field: 'body.trace_id', message: 'give trace_id or conversation_id' }]);
  }
  if (Object.values(said).every((v) => v === undefined)) {
    throw new ValidationError('body.rating, body.resolved, body.policy_violation or body.comment is required', [
      { field: 'body.rating', message: 'give at least one of rating, resolved, policy_violation, comment' },
    ]);
  }
  return trace_id !== undefined ? { traceId: trace_id, ...said } : { conversationId: conversation_id!, ...said };
}

/** Feedback by any key that may see the turn's library. */
export const feedbackRoutes = (feedback: FeedbackStore, idempotency: IdempotencyKeys): FastifyPluginAsyncTypebox => async (app) => {
  app.post(
    '/v1/feedback',
    {
      schema: {
        operationId: 'addFeedback',
        tags: ['traces'],
        summary: 'Feedback on a turn (trace_id) or a conversation (conversation_id)',
        headers: IdempotencyHeaders,
        body: FeedbackBody,
        response: {
          201: json('The feedback, as recorded against the turn it counts for', FeedbackView),
          ...errorResponses({ 404: "No such trace or conversation, or its library is outside the key's", 409: 'The Idempotency-Key was used for another request' }),
        },
      },
    },
    async (request, reply) => {
      const input = feedbackInput(request.body);
      return idempotency.run(request, reply, 201, (alsoStore) => feedback.add(request.principal, input, alsoStore));
    },
  );

  app.get(
    '/v1/feedback',
    {
      schema: {
        operationId: 'listFeedback',
        tags: ['traces'],
        summary: 'Feedback by library, conversation, trace and time range, newest first, paged with the total',
        description: 'Only feedback on the libraries the key may use; a library_id outside them lists nothing.',
        querystring: FeedbackListQuery,
        response: { 200: json('A page of feedback and how many match', FeedbackPage), ...errorResponses() },
      },
    },
    async (request) => {
      const { library_id, conversation_id, trace_id, from, to, limit, offset } = request.query;
      const when = (at: string | undefined) => (at === undefined ? undefined : new Date(at));
      const filter = { libraryId: library_id, conversationId: conversation_id, traceId: trace_id, from: when(from), to: when(to), limit, offset };
      return page(await feedback.list(request.principal, filter), offset, (item) => item);
    },
  );
};
