import { Type, type Static } from 'typebox';
import { ToolCallRef } from '../../http/message-schema.js';
import { Page, PageQueryFields } from '../../http/paging.js';
import { Nullable, ref, Timestamp, Uuid } from '../../http/schemas.js';
import { ConversationId, ConversationMessage, GuidanceRefSchema, UsageRef } from './chat-schemas.js';

export const TraceView = Type.Object(
  {
    id: Uuid,
    library_id: Uuid,
    conversation_id: Nullable(Type.String()),
    endpoint: Type.Union([Type.Literal('compose'), Type.Literal('chat'), Type.Literal('chat.completions')]),
    stream: Type.Boolean(),
    model: Nullable(Type.String({ description: 'The student model that answered; null for compose' })),
    guidance: Type.Array(ref(GuidanceRefSchema), { description: 'Entry versions in the prompt, by descending score' }),
    withheld: Type.Array(ref(GuidanceRefSchema), {
      description: "Entry versions that would have been in the prompt but the library's hold-out withheld, by descending score",
    }),
    holdout_rate: Type.Number({ description: "The library's hold-out rate when the turn was served" }),
    messages: Nullable(
      Type.Array(ref(ConversationMessage), {
        description: 'The conversation the turn answered, redacted (TRACE_REDACT); null when not kept (TRACE_MESSAGES=off) or past TRACE_RETENTION_DAYS',
      }),
    ),
    tools: Type.Object(
      {
        offered: Type.Array(Type.String(), { description: 'Names of the tools the turn offered the student' }),
        calls: Type.Array(ToolCallRef, { description: 'The tool calls the student answered with (arguments cut to 1000 characters)' }),
        results: Type.Array(
          Type.Object({ tool_call_id: Type.String(), name: Type.String({ description: 'The tool of the call it answers' }), content: Type.String() }),
          { description: 'The tool results in the conversation the student was given (content cut to 1000 characters)' },
        ),
        named_by_guidance: Type.Record(Type.String({ format: 'uuid' }), Type.Array(Type.String()), {
          description: 'Per entry in the prompt that names any, the offered tools its guidance names (what stats.tool_cues counts)',
        }),
      },
      { description: 'Tool arguments and results as the turn had them (cut, not redacted): they can hold customer data' },
    ),
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

export const TraceList = Page(TraceRef);
export type TraceList = Static<typeof TraceList>;

export const TraceListQuery = Type.Object(
  {
    library_id: Type.Optional(Uuid),
    conversation_id: Type.Optional(ConversationId),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Traces created at or after this time' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Traces created before this time' })),
    status: Type.Optional(Type.Union([Type.Literal('ok'), Type.Literal('error'), Type.Literal('aborted')])),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'The student model that answered' })),
    newest_first: Type.Boolean({ default: false, description: 'By creation time, newest first (default oldest first)' }),
    ...PageQueryFields,
  },
  { additionalProperties: false },
);
export type TraceListQuery = Static<typeof TraceListQuery>;
