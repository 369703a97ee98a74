import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { ApiKeys } from '../../auth/api-keys.js';
import { requireRole, ROLES } from '../../auth/principal.js';
import { errorResponses, IdParams, Uuid } from '../schemas.js';

const Role = Type.Union(ROLES.map((role) => Type.Literal(role)));

const KeyView = Type.Object({
  id: Uuid,
  name: Type.String(),
  role: Role,
  key_prefix: Type.String({ description: 'First characters of the secret, to recognise it' }),
  library_ids: Type.Union([Type.Array(Uuid), Type.Null()], { description: 'null: every library' }),
  created_at: Type.String({ format: 'date-time' }),
  revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const CreateKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    role: Role,
    library_ids: Type.Optional(
      Type.Union([Type.Array(Uuid, { minItems: 1, uniqueItems: true }), Type.Null()], {
        description: 'Limit the key to these libraries; omit or null for every library',
      }),
    ),
  },
  { additionalProperties: false },
);

export function keyRoutes(app: FastifyInstance, keys: ApiKeys): void {
  app.post<{ Body: { name: string; role: (typeof ROLES)[number]; library_ids?: string[] | null } }>(
    '/v1/keys',
    {
      schema: {
        tags: ['keys'],
        summary: 'Create an API key (admin); the secret is returned only here',
        body: CreateKeyBody,
        response: { 201: Type.Intersect([KeyView, Type.Object({ key: Type.String() })]), ...errorResponses() },
      },
    },
    async (request, reply) => {
      requireRole(request.principal, ['admin'], 'manage API keys');
      reply.code(201);
      return keys.create(request.body);
    },
  );

  app.get(
    '/v1/keys',
    {
      schema: {
        tags: ['keys'],
        summary: 'List API keys (admin); secrets are never returned',
        response: { 200: Type.Object({ items: Type.Array(KeyView) }), ...errorResponses() },
      },
    },
    async (request) => {
      requireRole(request.principal, ['admin'], 'manage API keys');
      return { items: await keys.list() };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/keys/:id',
    {
      schema: {
        tags: ['keys'],
        summary: 'Revoke an API key (admin); it stops working at once',
        params: IdParams,
        response: { 200: KeyView, ...errorResponses() },
      },
    },
    async (request) => {
      requireRole(request.principal, ['admin'], 'manage API keys');
      return keys.revoke(request.params.id);
    },
  );
}
