import { Type, type Static } from 'typebox';
import { Page, PageQueryFields } from '../../http/paging.js';
import { Nullable, oneOf, ref, Timestamp, Uuid } from '../../http/schemas.js';
import { REVIEW_KINDS } from '../review-queue.js';
import { Status } from './guidance-schemas.js';
import { PolicyFlagRef } from './policy-flag-schemas.js';

const EntrySummary = Type.Object({
  id: Uuid,
  external_id: Nullable(Type.String()),
  version: Type.Integer(),
  status: Status,
  scenario: Type.String(),
  guidance: Type.String(),
  policy_refs: Type.Array(Type.String()),
});

const EvidenceSummary = Type.Object({
  teacher_evidence: Type.Integer({ description: 'Decision points of teacher jobs that wrote or changed the entry (GET …/evidence has them)' }),
  latest_retest_passed: Nullable(Type.Boolean({ description: "The latest one's re-test; null without teacher evidence" })),
  latest_policy_conflict: Nullable(Type.Boolean({ description: "Whether the latest one's policy check found a conflict" })),
  exposures: Type.Integer({ description: 'Turns whose prompt held the entry (failed model calls excluded)' }),
  conversations: Type.Integer(),
});

export const ReviewItemView = Type.Object(
  {
    kind: oneOf(REVIEW_KINDS, {
      description:
        'draft: a draft waiting for approval; needs_review: an entry quoting policy clauses an edit changed or removed; ' +
        'pending_revision: a revision of an entry waiting for approval (the entry is served unchanged until then)',
    }),
    since: { ...Timestamp, description: "Since when it waits: the draft's last change, the first open flag, the revision's proposal" },
    entry: EntrySummary,
    evidence: EvidenceSummary,
    policy_flags: Type.Array(PolicyFlagRef, { description: 'needs_review: the open flags, with quoted text, old and new clause; empty for other kinds' }),
    revision_id: Nullable({ ...Uuid, description: 'pending_revision: the revision (GET …/guidance/{gid}/revisions; decide it with …/revisions/{rid}/approve or reject); null for other kinds' }),
  },
  { $id: 'ReviewItem', description: 'One reason an entry waits for a person; each kind adds its own details beside the common fields' },
);

export const ReviewQueuePage = Page(ref(ReviewItemView));
export type ReviewQueuePage = Static<typeof ReviewQueuePage>;

export const ReviewQueueQuery = Type.Object(
  {
    kind: Type.Optional(oneOf(REVIEW_KINDS, { description: 'Only this kind; default every kind' })),
    ...PageQueryFields,
  },
  { additionalProperties: false },
);
export type ReviewQueueQuery = Static<typeof ReviewQueueQuery>;

