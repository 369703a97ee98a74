import { Type, type Static } from 'typebox';
import { messageSchema, ToolCallRef, toolRequestFields } from '../../http/message-schema.js';
import { MAX_INT32, Nullable, oneOf, OpenObject, ref, Uuid } from '../../http/schemas.js';
import type { Logprobs as ModelLogprobs } from '../../models/chat-model.js';
import { ConversationId, GuidanceRefSchema, K, MinScore, ORDER_LOOKUP, ORDER_TOOL, RetrievalStatus, UsageRef } from './chat-schemas.js';

/** Any part is read, so that an image, audio or file part is refused naming it rather than as an unknown shape. */
const ContentPart = Type.Object(
  { type: Type.String({ maxLength: 100 }), text: Type.Optional(Type.String({ maxLength: 100_000 })) },
  { additionalProperties: true, description: 'Only text parts: the student is text-only, so image, audio and file parts are refused (400 naming the part)' },
);

export const OpenAIMessage = messageSchema({
  roles: ['system', 'developer', 'user', 'assistant', 'tool'],
  roleDescription: "developer is treated as system; assistant turns may be tool calls, tool messages their results",
  content: Type.Optional(
    Nullable(Type.Union([Type.String({ maxLength: 100_000 }), Type.Array(ContentPart, { maxItems: 100 })], { description: 'Absent or null only in an assistant message with tool_calls' })),
  ),
  extra: {
    name: Type.Optional(Type.String({ maxLength: 200 })),
    tool_calls: Type.Optional(Type.Array(ToolCallRef, { maxItems: 128 })),
    tool_call_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Required in a tool message' })),
    refusal: Type.Optional(Nullable(Type.String({ maxLength: 100_000 }))),
  },
  additionalProperties: false,
});
export type OpenAIMessage = Static<typeof OpenAIMessage>;

const ResponseFormat = Type.Object(
  {
    type: oneOf(['text', 'json_object', 'json_schema']),
    json_schema: Type.Optional(
      Type.Object(
        {
          name: Type.String({ pattern: '^[a-zA-Z0-9_-]{1,64}$' }),
          description: Type.Optional(Type.String({ maxLength: 10_000 })),
          schema: Type.Optional(OpenObject()),
          strict: Type.Optional(Nullable(Type.Boolean())),
        },
        { additionalProperties: false, description: 'Required with type json_schema, and only then' },
      ),
    ),
  },
  { additionalProperties: false },
);

/** Passed on from the student as it returned them. */
const Logprobs = Type.Unsafe<ModelLogprobs>(
  Type.Object({}, { additionalProperties: true, description: 'Token log probabilities {content, refusal}, with logprobs: true, as the student returned them' }),
);

const REFUSED = 'Refused with 400 naming the field: the student answers with one text choice';

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
    ...toolRequestFields,
    response_format: Type.Optional(ResponseFormat),
    logprobs: Type.Optional(Type.Boolean()),
    top_logprobs: Type.Optional(Type.Integer({ minimum: 0, maximum: 20 })),
    metadata: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 512 }), { maxProperties: 16 })),
    reasoning_effort: Type.Optional(oneOf(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'])),
    n: Type.Optional(Type.Integer({ minimum: 1, maximum: 1, description: `Only 1. ${REFUSED}` })),
    modalities: Type.Optional(Type.Array(oneOf(['text', 'audio']), { maxItems: 2, description: `Only text. ${REFUSED}` })),
    audio: Type.Optional(OpenObject({ description: REFUSED })),
    conversation_id: Type.Optional(ConversationId),
    k: K,
    min_score: MinScore,
  },
  {
    additionalProperties: false,
    examples: [
      {
        model: 'acme-support',
        messages: [{ role: 'system', content: 'You are the order desk of ACME. Be brief.' }, ...ORDER_LOOKUP],
        tools: [ORDER_TOOL],
        tool_choice: 'auto',
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
      message: Type.Object({
        role: Type.Literal('assistant'),
        content: Nullable(Type.String()),
        refusal: Nullable(Type.String()),
        tool_calls: Type.Optional(Type.Array(ToolCallRef)),
      }),
      logprobs: Nullable(Logprobs),
      finish_reason: Type.String({ description: 'stop, length, tool_calls (run the calls, send their results back as tool messages), content_filter' }),
    }),
  ),
  usage: Type.Optional(UsageRef),
  coach: ref(CoachField),
});
export type Completion = Static<typeof Completion>;

export const COMPLETION_STREAM =
  'With stream: true: `data: {chat.completion.chunk}` events as OpenAI sends them: text in delta.content, tool calls in ' +
  'delta.tool_calls (the first piece of a call carries its index, id, type and function.name, later pieces of that index more of ' +
  'function.arguments); the chunk carrying finish_reason also carries `coach`; with stream_options.include_usage a last chunk ' +
  'has empty choices and the usage; then `data: [DONE]`.';

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
