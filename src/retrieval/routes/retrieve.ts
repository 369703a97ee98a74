import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { checkedConversation } from '../../http/message-schema.js';
import { errorResponses, json } from '../../http/schemas.js';
import type { RetrievedGuidance, Retriever } from '../retriever.js';
import { RetrieveBody, RetrieveResponse, type Explanation } from './retrieve-schemas.js';

function explanationView({ vector, text, fused, toolState, procedure, selection }: RetrievedGuidance['explanation']): Explanation {
  return {
    vector_score: vector.score,
    best_similarity: vector.similarity ?? 0,
    best_chunk: vector.similarity === null ? null : 'centroid',
    matched_chunks: vector.similarity === null ? 0 : 1,
    text_rank: text.rank,
    text_rank_normalised: text.normalised,
    vector_weight: fused.vectorWeight,
    text_weight: fused.textWeight,
    tool_state: { after_tools_met: toolState.afterToolsMet, before_tools_met: toolState.beforeToolsMet, bonus: toolState.bonus },
    procedure,
    selection: {
      always_on: selection.alwaysOn,
      priority: selection.priority,
      relevance: selection.relevance,
      priority_bonus: selection.priorityBonus,
      required_by: selection.requiredBy,
      needs: selection.needs,
    },
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
        description:
          'The messages are in OpenAI form: tool calls of assistant messages and the tool messages answering them are part of the ' +
          'state searched for (tool names, short arguments, short worded values of results such as a status or an error). An entry ' +
          'is retrieved only if every tool in its applies_when.after_tools has run and none in its before_tools has. Always-on entries come first ' +
          'and outside k; priority, excludes and requires then select among the rest, and with conversation_id the notes already given and ' +
          'followed in the conversation take no slot (set_aside says which and why).',
        body: RetrieveBody,
        response: { 200: json('The entries that fit best, by descending score, each with how its score was made', RetrieveResponse), ...errorResponses() },
      },
    },
    async (request) => {
      const { messages, k, filters, min_score, include_drafts, conversation_id } = request.body;
      const { results, setAside, query, toolsRun } = await retriever.retrieve(request.library, {
        messages: checkedConversation(messages, 'body.messages'),
        k,
        filters: { tags: filters?.tags, anyTags: filters?.any_tags },
        minScore: min_score,
        includeDrafts: include_drafts,
        conversationId: conversation_id,
      });
      return { results: results.map((found) => ({ ...found, explanation: explanationView(found.explanation) })), set_aside: setAside, query, tools_run: toolsRun };
    },
  );
};
