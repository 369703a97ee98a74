import { Type, type Static } from 'typebox';
import { conversationMessage } from '../../http/message-schema.js';
import { Nullable, ref, Uuid } from '../../http/schemas.js';
import { AppliesWhenView, Status } from '../../library/routes/guidance-schemas.js';

/** Fields beside those of a message are let through: a frontend may send its model's messages as they are. */
export const ChatMessageSchema = conversationMessage({ $id: 'ChatMessage', additionalProperties: true, maxLength: 100_000 });

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
    conversation_id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: "The conversation's id as given to /chat or /compose: notes its earlier turns were given and have followed take no slot",
      }),
    ),
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
  vector_score: Type.Number({ description: "Cosine similarity of the conversation to the entry's centroid (its document and examples as one vector), clamped to [0, 1]" }),
  best_similarity: Type.Number({ description: 'The same similarity, unclamped; 0 when the centroid was not among the nearest' }),
  best_chunk: Type.Union([Type.Literal('scenario'), Type.Literal('guidance'), Type.Literal('example'), Type.Literal('centroid'), Type.Null()], {
    description: "The chunk the similarity is to: 'centroid' since retrieval searches centroids; null when the entry was found by full text alone",
  }),
  matched_chunks: Type.Integer({ description: '1 when the centroid was among the nearest, else 0' }),
  text_rank: Type.Number({ description: 'Full-text rank: BM25 of the query words (weighted by speaker) in the entry' }),
  text_rank_normalised: Type.Number({ description: 'text_rank divided by the best text rank of this query' }),
  vector_weight: Type.Number(),
  text_weight: Type.Number({
    description: 'score = vector_weight × vector_score + text_weight × text_rank_normalised + tool_state.bonus + procedure.bonus + selection.priority_bonus',
  }),
  tool_state: Type.Object(
    {
      after_tools_met: Type.Union([Type.Literal(true), Type.Null()], { description: 'true: every tool in applies_when.after_tools has run; null: the entry has none' }),
      before_tools_met: Type.Union([Type.Literal(true), Type.Null()], { description: 'true: no tool in applies_when.before_tools has run; null: the entry has none' }),
      bonus: Type.Number({ description: '0.1 when after_tools are met (a note for this state beats one that ignores tools), else 0' }),
    },
    { description: 'How applies_when met the conversation. An entry whose conditions are not met is not retrieved at all' },
  ),
  procedure: Nullable(
    Type.Object(
      {
        name: Type.String(),
        step: Type.Integer(),
        tool: Nullable(Type.String()),
        next: Type.Boolean({
          description:
            "The procedure's next step: the step its examples took most often in the conversation's tool state, or, when none was taken in it, the first step with a tool that the conversation's calls have not done yet",
        }),
        next_by: Type.Union([Type.Literal('examples'), Type.Literal('order'), Type.Null()], { description: 'Why the step is next; null when it is not' }),
        state_examples: Type.Integer({ description: "How many of the step's examples were taken in the conversation's tool state (the same calls made)" }),
        bonus: Type.Number({
          description: "0.1 for the next step; where its examples chose it, another step they took in this tool state gets 0.1 × its state_examples / the next step's; else 0",
        }),
      },
      { description: 'Where the entry stands in its procedure (README, "Procedures"); null for an entry that is no procedure step' },
    ),
  ),
  selection: Type.Object(
    {
      always_on: Type.Boolean({ description: 'In every prompt, ahead of the retrieved entries and outside k' }),
      priority: Type.Integer(),
      relevance: Type.Number({
        description: 'vector_weight × vector_score + text_weight × text_rank_normalised + tool_state.bonus + procedure.bonus: what min_score is compared with',
      }),
      priority_bonus: Type.Number({ description: '0.05 × priority; score = relevance + priority_bonus' }),
      required_by: Type.Union([Uuid, Type.Null()], { description: 'The entry whose requires took this one in, ranked with it (right behind it); null when it placed on its own' }),
      needs: Type.Array(Uuid, { description: 'Entries it requires that are in this result (those already followed in the conversation are not)' }),
    },
    { description: 'How the selection rules placed the entry (README, "Selection rules")' },
  ),
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
      applies_when: AppliesWhenView,
      status: Status,
      always_on: Type.Boolean(),
      score: Type.Number(),
      explanation: Explanation,
    }),
  ),
  set_aside: Type.Array(
    Type.Object({
      id: Uuid,
      reason: Type.Union([Type.Literal('followed'), Type.Literal('excluded'), Type.Literal('requires'), Type.Literal('always_on_cap')]),
      by: Type.Array(Uuid, { description: 'The entry it is excluded by, or the required entries missing' }),
      detail: Type.String(),
    }),
    {
      description:
        'Entries that reached min_score (or are always on) but a selection rule left out, down to the last entry taken: already given and followed in ' +
        'this conversation, excluded by an entry ranked first, requiring entries that are not selectable with it, or past the always-on cap',
    },
  ),
  query: Type.String({ description: 'The conversation turns and tool calls that shaped the search, as weighted' }),
  tools_run: Type.Array(Type.String(), { description: "The tools the conversation's assistant messages called (each counts as run, whatever it returned)" }),
});
export type RetrieveResponse = Static<typeof RetrieveResponse>;
