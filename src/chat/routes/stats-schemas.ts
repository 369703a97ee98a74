import { Type, type Static } from 'typebox';
import { Nullable, ref, Timestamp, Uuid } from '../../http/schemas.js';

export const Outcome = Type.Object(
  {
    conversations: Type.Integer({ description: 'Conversations with feedback in this group' }),
    mean_rating: Nullable(Type.Number()),
    resolution_rate: Nullable(Type.Number({ description: 'Share resolved among those whose feedback said either way' })),
    policy_violation_rate: Nullable(Type.Number()),
  },
  { $id: 'GuidanceOutcome' },
);

export const UpliftSchema = Type.Object(
  {
    shown: Nullable(Type.Number({ description: 'The outcome in conversations where the entry was shown' })),
    withheld: Nullable(Type.Number({ description: 'The outcome in conversations where the hold-out withheld it' })),
    uplift: Nullable(Type.Number({ description: 'shown − withheld; null unless both arms have data' })),
    ci95: Nullable(Type.Tuple([Type.Number(), Type.Number()], { description: '95 % interval of the uplift (Welch for ratings, Agresti–Caffo for rates); null below 2 per arm (ratings) or 1 (rates)' })),
    n_shown: Type.Integer({ description: 'Conversations of the shown arm with this outcome known' }),
    n_withheld: Type.Integer({ description: 'Conversations of the withheld arm with this outcome known' }),
    more_conversations_needed: Nullable(
      Type.Integer({ description: 'More conversations, split as now, after which the interval would exclude 0 if the observed uplift held; 0: it already does; null: no uplift or no interval' }),
    ),
  },
  { $id: 'Uplift' },
);

const causalFields = {
  conversations: Type.Object({ shown: Type.Integer(), withheld: Type.Integer() }, { description: 'Conversations with feedback in each arm' }),
  mean_rating: ref(UpliftSchema),
  resolution_rate: ref(UpliftSchema),
  policy_violation_rate: ref(UpliftSchema),
};

const CausalStats = Type.Object(
  {
    ...causalFields,
    by_model: Type.Array(Type.Object({ model: Nullable(Type.String({ description: 'The student model; null for compose turns' })), ...causalFields })),
  },
  {
    description:
      "Causal uplift from the library's randomised hold-out (holdout_rate): among conversations served while it was on in which the entry would have been " +
      'in the prompt, those where it was shown against those where it was withheld. Per student model as well.',
  },
);

export const EntryStats = Type.Object(
  {
    entry_id: Uuid,
    external_id: Nullable(Type.String()),
    version: Type.Integer({ description: 'Current version of the entry' }),
    status: Type.String(),
    exposures: Type.Integer({ description: 'Turns whose prompt held this entry (failed model calls excluded)' }),
    conversations: Type.Integer({ description: 'Distinct conversations it was used in' }),
    last_used_at: Nullable(Timestamp),
    when_used: { ...ref(Outcome), description: 'Correlational: conversations that had the entry in the prompt' },
    when_not_used: { ...ref(Outcome), description: "Correlational: the library's other conversations with feedback; retrieval picks situations, so this is no control group" },
    tool_cues: Type.Object(
      {
        turns: Type.Integer({ description: 'Answered turns (not compose) with the entry in the prompt whose guidance names a tool offered in the turn' }),
        followed: Type.Integer({ description: "Of those, the turns whose student's first tool call was to a tool the guidance names" }),
        follow_rate: Nullable(Type.Number({ description: 'followed / turns; null without such turns' })),
      },
      {
        description:
          "Whether the student's next move matched the tools the note names. Correlational: the student may have made the call " +
          'anyway, and a note that names a tool to warn against it counts a call to it as followed.',
      },
    ),
    causal: CausalStats,
  },
  { $id: 'GuidanceStats' },
);
export type EntryStats = Static<typeof EntryStats>;
export const EntryStatsRef = ref(EntryStats);

export const LibraryStats = Type.Object({ library_id: Uuid, conversations_with_feedback: Type.Integer(), items: Type.Array(EntryStatsRef) });
export type LibraryStats = Static<typeof LibraryStats>;

export const STATS_DOC =
  "Per conversation with feedback: the mean of its ratings, resolved if any feedback said so, a violation if any reported one. " +
  'when_used covers the conversations whose turns had the entry in the prompt, when_not_used the library\'s others: a correlation, ' +
  'not an effect. causal compares, within the hold-out, the conversations where the entry was shown with those where it was withheld.';
