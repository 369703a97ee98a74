import { Type, type Static } from 'typebox';
import { conversationMessage, ToolCallRef, toolRequestFields } from '../../http/message-schema.js';
import { Nullable, ref, Uuid } from '../../http/schemas.js';

export const ConversationMessage = conversationMessage({ $id: 'ConversationMessage', additionalProperties: false, maxLength: 100_000 });
export type ConversationMessage = Static<typeof ConversationMessage>;

export const ConversationId = Type.String({
  minLength: 1,
  maxLength: 200,
  description: 'Chosen by the caller; groups the turns of one conversation for traces and feedback',
});

export const K = Type.Optional(
  Type.Integer({ minimum: 1, maximum: 50, description: "Guidance entries to retrieve before the token budget; default: the library's retrieval settings, else 5" }),
);
export const MinScore = Type.Optional(
  Type.Number({ minimum: 0, maximum: 1, description: "Retrieved entries scoring below this stay out of the prompt; default: the library's retrieval settings, else 0" }),
);

export const GuidanceRefSchema = Type.Object(
  { id: Uuid, version: Type.Integer(), score: Type.Number() },
  { $id: 'GuidanceRef', description: 'A guidance entry version that was in the prompt, with its retrieval score' },
);

const UsageSchema = Type.Object(
  { prompt_tokens: Type.Integer(), completion_tokens: Type.Integer(), total_tokens: Type.Integer() },
  { $id: 'Usage' },
);

export const RetrievalStatus = Type.Union([Type.Literal('ok'), Type.Literal('failed')], {
  description: 'failed: retrieval errored and CHAT_ON_RETRIEVAL_ERROR=continue answered with the policy alone',
});

export const chatSchemas = [ConversationMessage, GuidanceRefSchema, UsageSchema];

/** What the errors of a turn that calls the student mean. */
export const STUDENT_ERRORS = {
  502: 'The student model failed, after its retries (STUDENT_MAX_RETRIES)',
  503: 'No student model is configured (STUDENT_BASE_URL), or guidance retrieval failed with CHAT_ON_RETRIEVAL_ERROR=fail',
  504: 'The student did not answer in time: STUDENT_TIMEOUT_MS for one call, CHAT_DEADLINE_MS for the whole turn',
};

export const RETRIEVAL_FAILED = 'Guidance retrieval failed and CHAT_ON_RETRIEVAL_ERROR=fail';

const REFUND_CONVERSATION = [
  { role: 'system', content: 'You are the support agent of ACME. Be brief.' },
  { role: 'assistant', content: 'Hello, how can I help you today?' },
  { role: 'user', content: 'I bought a jacket 45 days ago and want to return it for my money back' },
];

/** An agent that looked an order up and got its status back, with the tool it used. */
export const ORDER_TOOL = {
  type: 'function',
  function: {
    name: 'get_order_details',
    description: 'Status and items of an order',
    parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'], additionalProperties: false },
    strict: true,
  },
};
export const ORDER_LOOKUP = [
  { role: 'user', content: 'Please cancel order W2378156, I do not need it any more' },
  { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_order_details', arguments: '{"order_id":"W2378156"}' } }] },
  { role: 'tool', tool_call_id: 'call_1', content: '{"order_id":"W2378156","status":"delivered"}' },
];

const Messages = Type.Array(ref(ConversationMessage), { minItems: 1, maxItems: 500 });
const GuidanceRefs = Type.Array(ref(GuidanceRefSchema));
export const UsageRef = ref(UsageSchema);

export const ComposeBody = Type.Object(
  { messages: Messages, conversation_id: Type.Optional(ConversationId), k: K, min_score: MinScore, ...toolRequestFields },
  { additionalProperties: false, examples: [{ messages: ORDER_LOOKUP, tools: [ORDER_TOOL], conversation_id: 'ticket-4712' }] },
);
export type ComposeBody = Static<typeof ComposeBody>;

export const ComposeResponse = Type.Object({
  trace_id: Uuid,
  messages: Type.Array(ref(ConversationMessage), { description: "The student's prompt: one system message (policy, coaching notes, the caller's system text), then the conversation" }),
  guidance: Type.Array(ref(GuidanceRefSchema), { description: 'Entries in the prompt, by descending score' }),
  dropped_guidance: Type.Array(ref(GuidanceRefSchema), { description: 'Retrieved entries left out to stay within CHAT_GUIDANCE_TOKEN_BUDGET' }),
  guidance_tokens: Type.Integer({ description: 'Estimated tokens of the coaching notes' }),
  retrieval_status: RetrievalStatus,
  // As given: what the frontend passes on to its own model with the messages.
  ...toolRequestFields,
});
export type ComposeResponse = Static<typeof ComposeResponse>;

export const ChatBody = Type.Object(
  {
    messages: Messages,
    conversation_id: Type.Optional(ConversationId),
    stream: Type.Optional(Type.Boolean({ description: 'Answer as server-sent events: `delta` events, then `done` (or `error`)' })),
    k: K,
    min_score: MinScore,
    ...toolRequestFields,
  },
  { additionalProperties: false, examples: [{ messages: REFUND_CONVERSATION, conversation_id: 'ticket-4711', k: 5 }] },
);
export type ChatBody = Static<typeof ChatBody>;

export const ChatResponse = Type.Object({
  message: Type.Object({
    role: Type.Literal('assistant'),
    content: Nullable(Type.String({ description: 'null when the student answered with tool calls only' })),
    tool_calls: Type.Optional(Type.Array(ToolCallRef, { description: 'The calls the student asks for; run them and send the results back as tool messages' })),
  }),
  guidance: GuidanceRefs,
  trace_id: Uuid,
  usage: Nullable(UsageRef),
  model: Type.String(),
  finish_reason: Nullable(Type.String()),
  retrieval_status: RetrievalStatus,
});
export type ChatResponse = Static<typeof ChatResponse>;

export const CHAT_EVENT_STREAM =
  'With stream: true. `event: delta` data {"content"} as text arrives, or {"tool_calls": [{"index", "id", "name", "arguments"}]} as ' +
  'tool calls do (the first piece of a call has its id and name, later ones more of its arguments); then `event: done` data ' +
  '{"trace_id", "guidance", "usage", "model", "finish_reason", "retrieval_status", "tool_calls"} (the calls put together), or ' +
  '`event: error` data {"trace_id", "error": {"code", "message"}}.';
