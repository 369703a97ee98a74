import { Type, type Static } from 'typebox';
import { ref, Timestamp, Uuid } from '../../http/schemas.js';
import { PolicyFlagRef } from './policy-flag-schemas.js';

const HOLDOUT_DOC =
  'Probability (0 to 0.5) that an entry about to enter a prompt is withheld instead, decided once per conversation and entry, ' +
  'so guidance stats can measure its causal uplift; 0: never';
const SERVE_NEEDS_REVIEW_DOC = 'Whether entries a policy edit flagged as needs_review are still served until someone reviews them';
const HoldoutRate = Type.Number({ minimum: 0, maximum: 0.5, description: HOLDOUT_DOC });

const RetrievalChoice = {
  k: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, description: 'Guidance entries a chat or compose turn retrieves before the token budget' })),
  min_score: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Retrieved entries scoring below this stay out of the prompt' })),
};
export const RetrievalSettingsSchema = Type.Object(
  {
    ...RetrievalChoice,
    by_model: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 200 }), Type.Object(RetrievalChoice, { additionalProperties: false }), {
        maxProperties: 50,
        description: 'Per student model (its STUDENT_MODEL name): k and min_score that override the library\'s when that model answers',
      }),
    ),
  },
  {
    $id: 'RetrievalSettings',
    additionalProperties: false,
    description:
      "Defaults for chat and compose turns that give no k or min_score themselves; the student model's override wins over the library's, " +
      'and the request over both. Unset: k 5, min_score 0. A PATCH replaces the whole object',
    examples: [{ k: 5, min_score: 0.2, by_model: { 'gpt-4o-mini': { k: 3, min_score: 0.3 } } }],
  },
);
const RetrievalSettingsRef = ref(RetrievalSettingsSchema);

export const LibraryView = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    description: Type.String(),
    policy: Type.String({ description: "The firm's policy; authoritative over any guidance" }),
    embedder: Type.String({ description: 'Embedder of the searchable vectors, e.g. local:hash-v4-1024' }),
    embedding_dim: Type.Integer(),
    holdout_rate: Type.Number({ description: HOLDOUT_DOC }),
    serve_needs_review: Type.Boolean({ description: SERVE_NEEDS_REVIEW_DOC }),
    retrieval: RetrievalSettingsRef,
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Library' },
);
export type LibraryView = Static<typeof LibraryView>;
export const LibraryRef = ref(LibraryView);

export const LibraryList = Type.Object({ items: Type.Array(LibraryRef) });
export type LibraryList = Static<typeof LibraryList>;

const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });

export const LibraryBody = Type.Object(
  {
    name: Name,
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
    policy: Type.Optional(Type.String({ maxLength: 1_000_000 })),
    embedder: Type.Optional(Type.String({ description: 'Defaults to the service embedder (EMBEDDER)' })),
    holdout_rate: Type.Optional(HoldoutRate),
    serve_needs_review: Type.Optional(Type.Boolean({ description: SERVE_NEEDS_REVIEW_DOC })),
    retrieval: Type.Optional(RetrievalSettingsRef),
  },
  {
    additionalProperties: false,
    examples: [
      {
        name: 'acme-support',
        description: 'ACME customer support',
        policy: 'Refunds within 30 days of delivery, with proof of purchase. Verify the customer before changing an order.',
      },
    ],
  },
);
export type LibraryBody = Static<typeof LibraryBody>;

export const LibraryPatchBody = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
    policy: Type.Optional(Type.String({ maxLength: 1_000_000, description: 'A new policy flags the entries quoting clauses it changes or removes' })),
    holdout_rate: Type.Optional(HoldoutRate),
    serve_needs_review: Type.Optional(Type.Boolean({ description: SERVE_NEEDS_REVIEW_DOC })),
    retrieval: Type.Optional(RetrievalSettingsRef),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ policy: 'Refunds within 14 days of delivery, with proof of purchase.' }, { holdout_rate: 0.05 }, { retrieval: { k: 8, by_model: { 'gpt-4o-mini': { k: 3, min_score: 0.3 } } } }] },
);
export type LibraryPatchBody = Static<typeof LibraryPatchBody>;

export const LibraryUpdateResult = Type.Object({
  ...LibraryView.properties,
  policy_flags: Type.Array(PolicyFlagRef, { description: 'The entries this edit flagged as needs_review: their quotes lie in clauses it changed or removed' }),
});
export type LibraryUpdateResult = Static<typeof LibraryUpdateResult>;
