import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Libraries } from '../../library/libraries.js';
import type { RetrieveRequest, Retriever } from '../../retrieval/retriever.js';
import { errorResponses, IdParams, Uuid } from '../../http/schemas.js';
import { Status } from '../../library/routes/guidance-schemas.js';

export const ChatMessageSchema = Type.Object(
  {
    role: Type.Union([Type.Literal('system'), Type.Literal('user'), Type.Literal('assistant'), Type.Literal('tool')], {
      description: 'user = the customer, assistant = the agent',
    }),
    content: Type.String({ maxLength: 100_000 }),
  },
  { $id: 'ChatMessage', additionalProperties: true },
);

const RetrieveBody = Type.Object(
  {
    messages: Type.Array(Type.Ref('ChatMessage'), { minItems: 1, maxItems: 500 }),
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
  { additionalProperties: false },
);

const Explanation = Type.Object({
  vector_score: Type.Number({ description: "Mean of the entry's best chunk cosine similarities to the conversation" }),
  best_similarity: Type.Number(),
  best_chunk: Type.Union([Type.Literal('scenario'), Type.Literal('guidance'), Type.Literal('example'), Type.Null()]),
  matched_chunks: Type.Integer(),
  text_rank: Type.Number({ description: 'Full-text rank: summed IDF of the query words the entry contains' }),
  text_rank_normalised: Type.Number({ description: 'text_rank divided by the best text rank of this query' }),
  vector_weight: Type.Number(),
  text_weight: Type.Number({ description: 'score = vector_weight × vector_score + text_weight × text_rank_normalised' }),
});

const RetrieveResponse = Type.Object({
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

export function retrievalRoutes(app: FastifyInstance, libraries: Libraries, retriever: Retriever): void {
  app.addSchema(ChatMessageSchema);
  app.post<{ Params: { id: string }; Body: RetrieveRequest }>(
    '/v1/libraries/:id/retrieve',
    {
      schema: {
        tags: ['retrieval'],
        summary: 'Guidance that fits the conversation state (no LLM call), with explained scores',
        params: IdParams,
        body: RetrieveBody,
        response: { 200: RetrieveResponse, ...errorResponses() },
      },
    },
    async (request) => {
      const library = await libraries.get(request.principal, request.params.id);
      return retriever.retrieve(library, request.body);
    },
  );
}
