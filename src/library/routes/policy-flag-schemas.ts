import { Type, type Static } from 'typebox';
import { Nullable, ref, Timestamp, Uuid } from '../../http/schemas.js';

export const PolicyFlagView = Type.Object(
  {
    id: Uuid,
    library_id: Uuid,
    entry_id: Uuid,
    entry_version: Type.Integer({ description: 'The entry version that was flagged' }),
    policy_ref: Type.String({ description: "The entry's quote of the policy" }),
    old_clause: Type.String({ description: 'The clause the quote lay in, before the edit' }),
    new_clause: Nullable(Type.String({ description: 'The clause of the new policy most like it; null: the clause was removed' })),
    created_at: Timestamp,
  },
  {
    $id: 'PolicyFlag',
    description:
      "An entry quoting a policy clause that an edit changed or removed (needs_review). Open until resolved, or until the entry stops quoting it or is retired",
  },
);
export type PolicyFlagView = Static<typeof PolicyFlagView>;
export const PolicyFlagRef = ref(PolicyFlagView);

export const PolicyFlagList = Type.Object({ items: Type.Array(PolicyFlagRef) });
export type PolicyFlagList = Static<typeof PolicyFlagList>;

export const ResolveFlagsBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S', description: 'Why the entry stays as it is under the new policy' }) },
  { additionalProperties: false, examples: [{ reason: 'still true: the 14-day window does not change what the note says' }] },
);
export type ResolveFlagsBody = Static<typeof ResolveFlagsBody>;
