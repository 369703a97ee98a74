import { Type, type Static } from 'typebox';
import { Nullable, oneOf, Timestamp, Uuid } from '../../http/schemas.js';
import { ROLES } from '../principal.js';

const Role = oneOf(ROLES);

export const KeyView = Type.Object({
  id: Uuid,
  name: Type.String(),
  role: Role,
  key_prefix: Type.String({ description: 'First characters of the secret, to recognise it' }),
  library_ids: Type.Union([Type.Array(Uuid), Type.Null()], { description: 'null: every library' }),
  created_at: Timestamp,
  expires_at: Type.Union([Timestamp, Type.Null()], { description: 'null: never' }),
  revoked_at: Nullable(Timestamp),
  last_used_at: Nullable(Timestamp),
});
export type KeyView = Static<typeof KeyView>;

/** The calling key as it authenticated: what a client (the console) needs to offer only what the key may do. */
export const CurrentKey = Type.Object(
  {
    id: Uuid,
    role: Role,
    library_ids: Type.Union([Type.Array(Uuid), Type.Null()], { description: 'null: every library' }),
    expires_at: Type.Union([Timestamp, Type.Null()], { description: 'null: never' }),
  },
  { examples: [{ id: '5d0e2a8b-7c41-4e3f-8b2a-9f1c6d3e4b58', role: 'teacher', library_ids: null, expires_at: null }] },
);
export type CurrentKey = Static<typeof CurrentKey>;

export const CreatedKey = Type.Intersect([KeyView, Type.Object({ key: Type.String() })]);
export type CreatedKey = Static<typeof CreatedKey>;

export const KeyList = Type.Object({ items: Type.Array(KeyView) });
export type KeyList = Static<typeof KeyList>;

export const CreateKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    role: Role,
    library_ids: Type.Optional(
      Type.Union([Type.Array(Uuid, { minItems: 1, uniqueItems: true }), Type.Null()], {
        description: 'Limit the key to these libraries; omit or null for every library (only for keys not limited themselves)',
      }),
    ),
    expires_at: Type.Optional(
      Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
        description: 'When the key stops working (in the future); omit or null for never. A key that expires creates keys expiring no later',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CreateKeyBody = Static<typeof CreateKeyBody>;
