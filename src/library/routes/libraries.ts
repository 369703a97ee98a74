import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ForbiddenError } from '../../errors.js';
import { errorResponses, json } from '../../http/schemas.js';
import type { Libraries } from '../libraries.js';
import { libraryScope } from './library-scope.js';
import { LibraryBody, LibraryList, LibraryPatchBody, LibraryRef, LibraryUpdateResult } from './library-schemas.js';

/** The library itself, under /v1/libraries/:id. */
const libraryItemRoutes = (libraries: Libraries): FastifyPluginAsyncTypebox => async (app) => {
  app.get(
    '',
    { schema: { operationId: 'getLibrary', tags: ['libraries'], summary: 'Get a library', response: { 200: json('The library', LibraryRef), ...errorResponses() } } },
    async (request) => request.library,
  );

  app.patch(
    '',
    {
      config: { roles: ['admin', 'teacher'], action: 'change libraries' },
      schema: {
        operationId: 'updateLibrary',
        tags: ['libraries'],
        summary: 'Change name, description, policy or settings (admin, teacher)',
        description: 'A policy edit flags the entries whose policy_refs quote clauses it changed or removed (needs_review), in the same transaction.',
        body: LibraryPatchBody,
        response: { 200: json('The library as changed, and the entries the edit flagged', LibraryUpdateResult), ...errorResponses({ 409: 'Another library has this name' }) },
      },
    },
    async (request) => {
      const { holdout_rate, serve_needs_review, retrieval, ...texts } = request.body;
      const { library, flagged } = await libraries.update(request.library, { ...texts, holdoutRate: holdout_rate, serveNeedsReview: serve_needs_review, retrieval }, request.principal.keyId);
      return { ...library, policy_flags: flagged };
    },
  );

  app.delete(
    '',
    {
      config: { roles: ['admin'], action: 'delete libraries' },
      schema: {
        operationId: 'deleteLibrary',
        tags: ['libraries'],
        summary: 'Delete a library and all its guidance (admin)',
        response: { 204: Type.Null({ description: 'Deleted, with its guidance, traces and jobs' }), ...errorResponses() },
      },
    },
    async (request, reply) => {
      await libraries.delete(request.library);
      return reply.code(204).send(null);
    },
  );
};

export const libraryRoutes = (libraries: Libraries): FastifyPluginAsyncTypebox => async (app) => {
  app.post(
    '/v1/libraries',
    {
      config: { roles: ['admin', 'teacher'], action: 'create libraries' },
      schema: {
        operationId: 'createLibrary',
        tags: ['libraries'],
        summary: 'Create a library (admin, or a teacher key not limited to libraries)',
        body: LibraryBody,
        response: {
          201: json('The new library', LibraryRef),
          ...errorResponses({ 403: 'Not an admin or teacher key, or one limited to some libraries', 409: 'A library with this name exists' }),
        },
      },
    },
    async (request, reply) => {
      if (request.principal.libraryIds !== null) throw new ForbiddenError('a key limited to some libraries cannot create libraries');
      reply.code(201);
      const { holdout_rate, serve_needs_review, retrieval, ...rest } = request.body;
      return libraries.create({ ...rest, holdoutRate: holdout_rate, serveNeedsReview: serve_needs_review, retrieval });
    },
  );

  app.get(
    '/v1/libraries',
    {
      schema: {
        operationId: 'listLibraries',
        tags: ['libraries'],
        summary: 'List the libraries this key may use',
        response: { 200: json('The libraries this key may use, by name', LibraryList), ...errorResponses() },
      },
    },
    async (request) => ({ items: await libraries.list(request.principal) }),
  );

  await app.register(libraryScope, { routes: libraryItemRoutes(libraries) });
};
