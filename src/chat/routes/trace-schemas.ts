import { Type, type Static } from 'typebox';
import { Nullable, ref, Timestamp, Uuid } from '../../http/schemas.js';
import { ConversationId, GuidanceRefSchema, UsageRef } from './chat-schemas.js';

export const TraceView = Type.Object(
  {
    id: Uuid,
    library_id: Uuid,
    conversation_id: Nullable(Type.String()),
    endpoint: Type.Union([Type.Literal('compose'), Type.Literal('chat'), Type.Literal('chat.completions')]),
    stream: Type.Boolean(),
    model: Nullable(Type.String({ description: 'The student model that answered; null for compose' })),
    guidance: Type.Array(ref(GuidanceRefSchema), { description: 'Entry versions in the prompt, by descending score' }),
    retrieval: Type.Object({
      status: Type.Union([Type.Literal('ok'), Type.Literal('failed')]),
      error: Nullable(Type.String()),
      latency_ms: Type.Integer(),
    }),
    model_latency_ms: Nullable(Type.Integer()),
    usage: Nullable(UsageRef),
    finish_reason: Nullable(Type.String()),
    status: Type.Union([Type.Literal('ok'), Type.Literal('error'), Type.Literal('aborted')], { description: 'aborted: the client disconnected' }),
    error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
    created_at: Timestamp,
  },
  { $id: 'Trace' },
);
export type TraceView = Static<typeof TraceView>;
export const TraceRef = ref(TraceView);

export const TraceList = Type.Object({ items: Type.Array(TraceRef) });
export type TraceList = Static<typeof TraceList>;

export const TraceListQuery = Type.Object(
  { conversation_id: ConversationId, limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) },
  { additionalProperties: false },
);
export type TraceListQuery = Static<typeof TraceListQuery>;
