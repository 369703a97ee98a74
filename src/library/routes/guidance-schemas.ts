import { Type } from 'typebox';
import { STATUSES } from '../../library/types.js';
import { MAX_INT32, Uuid } from '../../http/schemas.js';

export const Status = Type.Union(STATUSES.map((s) => Type.Literal(s)));
const ShortText = (max: number) => Type.Array(Type.String({ maxLength: max }), { maxItems: 200 });

const contentFields = {
  scenario: Type.String({ minLength: 1, maxLength: 20_000, pattern: '\\S', description: 'The conversational state this guidance applies to' }),
  guidance: Type.String({ minLength: 1, maxLength: 20_000, pattern: '\\S', description: 'What to do, in what order, and what never to do' }),
  examples: Type.Optional(ShortText(4_000)),
  tags: Type.Optional(ShortText(100)),
  policy_refs: Type.Optional(ShortText(4_000)),
};

export const GuidanceInputBody = Type.Object(
  {
    ...contentFields,
    id: Type.Optional(Uuid),
    external_id: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 500 }), Type.Null()])),
    status: Type.Optional(Status),
    provenance: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: false, $id: 'GuidanceInput' },
);

/** What an entry and each of its versions hold. */
const storedFields = {
  scenario: Type.String(),
  guidance: Type.String(),
  examples: Type.Array(Type.String()),
  tags: Type.Array(Type.String()),
  policy_refs: Type.Array(Type.String()),
  status: Status,
  version: Type.Integer(),
  provenance: Type.Object({}, { additionalProperties: true }),
};

export const GuidanceEntryView = Type.Object(
  {
    id: Uuid,
    library_id: Uuid,
    external_id: Type.Union([Type.String(), Type.Null()]),
    ...storedFields,
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'GuidanceEntry' },
);

export const NearDuplicates = Type.Array(
  Type.Object({ id: Uuid, external_id: Type.Union([Type.String(), Type.Null()]), similarity: Type.Number() }),
  { description: 'Live entries whose scenario is nearly the same (cosine ≥ DUPLICATE_THRESHOLD): merge instead of adding copies' },
);

export const GuidanceWriteResult = Type.Object({
  entry: Type.Ref('GuidanceEntry'),
  near_duplicates: NearDuplicates,
});

export const GuidancePatchBody = Type.Object(
  {
    scenario: Type.Optional(contentFields.scenario),
    guidance: Type.Optional(contentFields.guidance),
    examples: contentFields.examples,
    tags: contentFields.tags,
    policy_refs: contentFields.policy_refs,
    external_id: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 500 }), Type.Null()])),
    status: Type.Optional(Status),
    reason: Type.Optional(Type.String({ maxLength: 2_000, description: 'Why: recorded in the history (e.g. why it was approved or retired)' })),
    expected_version: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_INT32, description: 'Apply only if the entry is still at this version (else 409)' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const GuidanceVersionView = Type.Object({
  entry_id: Uuid,
  ...storedFields,
  change: Type.Union([Type.Literal('create'), Type.Literal('update'), Type.Literal('status'), Type.Literal('restore')]),
  reason: Type.Union([Type.String(), Type.Null()]),
  changed_by: Type.Union([Uuid, Type.Null()], { description: 'API key that made the change' }),
  created_at: Type.String({ format: 'date-time' }),
});

const filterFields = {
  status: Type.Optional(Type.String({ pattern: '^(draft|approved|retired)(,(draft|approved|retired))*$', description: 'Comma-separated statuses' })),
  tags: Type.Optional(Type.String({ maxLength: 2_000, description: 'Comma-separated; entries having all of them' })),
  q: Type.Optional(Type.String({ maxLength: 2_000, description: 'Full-text query (web search syntax)' })),
};

export const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    ...filterFields,
  },
  { additionalProperties: false },
);

export const ExportQuery = Type.Object(filterFields, { additionalProperties: false });

export const EntryParams = Type.Object({ id: Uuid, gid: Uuid });
