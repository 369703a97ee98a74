import { Type, type Static } from 'typebox';
import { ref, Timestamp, Uuid } from '../../http/schemas.js';

export const LibraryView = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    description: Type.String(),
    policy: Type.String({ description: "The firm's policy; authoritative over any guidance" }),
    embedder: Type.String({ description: 'Embedder of the searchable vectors, e.g. local:hash-v1-512' }),
    embedding_dim: Type.Integer(),
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
    policy: Type.Optional(Type.String({ maxLength: 1_000_000 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type LibraryPatchBody = Static<typeof LibraryPatchBody>;
