import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, IdParams, json } from '../../http/schemas.js';
import type { ApiKeys } from '../api-keys.js';
import { CreatedKey, CreateKeyBody, CurrentKey, KeyList, KeyView } from './key-schemas.js';

const admins = { roles: ['admin'], action: 'manage API keys' } as const;

export const keyRoutes = (keys: ApiKeys): FastifyPluginAsyncTypebox => async (app) => {
  app.post(
    '/v1/keys',
    {
      config: admins,
      schema: {
        operationId: 'createKey',
        tags: ['keys'],
        summary: 'Create an API key (admin); the secret is returned only here',
        description: 'A key limited to libraries creates only keys limited to some of its libraries (others answer as unknown libraries).',
        body: CreateKeyBody,
        response: {
          201: json('The new key, with its secret: store it now, it is never shown again', CreatedKey),
          ...errorResponses({ 403: 'Not an admin key, or one that would hand out more libraries or time than it has' }),
        },
      },
    },
    async (request, reply) => {
      const { name, role, library_ids, expires_at } = request.body;
      reply.code(201);
      return keys.create(request.principal, { name, role, libraryIds: library_ids ?? null, expiresAt: expires_at ?? null });
    },
  );

  app.get(
    '/v1/keys',
    {
      config: admins,
      schema: {
        operationId: 'listKeys',
        tags: ['keys'],
        summary: 'List API keys (admin); secrets are never returned; a key limited to libraries sees only keys within them',
        response: { 200: json('The keys this key may manage, oldest first', KeyList), ...errorResponses() },
      },
    },
    async (request) => ({ items: await keys.list(request.principal) }),
  );

  app.get(
    '/v1/keys/current',
    {
      schema: {
        operationId: 'getCurrentKey',
        tags: ['keys'],
        summary: 'The calling key: its role, libraries and expiry (any key)',
        response: { 200: json('The key this request authenticated with', CurrentKey), ...errorResponses() },
      },
    },
    async (request): Promise<CurrentKey> => {
      const { keyId, role, libraryIds, expiresAt } = request.principal;
      return { id: keyId, role, library_ids: libraryIds, expires_at: expiresAt };
    },
  );

  app.delete(
    '/v1/keys/:id',
    {
      config: admins,
      schema: {
        operationId: 'revokeKey',
        tags: ['keys'],
        summary: "Revoke an API key (admin); it stops working at once; a key outside the caller's libraries answers 404",
        params: IdParams,
        response: { 200: json('The key, revoked', KeyView), ...errorResponses({ 404: "No such key, or one outside the caller's libraries" }) },
      },
    },
    async (request) => keys.revoke(request.principal, request.params.id),
  );
};
