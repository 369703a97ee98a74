import { Type, type TSchema } from 'typebox';
import { Uuid } from '../../http/schemas.js';

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const ConversationMessage = Type.Object(
  {
    role: Type.Union([Type.Literal('system'), Type.Literal('user'), Type.Literal('assistant')], {
      description: 'user = the customer, assistant = the agent; leading system messages are the application\'s instructions',
    }),
    content: Type.String({ maxLength: 100_000 }),
  },
  { $id: 'ConversationMessage', additionalProperties: false },
);

export const ConversationId = Type.String({
  minLength: 1,
  maxLength: 200,
  description: 'Chosen by the caller; groups the turns of one conversation for traces and feedback',
});

export const K = Type.Integer({ minimum: 1, maximum: 50, default: 5, description: 'Guidance entries to retrieve before the token budget' });

export const GuidanceRefSchema = Type.Object(
  { id: Uuid, version: Type.Integer(), score: Type.Number() },
  { $id: 'GuidanceRef', description: 'A guidance entry version that was in the prompt, with its retrieval score' },
);

export const UsageSchema = Type.Object(
  { prompt_tokens: Type.Integer(), completion_tokens: Type.Integer(), total_tokens: Type.Integer() },
  { $id: 'Usage' },
);

export const RetrievalStatus = Type.Union([Type.Literal('ok'), Type.Literal('failed')], {
  description: 'failed: retrieval errored and CHAT_ON_RETRIEVAL_ERROR=continue answered with the policy alone',
});

export const chatSchemas = [ConversationMessage, GuidanceRefSchema, UsageSchema];
