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

export const EntryStats = Type.Object(
  {
    entry_id: Uuid,
    external_id: Nullable(Type.String()),
    version: Type.Integer({ description: 'Current version of the entry' }),
    status: Type.String(),
    exposures: Type.Integer({ description: 'Turns whose prompt held this entry (failed model calls excluded)' }),
    conversations: Type.Integer({ description: 'Distinct conversations it was used in' }),
    last_used_at: Nullable(Timestamp),
    when_used: ref(Outcome),
    when_not_used: ref(Outcome),
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
  },
  { $id: 'GuidanceStats' },
);
export type EntryStats = Static<typeof EntryStats>;
export const EntryStatsRef = ref(EntryStats);

export const LibraryStats = Type.Object({ library_id: Uuid, conversations_with_feedback: Type.Integer(), items: Type.Array(EntryStatsRef) });
export type LibraryStats = Static<typeof LibraryStats>;

export const STATS_DOC =
  "Per conversation with feedback: the mean of its ratings, resolved if any feedback said so, a violation if any reported one. " +
  'when_used covers the conversations whose turns had the entry in the prompt, when_not_used the library\'s others.';
