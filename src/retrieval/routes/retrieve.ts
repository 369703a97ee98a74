import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { errorResponses, IdParams } from '../../http/schemas.js';
import type { Libraries } from '../../library/libraries.js';
import type { RetrievedGuidance, Retriever } from '../retriever.js';
import { ChatMessageSchema, RetrieveBody, RetrieveResponse, type Explanation } from './retrieve-schemas.js';

function explanationView({ vector, text, fused }: RetrievedGuidance['explanation']): Explanation {
  return {
    vector_score: vector.score,
    best_similarity: vector.bestSimilarity,
    best_chunk: vector.bestChunkKind,
    matched_chunks: vector.matchedChunks,
    text_rank: text.rank,
    text_rank_normalised: text.normalised,
    vector_weight: fused.vectorWeight,
    text_weight: fused.textWeight,
  };
}

export function retrievalRoutes(app: FastifyInstance, libraries: Libraries, retriever: Retriever): void {
  app.addSchema(ChatMessageSchema);
  app.withTypeProvider<TypeBoxTypeProvider>().post(
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
      const { messages, k, filters, min_score, include_drafts } = request.body;
      const { results, query } = await retriever.retrieve(library, {
        messages,
        k,
        filters: { tags: filters?.tags, anyTags: filters?.any_tags },
        minScore: min_score,
        includeDrafts: include_drafts,
      });
      return { results: results.map((found) => ({ ...found, explanation: explanationView(found.explanation) })), query };
    },
  );
}
