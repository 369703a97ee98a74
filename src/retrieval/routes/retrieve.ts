import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, json } from '../../http/schemas.js';
import type { RetrievedGuidance, Retriever } from '../retriever.js';
import { RetrieveBody, RetrieveResponse, type Explanation } from './retrieve-schemas.js';

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

/** Retrieval for a conversation, under /v1/libraries/:id. */
export const retrieveRoutes = (retriever: Retriever): FastifyPluginAsyncTypebox => async (app) => {
  app.post(
    '/retrieve',
    {
      schema: {
        operationId: 'retrieveGuidance',
        tags: ['retrieval'],
        summary: 'Guidance that fits the conversation state (no LLM call), with explained scores',
        body: RetrieveBody,
        response: { 200: json('The entries that fit best, by descending score, each with how its score was made', RetrieveResponse), ...errorResponses() },
      },
    },
    async (request) => {
      const { messages, k, filters, min_score, include_drafts } = request.body;
      const { results, query } = await retriever.retrieve(request.library, {
        messages,
        k,
        filters: { tags: filters?.tags, anyTags: filters?.any_tags },
        minScore: min_score,
        includeDrafts: include_drafts,
      });
      return { results: results.map((found) => ({ ...found, explanation: explanationView(found.explanation) })), query };
    },
  );
};
