import { Type, type Static } from 'typebox';
import { Page, PageQueryFields } from '../../http/paging.js';
import { Nullable, Timestamp, Uuid } from '../../http/schemas.js';
import { ConversationId } from './chat-schemas.js';

export const FeedbackBody = Type.Object(
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
export type FeedbackBody = Static<typeof FeedbackBody>;

export const FeedbackView = Type.Object({
  id: Uuid,
  library_id: Uuid,
  trace_id: Type.String({ format: 'uuid', description: 'The turn it was recorded against (the latest one, when given by conversation)' }),
  conversation_id: Nullable(Type.String()),
  rating: Nullable(Type.Integer()),
  resolved: Nullable(Type.Boolean()),
  policy_violation: Nullable(Type.Boolean()),
  comment: Nullable(Type.String()),
  created_at: Timestamp,
});
export type FeedbackView = Static<typeof FeedbackView>;

export const FeedbackPage = Page(FeedbackView);
export type FeedbackPage = Static<typeof FeedbackPage>;

export const FeedbackListQuery = Type.Object(
  {
    library_id: Type.Optional(Uuid),
    conversation_id: Type.Optional(ConversationId),
    trace_id: Type.Optional(Uuid),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Feedback given at or after this time' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Feedback given before this time' })),
    ...PageQueryFields,
  },
  { additionalProperties: false },
);
export type FeedbackListQuery = Static<typeof FeedbackListQuery>;
