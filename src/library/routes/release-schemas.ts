import { Type, type Static } from 'typebox';
import { Nullable, ref, Timestamp, Uuid } from '../../http/schemas.js';

export const ReleaseView = Type.Object(
  {
    id: Uuid,
    library_id: Uuid,
    name: Type.String(),
    description: Type.String(),
    entries: Type.Integer({ description: 'Entry versions in the release' }),
    created_by: Nullable(Type.String({ description: 'The API key that made it' })),
    created_at: Timestamp,
  },
  { $id: 'Release', description: 'A named, immutable set of entry versions: the approved entries when it was made' },
);
export const ReleaseRef = ref(ReleaseView);

const EntryVersion = Type.Object({ entry_id: Uuid, version: Type.Integer() });

export const ReleaseDetail = Type.Object({ ...ReleaseView.properties, items: Type.Array(EntryVersion, { description: 'Its entry versions, by entry id' }) });
export type ReleaseDetail = Static<typeof ReleaseDetail>;

export const ReleaseList = Type.Object({ items: Type.Array(ReleaseRef) });
export type ReleaseList = Static<typeof ReleaseList>;

export const ReleaseParams = Type.Object({ id: Uuid, rid: Uuid });

export const ReleaseBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', description: 'Unique in the library' }),
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
  },
  { additionalProperties: false, examples: [{ name: '2026-12-01', description: 'after the refund-window review' }] },
);
export type ReleaseBody = Static<typeof ReleaseBody>;

export const RollbackBody = Type.Object(
  { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 2_000, description: 'Recorded with every version it writes' })) },
  { additionalProperties: false, examples: [{ reason: 'the new refund notes raised violations' }] },
);
export type RollbackBody = Static<typeof RollbackBody>;

export const RollbackResultView = Type.Object({
  release: ReleaseRef,
  restored: Type.Array(EntryVersion, { description: "Entries brought back to the release's version, as a new version" }),
  retired: Type.Array(Uuid, { description: 'Approved entries the release does not hold, now retired' }),
  unchanged: Type.Array(Uuid, { description: "Entries approved with the release's content already" }),
  missing: Type.Array(Uuid, { description: 'Entries of the release deleted since' }),
});
export type RollbackResultView = Static<typeof RollbackResultView>;

const Side = Type.Union([Uuid, Type.Literal('current'), Type.Literal('drafts')], {
  description: 'A release id; current: the approved entries now; drafts: the approved entries and the drafts now',
});

export const ReplayBody = Type.Object(
  {
    a: Side,
    b: Side,
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Stored turns created at or after this time' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Stored turns created before this time' })),
    limit: Type.Integer({ minimum: 1, maximum: 5_000, default: 500, description: 'The most recent stored turns in the range' }),
    k: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 50,
        description: "Entries retrieved per turn and side; unset: each turn's own, as chat chooses it (the library's retrieval.k for the trace's model, else 5)",
      }),
    ),
  },
  { additionalProperties: false, examples: [{ a: '0b7e3f7c-4a55-4f5e-9a0e-8f1f5d3c2b10', b: 'drafts', k: 5 }] },
);
export type ReplayBody = Static<typeof ReplayBody>;

const Turn = Type.Object({
  trace_id: Uuid,
  created_at: Timestamp,
  a: Type.Array(EntryVersion, { description: 'Retrieved under a, best first' }),
  b: Type.Array(EntryVersion, { description: 'Retrieved under b, best first' }),
  added: Type.Array(EntryVersion, { description: 'Under b only' }),
  removed: Type.Array(EntryVersion, { description: 'Under a only' }),
  changed_version: Type.Array(Type.Object({ entry_id: Uuid, a_version: Type.Integer(), b_version: Type.Integer() })),
  changed: Type.Boolean(),
});

export const ReplayReportView = Type.Object({
  a: Type.String(),
  b: Type.String(),
  k: Nullable(Type.Integer({ description: "The k asked for; null: each turn's own" })),
  turns: Type.Integer({ description: 'Stored turns replayed' }),
  changed_turns: Type.Integer(),
  conversations: Type.Array(Type.Object({ conversation_id: Type.String(), changed: Type.Boolean(), turns: Type.Array(Turn) }), { description: 'Oldest turn first' }),
  changed_conversations: Type.Integer(),
  turns_without_messages: Type.Integer({ description: 'Turns in the range whose messages were not kept (TRACE_MESSAGES=off, or past retention)' }),
  by_entry: Type.Array(Type.Object({ entry_id: Uuid, added: Type.Integer(), removed: Type.Integer(), changed_version: Type.Integer() }), {
    description: 'Per entry, the turns it would enter, leave or change version in',
  }),
});
export type ReplayReportView = Static<typeof ReplayReportView>;
