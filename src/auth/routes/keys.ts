import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { errorResponses, IdParams } from '../../http/schemas.js';
import type { ApiKeys } from '../api-keys.js';
import { requireRole } from '../principal.js';
import { CreatedKey, CreateKeyBody, KeyList, KeyView } from './key-schemas.js';

export function keyRoutes(app: FastifyInstance, keys: ApiKeys): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post(
    '/v1/keys',
    {
      schema: {
        tags: ['keys'],
        summary: 'Create an API key (admin); the secret is returned only here',
        description: 'A key limited to libraries creates only keys limited to some of its libraries (others answer as unknown libraries).',
        body: CreateKeyBody,
        response: { 201: CreatedKey, ...errorResponses() },
      },
    },
    async (request, reply) => {
      requireRole(request.principal, ['admin'], 'manage API keys');
      const { name, role, library_ids, expires_at } = request.body;
      reply.code(201);
      return keys.create(request.principal, { name, role, libraryIds: library_ids ?? null, expiresAt: expires_at ?? null });
    },
  );

  api.get(
    '/v1/keys',
    {
      schema: {
        tags: ['keys'],
        summary: 'List API keys (admin); secrets are never returned; a key limited to libraries sees only keys within them',
        response: { 200: KeyList, ...errorResponses() },
      },
    },
    async (request) => {
      requireRole(request.principal, ['admin'], 'manage API keys');
      return { items: await keys.list(request.principal) };
    },
  );

  api.delete(
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
