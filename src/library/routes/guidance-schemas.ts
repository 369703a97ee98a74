import { Type, type Static } from 'typebox';
import { MAX_INT32, Nullable, oneOf, OpenObject, ref, Timestamp, Uuid } from '../../http/schemas.js';
import { TOOL_NAME_PATTERN } from '../../messages.js';
import { MAX_ALWAYS_ON } from '../selection-rules.js';
import { MAX_EXAMPLE_LENGTH, MAX_EXAMPLES } from '../content.js';
import { STATUSES } from '../types.js';

export const Status = oneOf(STATUSES);
const ShortText = (max: number) => Type.Array(Type.String({ maxLength: max }), { maxItems: 200 });
const Reason = Type.String({ maxLength: 2_000 });
export const AppliesWhenFields = { after_tools: Type.Array(Type.String()), before_tools: Type.Array(Type.String()) };

const ToolNames = (description: string) =>
  Type.Optional(Type.Array(Type.String({ pattern: TOOL_NAME_PATTERN }), { maxItems: 50, description }));

/** When the entry applies, by the tools the conversation has run; both lists empty by default. */
const appliesWhenInput = (description: string) =>
  Type.Object(
    {
      after_tools: ToolNames('The entry applies only once every one of these tools has been called'),
      before_tools: ToolNames('The entry applies only while none of these tools has been called'),
    },
    { additionalProperties: false, description: `Tool conditions, checked against the tools the conversation has called; a tool in both lists is refused. ${description}` },
  );

export const AppliesWhenView = Type.Object({ after_tools: Type.Array(Type.String()), before_tools: Type.Array(Type.String()) });

const contentFields = {
  scenario: Type.String({ minLength: 1, maxLength: 20_000, pattern: '\\S', description: 'The conversational state this guidance applies to' }),
  guidance: Type.String({ minLength: 1, maxLength: 20_000, pattern: '\\S', description: 'What to do, in what order, and what never to do' }),
  examples: Type.Optional(Type.Array(Type.String({ maxLength: MAX_EXAMPLE_LENGTH }), { maxItems: MAX_EXAMPLES })),
  tags: Type.Optional(ShortText(100)),
  policy_refs: Type.Optional(ShortText(4_000)),
  applies_when: Type.Optional(appliesWhenInput('Absent: no conditions.')),
};

const EntryRefs = (description: string) =>
  Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 500 }), { maxItems: 50, description: `${description} Each an entry id or external_id of this library, resolved to the id on write; not the entry itself.` }));

/** Selection rules beside relevance (see README, "Selection rules"); each left out: the default. */
const ruleFields = {
  always_on: Type.Optional(
    Type.Boolean({
      description: `In every composed prompt and /retrieve result, ahead of the retrieved entries and not counted in k (default false). At most ${MAX_ALWAYS_ON} per library (retired entries not counted); no requires`,
    }),
  ),
  priority: Type.Optional(
    Type.Integer({ minimum: -10, maximum: 10, description: 'Among retrieved entries that pass min_score, 0.05 per unit is added to the score they are ranked by (default 0)' }),
  ),
  excludes: EntryRefs('Entries never selected together with this one: whichever of the two ranks first keeps its place, the other is left out.'),
  requires: EntryRefs('This entry is selected only when each of these is selected too, or was already given and followed in the conversation; no cycles.'),
  procedure: Type.Optional(
    Nullable(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', description: 'The procedure, shared by its steps' }),
          step: Type.Integer({ minimum: 1, maximum: 1_000, description: 'Its place in the procedure' }),
          tool: Type.Optional(
            Nullable(Type.String({ pattern: TOOL_NAME_PATTERN, description: 'The tool that carries the step out; absent or null: a step of advice, never next' })),
          ),
        },
        {
          additionalProperties: false,
          description:
            'This entry is one step of an ordered procedure (default none). The n-th step with a given tool is done once the conversation has ' +
            "called it n times; the procedure's first step with a tool not done yet gets 0.05 added to its relevance when it is retrieved",
        },
      ),
    ),
  ),
};

const ProcedureView = Nullable(Type.Object({ name: Type.String(), step: Type.Integer(), tool: Nullable(Type.String()) }));

const LATE_REFUND = {
  external_id: 'refund-after-window',
  scenario: 'The customer asks for their money back after the 30-day return window',
  guidance: 'Check the delivery date first. Past 30 days, say a refund is no longer possible and offer store credit; never promise an exception.',
  examples: ['I bought this jacket 45 days ago, can I still return it?'],
  tags: ['refunds'],
  policy_refs: ['Refunds within 30 days of delivery'],
};
const CANCEL_AFTER_LOOKUP = {
  external_id: 'cancel-after-lookup',
  scenario: 'The customer asks to cancel an order whose details have been looked up',
  guidance: 'Say the status get_order_details returned. Only a pending order can be cancelled: confirm the reason, then call cancel_pending_order.',
  applies_when: { after_tools: ['get_order_details'], before_tools: ['cancel_pending_order'] },
};
const WRONG_ADDRESS = {
  external_id: 'address-after-dispatch',
  scenario: 'The customer wants a parcel already dispatched sent to another address',
  guidance: 'Verify their identity before anything else, then redirect through the carrier; never change the address on the order itself.',
  tags: ['delivery'],
};

export const GuidanceInputBody = Type.Object(
  {
    ...contentFields,
    ...ruleFields,
    id: Type.Optional(Uuid),
    external_id: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 500 }), Type.Null()])),
    status: Type.Optional(Status),
    provenance: Type.Optional(OpenObject()),
  },
  { additionalProperties: false, $id: 'GuidanceInput', examples: [LATE_REFUND] },
);
export type GuidanceInputBody = Static<typeof GuidanceInputBody>;
export const GuidanceInputRef = ref(GuidanceInputBody);

/** A core note for every prompt, and a step that only makes sense once identity is verified. */
const VERIFY_FIRST = {
  external_id: 'verify-identity',
  scenario: 'Any request that touches an account or an order',
  guidance: 'Verify the customer with two of: email, phone, zip code before changing anything.',
  always_on: true,
};
const REDIRECT_PARCEL = { ...WRONG_ADDRESS, requires: ['verify-identity'], priority: 1 };

export const ImportBody = Type.Array(GuidanceInputRef, { minItems: 1, examples: [[LATE_REFUND, VERIFY_FIRST, REDIRECT_PARCEL, CANCEL_AFTER_LOOKUP]] });
export type ImportBody = Static<typeof ImportBody>;

const jsonLines = (values: object[]) => values.map((value) => JSON.stringify(value) + '\n').join('');

/** The same import as JSONL. */
export const IMPORT_LINES_EXAMPLE = jsonLines([LATE_REFUND, VERIFY_FIRST, REDIRECT_PARCEL, CANCEL_AFTER_LOOKUP]);

/** An exported line carries the entry's id, status and provenance, so it re-imports onto the same entry. */
export const EXPORT_LINES_EXAMPLE = jsonLines([
  {
    id: '0b6f7c1e-3d2a-4f0b-9a5e-2c8d1e4f6a70',
    ...LATE_REFUND,
    status: 'approved',
    provenance: { source: 'api', created_by: '5d0e2a8b-7c41-4e3f-8b2a-9f1c6d3e4b58' },
  },
]);

export const ImportResult = Type.Object({
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  ids: Type.Array(Type.String({ format: 'uuid' }), { description: 'Entry id of each item, in request order' }),
});
export type ImportResult = Static<typeof ImportResult>;

/** What an entry and each of its versions hold. */
const storedFields = {
  scenario: Type.String(),
  guidance: Type.String(),
  examples: Type.Array(Type.String()),
  tags: Type.Array(Type.String()),
  policy_refs: Type.Array(Type.String()),
  applies_when: AppliesWhenView,
  always_on: Type.Boolean(),
  priority: Type.Integer(),
  excludes: Type.Array(Uuid, { description: 'Entry ids' }),
  requires: Type.Array(Uuid, { description: 'Entry ids' }),
  procedure: ProcedureView,
  status: Status,
  version: Type.Integer(),
  provenance: OpenObject(),
};

export const GuidanceEntryView = Type.Object(
  {
    id: Uuid,
    library_id: Uuid,
    external_id: Type.Union([Type.String(), Type.Null()]),
    ...storedFields,
    created_at: Timestamp,
    updated_at: Timestamp,
    pending_revision: Type.Optional(
      Nullable(
        Type.Object(
          { id: Uuid, base_version: Type.Integer(), created_at: Timestamp },
          { description: 'Single-entry reads only: a revision waiting for review (see …/guidance/{gid}/revisions); the entry is served as it is until it is approved' },
        ),
      ),
    ),
  },
  { $id: 'GuidanceEntry' },
);
export type GuidanceEntryView = Static<typeof GuidanceEntryView>;
export const GuidanceEntryRef = ref(GuidanceEntryView);

export const GuidancePage = Type.Object({ items: Type.Array(GuidanceEntryRef), next_cursor: Nullable(Type.String()) });
export type GuidancePage = Static<typeof GuidancePage>;

const NearDuplicates = Type.Array(
  Type.Object({ id: Uuid, external_id: Type.Union([Type.String(), Type.Null()]), similarity: Type.Number() }),
  { description: 'Live entries whose scenario is nearly the same (cosine ≥ DUPLICATE_THRESHOLD): merge instead of adding copies' },
);

export const GuidanceWriteResult = Type.Object({
  entry: GuidanceEntryRef,
  near_duplicates: NearDuplicates,
});
export type GuidanceWriteResult = Static<typeof GuidanceWriteResult>;

export const GuidancePatchBody = Type.Object(
  {
    scenario: Type.Optional(contentFields.scenario),
    guidance: Type.Optional(contentFields.guidance),
    examples: contentFields.examples,
    tags: contentFields.tags,
    policy_refs: contentFields.policy_refs,
    applies_when: Type.Optional(appliesWhenInput('Replaces the conditions whole: a list left out is emptied.')),
    ...ruleFields,
    external_id: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 500 }), Type.Null()])),
    status: Type.Optional(Status),
    reason: Type.Optional(Type.String({ maxLength: 2_000, description: 'Why: recorded in the history (e.g. why it was approved or retired)' })),
    expected_version: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_INT32, description: 'Apply only if the entry is still at this version (else 409)' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type GuidancePatchBody = Static<typeof GuidancePatchBody>;

export const RetireQuery = Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false });
export type RetireQuery = Static<typeof RetireQuery>;

const GuidanceVersionView = Type.Object({
  entry_id: Uuid,
  ...storedFields,
  change: Type.Union([Type.Literal('create'), Type.Literal('update'), Type.Literal('status'), Type.Literal('restore')]),
  reason: Type.Union([Type.String(), Type.Null()]),
  changed_by: Type.Union([Uuid, Type.Null()], { description: 'API key that made the change' }),
  created_at: Timestamp,
});

export const GuidanceHistory = Type.Object({ items: Type.Array(GuidanceVersionView) });
export type GuidanceHistory = Static<typeof GuidanceHistory>;

export const RestoreBody = Type.Object(
  { version: Type.Integer({ minimum: 1, maximum: MAX_INT32 }), reason: Type.Optional(Reason) },
  { additionalProperties: false },
);
export type RestoreBody = Static<typeof RestoreBody>;

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
export type ListQuery = Static<typeof ListQuery>;

export const ExportQuery = Type.Object(filterFields, { additionalProperties: false });
export type ExportQuery = Static<typeof ExportQuery>;

export const EntryParams = Type.Object({ id: Uuid, gid: Uuid });
