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
