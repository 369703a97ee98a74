import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ValidationError } from '../../errors.js';
import type { FeedbackInput, FeedbackStore } from '../../chat/feedback-store.js';
import type { GuidanceStatsStore } from '../../chat/guidance-stats.js';
import type { Libraries } from '../../library/libraries.js';
import { IdempotencyHeaders, type IdempotencyKeys } from '../../http/idempotency.js';
import { errorResponses, IdParams, Uuid } from '../../http/schemas.js';
import { ConversationId, Nullable } from './chat-schemas.js';
import { EntryParams } from '../../library/routes/guidance-schemas.js';

const FeedbackBody = Type.Object(
  {
    trace_id: Type.Optional(Uuid),
    conversation_id: Type.Optional(ConversationId),
    rating: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
    resolved: Type.Optional(Type.Boolean({ description: "Whether the customer's issue was resolved" })),
    policy_violation: Type.Optional(Type.Boolean({ description: 'Whether the answer broke the firm policy' })),
    comment: Type.Optional(Type.String({ maxLength: 10_000 })),
  },
  { additionalProperties: false, description: 'Exactly one of trace_id and conversation_id, and at least one of rating, resolved, policy_violation, comment' },
);

const FeedbackView = Type.Object({
  id: Uuid,
  library_id: Uuid,
  trace_id: Type.String({ format: 'uuid', description: 'The turn it was recorded against (the latest one, when given by conversation)' }),
  conversation_id: Nullable(Type.String()),
  rating: Nullable(Type.Integer()),
  resolved: Nullable(Type.Boolean()),
  policy_violation: Nullable(Type.Boolean()),
  comment: Nullable(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
});

const Outcome = Type.Object(
  {
    conversations: Type.Integer({ description: 'Conversations with feedback in this group' }),
    mean_rating: Nullable(Type.Number()),
    resolution_rate: Nullable(Type.Number({ description: 'Share resolved among those whose feedback said either way' })),
    policy_violation_rate: Nullable(Type.Number()),
  },
  { $id: 'GuidanceOutcome' },
);

const EntryStats = Type.Object(
  {
    entry_id: Uuid,
    external_id: Nullable(Type.String()),
    version: Type.Integer({ description: 'Current version of the entry' }),
    status: Type.String(),
    exposures: Type.Integer({ description: 'Turns whose prompt held this entry (failed model calls excluded)' }),
    conversations: Type.Integer({ description: 'Distinct conversations it was used in' }),
    last_used_at: Nullable(Type.String({ format: 'date-time' })),
    when_used: Type.Ref('GuidanceOutcome'),
    when_not_used: Type.Ref('GuidanceOutcome'),
  },
  { $id: 'GuidanceStats' },
);

const STATS_DOC =
  "Per conversation with feedback: the mean of its ratings, resolved if any feedback said so, a violation if any reported one. " +
  'when_used covers the conversations whose turns had the entry in the prompt, when_not_used the library\'s others.';

function requireTarget(body: FeedbackInput): asserts body is FeedbackInput & ({ trace_id: string } | { conversation_id: string }) {
  const targets = [body.trace_id, body.conversation_id].filter((v) => v !== undefined).length;
  if (targets !== 1) {
    throw new ValidationError('body.trace_id or body.conversation_id is required (exactly one)', [{ field: 'body.trace_id', message: 'give trace_id or conversation_id' }]);
  }
  if ([body.rating, body.resolved, body.policy_violation, body.comment].every((v) => v === undefined)) {
    throw new ValidationError('body.rating, body.resolved, body.policy_violation or body.comment is required', [
      { field: 'body.rating', message: 'give at least one of rating, resolved, policy_violation, comment' },
    ]);
  }
}

/** Feedback by any key that may see the turn's library; effectiveness stats likewise. */
export function feedbackRoutes(
  app: FastifyInstance,
  libraries: Libraries,
  feedback: FeedbackStore,
  stats: GuidanceStatsStore,
  idempotency: IdempotencyKeys,
): void {
  app.addSchema(Outcome);
  app.addSchema(EntryStats);

  app.post<{ Body: FeedbackInput }>(
    '/v1/feedback',
    {
      schema: {
        tags: ['traces'],
        summary: 'Feedback on a turn (trace_id) or a conversation (conversation_id)',
        headers: IdempotencyHeaders,
        body: FeedbackBody,
        response: { 201: FeedbackView, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      requireTarget(body);
      return idempotency.run(request, reply, 201, (alsoStore) => feedback.add(request.principal, body, alsoStore));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/libraries/:id/guidance/stats',
    {
      schema: {
        tags: ['guidance'],
        summary: 'Effectiveness of every entry: exposures, and outcomes of conversations with vs without it',
        description: STATS_DOC,
        params: IdParams,
        response: {
          200: Type.Object({ library_id: Uuid, conversations_with_feedback: Type.Integer(), items: Type.Array(Type.Ref('GuidanceStats')) }),
          ...errorResponses(),
        },
      },
    },
    async (request) => {
      const library = await libraries.get(request.principal, request.params.id);
      return stats.forLibrary(library.id);
    },
  );

  app.get<{ Params: { id: string; gid: string } }>(
    '/v1/libraries/:id/guidance/:gid/stats',
    {
      schema: {
        tags: ['guidance'],
        summary: 'Effectiveness of one entry',
        description: STATS_DOC,
        params: EntryParams,
        response: { 200: Type.Ref('GuidanceStats'), ...errorResponses() },
      },
    },
    async (request) => {
      const library = await libraries.get(request.principal, request.params.id);
      return stats.forEntry(library.id, request.params.gid);
    },
  );
}
