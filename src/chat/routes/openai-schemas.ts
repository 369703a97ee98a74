import { Type, type Static } from 'typebox';
import { messageSchema } from '../../http/message-schema.js';
import { MAX_INT32, ref, Uuid } from '../../http/schemas.js';
import { ConversationId, GuidanceRefSchema, K, RetrievalStatus, UsageRef } from './chat-schemas.js';

const TextPart = Type.Object({ type: Type.Literal('text'), text: Type.String({ maxLength: 100_000 }) }, { additionalProperties: false });

export const OpenAIMessage = messageSchema({
  roles: ['system', 'developer', 'user', 'assistant'],
  roleDescription: 'developer is treated as system; tool calls are not supported',
  content: Type.Union([Type.String({ maxLength: 100_000 }), Type.Array(TextPart, { maxItems: 100 })]),
  extra: { name: Type.Optional(Type.String({ maxLength: 200 })) },
  additionalProperties: false,
});
export type OpenAIMessage = Static<typeof OpenAIMessage>;

export const CompletionsBody = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 400, description: 'The library name or id, unless the X-Coach-Library header names the library' }),
    messages: Type.Array(OpenAIMessage, { minItems: 1, maxItems: 500 }),
    stream: Type.Optional(Type.Boolean()),
    stream_options: Type.Optional(Type.Object({ include_usage: Type.Optional(Type.Boolean()) }, { additionalProperties: false })),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
    top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    max_tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_INT32 })),
    max_completion_tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_INT32 })),
    stop: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 4 })])),
    presence_penalty: Type.Optional(Type.Number({ minimum: -2, maximum: 2 })),
    frequency_penalty: Type.Optional(Type.Number({ minimum: -2, maximum: 2 })),
    seed: Type.Optional(Type.Integer({ minimum: -MAX_INT32 - 1, maximum: MAX_INT32 })),
    user: Type.Optional(Type.String({ maxLength: 200 })),
    conversation_id: Type.Optional(ConversationId),
    k: K,
  },
  {
    additionalProperties: false,
    examples: [
      {
        model: 'acme-support',
        messages: [
          { role: 'system', content: 'You are the support agent of ACME. Be brief.' },
          { role: 'user', content: 'I bought a jacket 45 days ago and want to return it for my money back' },
        ],
        temperature: 0.3,
        conversation_id: 'ticket-4711',
      },
    ],
  },
);
export type CompletionsBody = Static<typeof CompletionsBody>;

export const CompletionsHeaders = Type.Object({
  'x-coach-library': Type.Optional(Type.String({ minLength: 1, maxLength: 400, description: 'Library id or name; takes precedence over `model`' })),
  'x-coach-conversation-id': Type.Optional(ConversationId),
});

export const CoachField = Type.Object(
  { trace_id: Uuid, library_id: Uuid, library: Type.String(), guidance: Type.Array(ref(GuidanceRefSchema)), retrieval_status: RetrievalStatus },
  { $id: 'CoachProvenance', description: 'Coach provenance: the trace and the guidance entry versions that shaped the answer' },
);
export type CoachField = Static<typeof CoachField>;

export const Completion = Type.Object({
  id: Type.String(),
  object: Type.Literal('chat.completion'),
  created: Type.Integer(),
  model: Type.String(),
  choices: Type.Array(
    Type.Object({
      index: Type.Integer(),
      message: Type.Object({ role: Type.Literal('assistant'), content: Type.String(), refusal: Type.Null() }),
      logprobs: Type.Null(),
      finish_reason: Type.String(),
    }),
  ),
  usage: Type.Optional(UsageRef),
  coach: ref(CoachField),
});
export type Completion = Static<typeof Completion>;

export const COMPLETION_STREAM =
  'With stream: true: `data: {chat.completion.chunk}` events as OpenAI sends them; the chunk carrying finish_reason also ' +
  'carries `coach`; with stream_options.include_usage a last chunk has empty choices and the usage; then `data: [DONE]`.';

export const ModelList = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(
    Type.Object({
      id: Type.String({ description: 'The library name: pass it as `model`' }),
      object: Type.Literal('model'),
      created: Type.Integer(),
      owned_by: Type.String(),
      coach: Type.Object({ library_id: Uuid, student_model: Type.Union([Type.String(), Type.Null()]) }),
    }),
  ),
});
export type ModelList = Static<typeof ModelList>;
