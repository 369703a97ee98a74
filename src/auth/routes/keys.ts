import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { ApiKeys, NewApiKey } from '../../auth/api-keys.js';
import { requireRole, ROLES } from '../../auth/principal.js';
import { errorResponses, IdParams, Uuid } from '../../http/schemas.js';

const Role = Type.Union(ROLES.map((role) => Type.Literal(role)));

const KeyView = Type.Object({
  id: Uuid,
  name: Type.String(),
  role: Role,
  key_prefix: Type.String({ description: 'First characters of the secret, to recognise it' }),
  library_ids: Type.Union([Type.Array(Uuid), Type.Null()], { description: 'null: every library' }),
  created_at: Type.String({ format: 'date-time' }),
  expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'null: never' }),
  revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const CreateKeyBody = Type.Object(
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

export function keyRoutes(app: FastifyInstance, keys: ApiKeys): void {
  app.post<{ Body: NewApiKey }>(
    '/v1/keys',
    {
      schema: {
        tags: ['keys'],
        summary: 'Create an API key (admin); the secret is returned only here',
        description: 'A key limited to libraries creates only keys limited to some of its libraries (others answer as unknown libraries).',
        body: CreateKeyBody,
        response: { 201: Type.Intersect([KeyView, Type.Object({ key: Type.String() })]), ...errorResponses() },
      },
    },
    async (request, reply) => {
      requireRole(request.principal, ['admin'], 'manage API keys');
      reply.code(201);
      return keys.create(request.principal, request.body);
    },
  );

  app.get(
    '/v1/keys',
    {
      schema: {
        tags: ['keys'],
        summary: 'List API keys (admin); secrets are never returned; a key limited to libraries sees only keys within them',
        response: { 200: Type.Object({ items: Type.Array(KeyView) }), ...errorResponses() },
      },
    },
    async (request) => {
      requireRole(request.principal, ['admin'], 'manage API keys');
      return { items: await keys.list(request.principal) };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/keys/:id',
    {
      schema: {
        tags: ['keys'],
        summary: "Revoke an API key (admin); it stops working at once; a key outside the caller's libraries answers 404",
        params: IdParams,
        response: { 200: KeyView, ...errorResponses() },
      },
    },
    async (request) => {
      requireRole(request.principal, ['admin'], 'manage API keys');
      return keys.revoke(request.principal, request.params.id);
    },
  );
}
