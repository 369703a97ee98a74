import { Type, type Static } from 'typebox';
import { messageSchema } from '../../http/message-schema.js';
import { ref, Uuid } from '../../http/schemas.js';
import { Status } from '../../library/routes/guidance-schemas.js';

export const ChatMessageSchema = messageSchema({
  roles: ['system', 'user', 'assistant', 'tool'],
  roleDescription: 'user = the customer, assistant = the agent',
  content: Type.String({ maxLength: 100_000 }),
  additionalProperties: true,
  $id: 'ChatMessage',
});

export const RetrieveBody = Type.Object(
  {
    messages: Type.Array(ref(ChatMessageSchema), { minItems: 1, maxItems: 500 }),
    k: Type.Integer({ minimum: 1, maximum: 50, default: 5 }),
    filters: Type.Optional(
      Type.Object(
        {
          tags: Type.Optional(Type.Array(Type.String(), { description: 'Entries having all of these tags' })),
          any_tags: Type.Optional(Type.Array(Type.String(), { description: 'Entries having at least one of these tags' })),
        },
        { additionalProperties: false },
      ),
    ),
    min_score: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    include_drafts: Type.Optional(Type.Boolean({ description: 'Also return draft entries (never retired ones)' })),
  },
  {
    additionalProperties: false,
    examples: [
      {
        messages: [
          { role: 'assistant', content: 'Hello, how can I help you today?' },
          { role: 'user', content: 'I bought a jacket 45 days ago and want my money back' },
        ],
        k: 3,
        filters: { any_tags: ['refunds', 'returns'] },
        min_score: 0.2,
      },
    ],
  },
);
export type RetrieveBody = Static<typeof RetrieveBody>;

export const Explanation = Type.Object({
  vector_score: Type.Number({ description: "Mean of the entry's best chunk cosine similarities to the conversation" }),
  best_similarity: Type.Number(),
  best_chunk: Type.Union([Type.Literal('scenario'), Type.Literal('guidance'), Type.Literal('example'), Type.Null()]),
  matched_chunks: Type.Integer(),
  text_rank: Type.Number({ description: 'Full-text rank: summed IDF of the query words the entry contains' }),
  text_rank_normalised: Type.Number({ description: 'text_rank divided by the best text rank of this query' }),
  vector_weight: Type.Number(),
  text_weight: Type.Number({ description: 'score = vector_weight × vector_score + text_weight × text_rank_normalised' }),
});
export type Explanation = Static<typeof Explanation>;

export const RetrieveResponse = Type.Object({
  results: Type.Array(
    Type.Object({
      id: Uuid,
      external_id: Type.Union([Type.String(), Type.Null()]),
      version: Type.Integer(),
      scenario: Type.String(),
      guidance: Type.String(),
      tags: Type.Array(Type.String()),
      policy_refs: Type.Array(Type.String()),
      status: Status,
      score: Type.Number(),
      explanation: Explanation,
    }),
  ),
  query: Type.String({ description: 'The conversation turns that shaped the search, as weighted' }),
});
export type RetrieveResponse = Static<typeof RetrieveResponse>;
