import { Type, type Static } from 'typebox';
import { Nullable, oneOf, OpenObject, Timestamp, Uuid } from '../../http/schemas.js';
import { REVISION_STATUSES } from '../guidance-revisions.js';
import { AppliesWhenView, GuidanceEntryRef, Status } from './guidance-schemas.js';

export const RevisionView = Type.Object({
  id: Uuid,
  library_id: Uuid,
  entry_id: Uuid,
  base_version: Type.Integer({ description: "The entry's version the revision was written against" }),
  scenario: Type.String(),
  guidance: Type.String(),
  examples: Type.Array(Type.String(), { description: "The entry's examples merged with the revision's, each once" }),
  tags: Type.Array(Type.String()),
  policy_refs: Type.Array(Type.String()),
  applies_when: AppliesWhenView,
  provenance: OpenObject({ description: '`sources`: every job decision (and the entry\'s own origin) that contributed' }),
  status: oneOf(REVISION_STATUSES, { description: 'pending (the entry is served unchanged), approved (became applied_version), rejected, superseded (by a newer revision)' }),
  proposed_by: Nullable(Uuid),
  created_at: Timestamp,
  decided_by: Nullable(Uuid),
  decided_at: Nullable(Timestamp),
  reason: Nullable(Type.String()),
  applied_version: Nullable(Type.Integer()),
  entry: Type.Object(
    { version: Type.Integer(), status: Status, scenario: Type.String(), guidance: Type.String(), examples: Type.Array(Type.String()), policy_refs: Type.Array(Type.String()) },
    { description: 'The entry as it is served now' },
  ),
});

export const RevisionList = Type.Object({ items: Type.Array(RevisionView) });
export type RevisionList = Static<typeof RevisionList>;

export const RevisionListQuery = Type.Object(
  {
    status: Type.Optional(oneOf(REVISION_STATUSES, { default: 'pending', description: 'pending: the review queue' })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  },
  { additionalProperties: false },
);
export type RevisionListQuery = Static<typeof RevisionListQuery>;

export const RevisionParams = Type.Object({ id: Uuid, gid: Uuid, rid: Uuid });

export const RevisionDecisionBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 2_000, pattern: '\\S', description: "Recorded on the revision and, when approved, in the entry's history" }) },
  { additionalProperties: false },
);
export type RevisionDecisionBody = Static<typeof RevisionDecisionBody>;

export const RevisionApproved = Type.Object({ entry: GuidanceEntryRef, revision: RevisionView });
